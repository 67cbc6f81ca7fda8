/**
 * `ReplylineApi` over HTTP, for the headless mode: the core serves this page on 127.0.0.1 and
 * answers `POST /api/rpc/<command>` (JSON args in, JSON `Result` out, `Authorization: Bearer
 * <token>`) and pushes events over `GET /api/events?token=<token>` as SSE messages whose data is
 * `{"event": <name>, "payload": <value>}`.
 *
 * The token arrives in the page address's fragment (`#token=…`, never sent to a server), is
 * removed from the address bar at once, and kept in this tab's sessionStorage so a reload works.
 */
import type { CommandArgs, CommandName, CommandResults, EventName, EventPayloads, Result } from '../../main/contract/api.js';
// A value from the contract's zod-free part: the window's bundle must not carry zod (see api.ts).
import { EVENT_NAMES } from '../../main/contract/channels.js';
import { failure, type RendererApi } from './types.js';

const TOKEN_KEY = 'replyline.token';
/** Every event of the contract (one list, so a new event cannot be dropped here unnoticed). */
const KNOWN_EVENTS: ReadonlySet<string> = new Set<EventName>(EVENT_NAMES);

/** Read `#token=…` from the address, drop it from the address bar, remember it for this tab. */
export function takeToken(win: Window = window): string | undefined {
  const fragment = new URLSearchParams(win.location.hash.replace(/^#/, ''));
  const fromUrl = fragment.get('token');
  if (fromUrl) {
    win.history.replaceState(win.history.state, '', win.location.pathname + win.location.search);
    try {
      win.sessionStorage.setItem(TOKEN_KEY, fromUrl);
    } catch {
      // Storage disabled: the token still works until the page is closed.
    }
    return fromUrl;
  }
  try {
    return win.sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export interface HttpTransportOptions {
  token: string;
  /** Injected in tests; the page's own `fetch` and `EventSource` otherwise. */
  fetch?: typeof fetch;
  EventSource?: typeof EventSource;
  /** Delay before reopening an event stream the browser gave up on. */
  reopenDelayMs?: number;
}

function isResult(value: unknown): value is Result<unknown> {
  if (!value || typeof value !== 'object') return false;
  const v = value as { ok?: unknown; error?: unknown };
  return v.ok === true ? 'value' in v : v.ok === false && typeof v.error === 'object' && v.error !== null;
}

export function createHttpTransport(options: HttpTransportOptions): RendererApi {
  const doFetch = options.fetch ?? window.fetch.bind(window);
  const ES = options.EventSource ?? window.EventSource;
  const reopenDelayMs = options.reopenDelayMs ?? 3_000;
  const auth = `Bearer ${options.token}`;

  const listeners = new Map<string, Set<(payload: never) => void>>();
  const linkListeners = new Set<(up: boolean) => void>();
  let source: EventSource | undefined;
  let up: boolean | undefined;

  const setLink = (next: boolean) => {
    if (up === next) return;
    const wasKnown = up !== undefined;
    up = next;
    // The first "up" is not news; every change after it is.
    if (wasKnown || !next) for (const l of [...linkListeners]) l(next);
  };

  const open = () => {
    const es = new ES(`/api/events?token=${encodeURIComponent(options.token)}`);
    source = es;
    es.onopen = () => setLink(true);
    es.onmessage = (message: MessageEvent<string>) => {
      let parsed: { event?: unknown; payload?: unknown };
      try {
        parsed = JSON.parse(message.data) as typeof parsed;
      } catch {
        return;
      }
      if (typeof parsed.event !== 'string' || !KNOWN_EVENTS.has(parsed.event)) return;
      for (const l of [...(listeners.get(parsed.event) ?? [])]) l(parsed.payload as never);
    };
    es.onerror = () => {
      setLink(false);
      // The browser retries by itself unless the server refused the stream outright.
      if (es.readyState === ES.CLOSED && source === es) {
        source = undefined;
        setTimeout(() => {
          if (!source) open();
        }, reopenDelayMs);
      }
    };
  };

  return {
    async invoke<C extends CommandName>(command: C, args?: CommandArgs[C]): Promise<Result<CommandResults[C]>> {
      let response: Response;
      try {
        response = await doFetch(`/api/rpc/${encodeURIComponent(command)}`, {
          method: 'POST',
          headers:
            args === undefined ? { Authorization: auth } : { Authorization: auth, 'Content-Type': 'application/json' },
          // No args: no body (the server reads an empty body as "no arguments").
          body: args === undefined ? undefined : JSON.stringify(args),
          cache: 'no-store',
          credentials: 'omit',
        });
      } catch {
        return failure('internal', 'Replyline is not answering. Is it still running?');
      }
      // A refused token gets words the person can act on, whatever the server put in the body.
      if (response.status === 401 || response.status === 403) {
        return failure(
          'forbidden-sender',
          'This page is no longer allowed to talk to Replyline. Open it again from the address Replyline printed.',
        );
      }
      const body: unknown = await response.json().catch(() => undefined);
      if (isResult(body)) return body as Result<CommandResults[C]>;
      return failure('internal', `Replyline answered with an error (HTTP ${response.status}).`);
    },

    on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as (payload: never) => void);
      if (!source) open();
      return () => {
        set.delete(listener as (payload: never) => void);
      };
    },

    onLink(listener) {
      linkListeners.add(listener);
      if (!source) open();
      return () => {
        linkListeners.delete(listener);
      };
    },
  };
}
