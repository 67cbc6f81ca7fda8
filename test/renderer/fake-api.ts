/**
 * A fake `window.replyline` for renderer tests, installed with `page.addInitScript`. It answers
 * commands from canned data, records every call, and lets the test push events.
 *
 * `installFakeApi` runs in the page: Playwright sends its source text, so it must not use
 * anything from this module's scope (imports, helpers) — only its argument.
 */
import type {
  ActivityView,
  ChatMemoryView,
  ChatView,
  EventPayloads,
  HistoryView,
  MissedView,
  MutedChatView,
  ReplyView,
  ResponderTestView,
  Result,
  SecretsView,
  Settings,
  Snapshot,
  TryRulesResult,
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
  /** Decision records, newest first. */
  activity: ActivityView[];
  activityCsv: string;
  chats: ChatView[];
  muted: MutedChatView[];
  /** What `tryRules` answers. */
  tryResult: TryRulesResult;
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
          // A stored value the environment or the file overrides goes; theirs stays in use.
          secrets: fake.data.secrets.secrets.map((x) => {
            if (x.name !== name) return x;
            const rest = (x.overridden ?? []).filter((o) => o !== 'stored');
            if (x.source === 'stored' || rest.length === (x.overridden ?? []).length) return { name, set: false, source: 'none' as const, usedBy: x.usedBy };
            const { overridden: _was, ...kept } = x;
            return rest.length ? { ...kept, overridden: rest } : kept;
          }),
        };
        return ok(null);
      }
      case 'testResponder':
        return ok(fake.data.testResult);
      case 'listActivity': {
        const search = typeof args?.search === 'string' ? args.search.toLowerCase() : '';
        const contact = typeof args?.contact === 'string' ? args.contact.toLowerCase() : '';
        return ok(
          fake.data.activity.filter(
            (a) =>
              (!args?.outcome || a.outcome === args.outcome) &&
              (!args?.reason || a.reason === args.reason) &&
              (!args?.kind || a.kind === args.kind) &&
              (!search || [a.preview, a.explanation].some((t) => t.toLowerCase().includes(search))) &&
              (!contact || [a.contactName, a.contactMasked].some((t) => t.toLowerCase().includes(contact))),
          ),
        );
      }
      case 'exportActivity':
        return ok(fake.data.activityCsv);
      case 'tryRules':
        return ok(fake.data.tryResult);
      case 'listChats': {
        const search = typeof args?.search === 'string' ? args.search.toLowerCase() : '';
        return ok(fake.data.chats.filter((c) => !search || [c.name, c.masked].some((t) => t.toLowerCase().includes(search))));
      }
      case 'listMutedChats':
        return ok(fake.data.muted);
      case 'muteChat': {
        // As the core does: the chat's name from what it knows, the list pushed as a `muted` event.
        const chatId = String(args?.chatId);
        const known = fake.data.chats.find((c) => c.chatId === chatId);
        const minutes = typeof args?.minutes === 'number' ? args.minutes : null;
        const now = Date.now();
        const entry: MutedChatView = {
          chatId,
          name: known?.name ?? '',
          masked: known?.masked ?? '',
          isGroup: known?.isGroup ?? false,
          mutedAt: now,
          until: minutes === null ? null : now + minutes * 60_000,
        };
        fake.data.muted = [...fake.data.muted.filter((m) => m.chatId !== chatId), entry];
        fake.emit('muted', fake.data.muted);
        return ok(entry);
      }
      case 'unmuteChat': {
        const chatId = String(args?.chatId);
        if (!fake.data.muted.some((m) => m.chatId === chatId)) {
          return { ok: false, error: { kind: 'not-found', message: 'This chat is not muted.' } };
        }
        fake.data.muted = fake.data.muted.filter((m) => m.chatId !== chatId);
        fake.emit('muted', fake.data.muted);
        return ok(null);
      }
      case 'exportRules':
        return ok({ fileName: 'replyline-rules-2025-05-12.json', json: JSON.stringify({ format: 'replyline-rules', version: 1, rules: fake.data.rules }, null, 2) });
      case 'importRules': {
        // The real check is the core's (all or nothing, per-rule messages); tests override the answer for a refusal.
        const parsed = JSON.parse(String(args?.json)) as { rules?: unknown[] } | unknown[];
        const rules = Array.isArray(parsed) ? parsed : (parsed.rules ?? []);
        fake.data.rules = args?.mode === 'append' ? [...fake.data.rules, ...rules] : rules;
        return ok({ rules: fake.data.rules });
      }
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
