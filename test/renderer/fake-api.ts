/**
 * A fake `window.replyline` for renderer tests, installed with `page.addInitScript`. It answers
 * commands from canned data, records every call, and lets the test push events.
 *
 * `installFakeApi` runs in the page: Playwright sends its source text, so it must not use
 * anything from this module's scope (imports, helpers) — only its argument.
 */
import type {
  ChatMemoryView,
  EventPayloads,
  HistoryView,
  MissedView,
  ReplyView,
  ResponderTestView,
  Result,
  SecretsView,
  Settings,
  Snapshot,
} from '../../main/contract/api.js';

export interface FakeData {
  snapshot: Snapshot;
  replies: ReplyView[];
  repliesCsv: string;
  history: HistoryView;
  historyCsv: string;
  missed: MissedView[];
  rules: unknown[];
  settings: Settings;
  secrets: SecretsView;
  chatMemory: ChatMemoryView[];
  /** What `testResponder` answers. */
  testResult: ResponderTestView;
}

export interface FakeCall {
  command: string;
  args: unknown;
}

/** What the test reaches through `window.__fake` in `page.evaluate`. */
export interface FakeHandle {
  calls: FakeCall[];
  /** Per-command override: this Result is returned instead of the canned answer. */
  responses: Record<string, Result<unknown> | undefined>;
  emit<E extends keyof EventPayloads>(event: E, payload: EventPayloads[E]): void;
  data: FakeData;
}

export function installFakeApi(data: FakeData): void {
  type Listener = (payload: unknown) => void;
  const listeners = new Map<string, Set<Listener>>();
  const fake: FakeHandle = {
    calls: [],
    responses: {},
    data,
    emit(event, payload) {
      for (const l of listeners.get(event) ?? []) l(payload);
    },
  };
  const ok = <T>(value: T): Result<T> => ({ ok: true, value });

  const answer = (command: string, args: Record<string, unknown> | undefined): Result<unknown> => {
    switch (command) {
      case 'getSnapshot':
        return ok(fake.data.snapshot);
      case 'listReplies': {
        const search = typeof args?.search === 'string' ? args.search.toLowerCase() : '';
        const status = args?.status;
        return ok(
          fake.data.replies.filter(
            (r) =>
              (!status || r.status === status) &&
              (!search || [r.contactName, r.ruleName, r.text].some((t) => t.toLowerCase().includes(search))),
          ),
        );
      }
      case 'exportReplies':
        return ok(fake.data.repliesCsv);
      case 'getHistory':
        return ok(fake.data.history);
      case 'exportHistory':
        return ok(fake.data.historyCsv);
      case 'getSettings':
        return ok(fake.data.settings);
      case 'updateSettings':
        fake.data.settings = { ...fake.data.settings, ...(args as Partial<Settings>) };
        return ok(fake.data.settings);
      case 'getRules':
        return ok({ rules: fake.data.rules });
      case 'setRules':
        fake.data.rules = (args as { rules: unknown[] }).rules;
        return ok({ rules: fake.data.rules });
      case 'setAutoReply':
        fake.data.snapshot.autoReply = { enabled: Boolean(args?.enabled) };
        return ok(fake.data.snapshot.autoReply);
      case 'pauseAutoReply': {
        const until = args?.until;
        fake.data.snapshot.autoReply = typeof until === 'number' ? { enabled: true, pausedUntil: until } : { enabled: true };
        return ok(fake.data.snapshot.autoReply);
      }
      case 'listMissed':
        return ok(fake.data.missed);
      case 'sendMissed':
      case 'skipMissed':
        fake.data.missed = fake.data.missed.filter((m) => m.id !== args?.id);
        return ok(null);
      case 'dismissStoreReset': {
        const before = fake.data.snapshot.storeResets;
        fake.data.snapshot.storeResets = before.filter((n) => n.id !== args?.id);
        if (fake.data.snapshot.storeResets.length === before.length) {
          return { ok: false, error: { kind: 'not-found', message: 'That message was already dismissed.' } };
        }
        return ok(fake.data.snapshot.storeResets);
      }
      case 'listSecrets':
        return ok(fake.data.secrets);
      case 'setSecret': {
        // The fake keeps no value, only that one is set (as the real core tells the window).
        const name = String(args?.name);
        const known = fake.data.secrets.secrets.find((x) => x.name === name);
        const view = { name, set: true, source: 'stored' as const, usedBy: known?.usedBy ?? [] };
        fake.data.secrets = { ...fake.data.secrets, secrets: [...fake.data.secrets.secrets.filter((x) => x.name !== name), view] };
        return ok(view);
      }
      case 'removeSecret': {
        const name = String(args?.name);
        fake.data.secrets = {
          ...fake.data.secrets,
          secrets: fake.data.secrets.secrets.map((x) => (x.name === name ? { ...x, set: false, source: 'none' as const } : x)),
        };
        return ok(null);
      }
      case 'testResponder':
        return ok(fake.data.testResult);
      case 'listChatMemory':
        return ok(fake.data.chatMemory);
      case 'forgetChat':
        fake.data.chatMemory = fake.data.chatMemory.filter((c) => c.id !== args?.id);
        return ok(null);
      case 'forgetAllChats':
        fake.data.chatMemory = [];
        return ok(null);
      case 'reconnectNow':
      case 'useHere':
      case 'relink':
      case 'requestQr':
        return ok(null);
      default:
        return { ok: false, error: { kind: 'invalid-payload', message: `unknown command ${command}` } };
    }
  };

  const api = {
    async invoke(command: string, args?: unknown) {
      fake.calls.push({ command, args: args === undefined ? undefined : JSON.parse(JSON.stringify(args)) });
      const override = fake.responses[command];
      return override ?? answer(command, args as Record<string, unknown> | undefined);
    },
    on(event: string, listener: Listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
  };
  const w = window as unknown as { replyline: typeof api; __fake: FakeHandle };
  w.replyline = api;
  w.__fake = fake;
}

/** The page's window as the tests see it (`page.evaluate(() => (window as FakeWindow).__fake…)`). */
export type FakeWindow = Window & { __fake: FakeHandle };
