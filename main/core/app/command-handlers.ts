/**
 * What the core does for each command of the contract: one entry per command, typed from
 * `commandSchemas` (each handler receives the payload as the schema parsed it and returns what
 * `CommandResults` promises). A new command is one schema in the contract and one entry here.
 *
 * `dispatchCommand` is the one way in: it runs the contract's payload check, then the handler,
 * and turns every outcome into a `Result`, so nothing but `{ ok, value | error }` leaves the core.
 */
import {
  describeCause,
  parseCommandPayload,
  type ApiError,
  type CloseCause,
  type CommandName,
  type CommandPayloads,
  type CommandResults,
  type EventPayloads,
  type ChatView,
  type HistoryView,
  type ReplyView,
  type ResponderTestView,
  type Result,
  type Settings,
  type Snapshot,
} from '../../contract/api.js';
import type { SettingsStore } from './settings-store.js';
import type { StoreResets } from './store-resets.js';
import type { ConnectionController } from '../connection/controller.js';
import type { HistoryEntry, ReconnectHistory } from '../history/reconnect-history.js';
import { toReplyViewInChat, type ReplyLog, type ReplyLogEntry } from '../replylog/index.js';
import { toMissedView, type MissedStore, type ReplyPipeline } from '../inbound/index.js';
import { appendRules, exportRulesFile, readRulesFile } from '../autoreply/rules-file.js';
import { toActivityView, type ActivityEntry, type ActivityLog } from '../activity/index.js';
import type { Conversations } from '../conversation/conversations.js';
import { parseJid } from '../connection/jid.js';
import { tryRules, TryRulesError, type TryRulesDeps } from './try-rules.js';
import {
  validateResponder,
  validateRules,
  type OpenAiReply,
  type ResponderSample,
  type Rule,
  type ValidationError,
  type WebhookReply,
} from '../autoreply/index.js';
import { SecretRefused, type Secrets } from '../secrets/index.js';
import type { ChatMemory } from '../chat-memory/index.js';
import type { TypedEmitter } from '../util/typed-emitter.js';
import { toCsv } from '../util/csv.js';
import { getLogger } from '../logging/logger.js';

export type CommandHandlers = {
  [C in CommandName]: (payload: CommandPayloads[C]) => CommandResults[C] | Promise<CommandResults[C]>;
};

/** The parts of the core the handlers act on. */
export interface CommandContext {
  settings: SettingsStore;
  controller: Pick<ConnectionController, 'state' | 'reconnectNow' | 'useHere' | 'relink' | 'requestQr'>;
  replyLog: Pick<ReplyLog, 'query' | 'exportCsv' | 'get'>;
  history: Pick<ReconnectHistory, 'list' | 'countsByCause' | 'uptime'>;
  missed: Pick<MissedStore, 'list'>;
  pipeline: Pick<ReplyPipeline, 'sendMissed' | 'skipMissed' | 'cancelInChat'>;
  storeResets: Pick<StoreResets, 'list' | 'dismiss'>;
  activity: Pick<ActivityLog, 'query' | 'exportCsv' | 'latestPerChat'>;
  conversations: Pick<
    Conversations,
    'idOf' | 'keyOf' | 'chatKey' | 'mute' | 'unmute' | 'mutedUntil' | 'mutedViews' | 'toMutedView' | 'chatState'
  >;
  /** The engine's dry run, and what try-a-rule needs besides the rules. */
  tryRules: Omit<TryRulesDeps, 'findContact' | 'autoReply' | 'chatState' | 'now'>;
  /** Where the window's events go (settings and auto-reply changes are pushed from here). */
  events: Pick<TypedEmitter<EventPayloads>, 'emit'>;
  snapshot(): Snapshot;
  /** Validated rules were saved: the auto-reply engine uses them from now on. */
  rulesChanged(rules: Rule[]): void;
  /** Settings were saved: the core applies them at once (no restart). */
  settingsChanged(settings: Settings): void;
  /** The rules in force (validated). */
  rules(): Rule[];
  secrets: Pick<Secrets, 'view' | 'set' | 'remove'>;
  chatMemory: Pick<ChatMemory, 'list' | 'forget' | 'forgetAll'>;
  /** Ask a responder about a sample message; nothing is sent to WhatsApp. */
  testResponder(reply: WebhookReply | OpenAiReply, sample: ResponderSample): Promise<ResponderTestView>;
  now(): number;
}

/** A refusal with a plain message for the person; `dispatchCommand` returns it as the error. */
export class CommandRefused extends Error {
  constructor(readonly apiError: ApiError) {
    super(apiError.message);
    this.name = 'CommandRefused';
  }
}

const refuse = (kind: ApiError['kind'], message: string, details?: ApiError['details']): never => {
  throw new CommandRefused({ kind, message, details });
};

const DAY = 24 * 60 * 60 * 1000;

export function createCommandHandlers(ctx: CommandContext): CommandHandlers {
  const { settings, controller, replyLog, history, missed, pipeline, events, secrets, chatMemory, activity, conversations } = ctx;

  const replyChatKey = (e: ReplyLogEntry) => e.chatKey ?? conversations.chatKey(e.chatJid, phoneOfJid(e.contactJid));
  const replyView = (e: ReplyLogEntry): ReplyView => toReplyViewInChat(e, conversations.idOf(replyChatKey(e)));
  const activityView = (e: ActivityEntry) =>
    toActivityView(e, {
      chatId: conversations.idOf(e.chatKey),
      ...(e.replyId ? { replyStatus: replyLog.get(e.replyId)?.status } : {}),
    });
  /** Chat keys the stores know, for an id the window holds from before a restart. */
  const knownChatKeys = function* (): Iterable<string> {
    for (const e of activity.latestPerChat()) yield e.chatKey;
    for (const e of replyLog.query({ limit: 5_000 })) yield replyChatKey(e);
  };
  /** Who a chat is, for the muted list: from its latest decision record, else its latest reply. */
  const chatWho = (chatKey: string): { name: string; masked: string; isGroup: boolean } => {
    const record = activity.query({ chatKey, limit: 1 })[0];
    if (record) return { name: record.contactName, masked: record.isGroup ? 'group' : record.contactMasked, isGroup: record.isGroup };
    const reply = replyLog.query({ limit: 5_000 }).find((e) => replyChatKey(e) === chatKey);
    const isGroup = chatKey.startsWith('g:');
    return reply ? { name: reply.contactName, masked: isGroup ? 'group' : reply.contactMasked, isGroup } : { name: '', masked: isGroup ? 'group' : '', isGroup };
  };
  const chatOf = (chatId: string): string => {
    const key = conversations.keyOf(chatId, knownChatKeys);
    return key ?? refuse('not-found', 'Replyline does not know this chat (any more).');
  };
  const rulesOrRefuse = (input: unknown, message: string): Rule[] => {
    const r = validateRules(input);
    return r.ok ? r.rules : refuse('invalid-rules', message, details(r.errors));
  };
  const setAutoReply = (next: Snapshot['autoReply']) => {
    const stored = settings.setAutoReply(next);
    events.emit('auto-reply', stored);
    return stored;
  };

  return {
    getSnapshot: () => ctx.snapshot(),
    listReplies: (q) => replyLog.query(q ?? {}).map(replyView),
    exportReplies: (q) => replyLog.exportCsv(q ?? {}),
    getHistory: (q) => historyView(history, ctx.now(), q?.limit),
    exportHistory: () => historyCsv(history.list()),
    getSettings: () => settings.getSettings(),
    updateSettings: (patch) => {
      const next = settings.updateSettings(patch);
      ctx.settingsChanged(next);
      events.emit('settings', next);
      return next;
    },
    getRules: () => ({ rules: settings.getRules() }),
    setRules: ({ rules }) => {
      const valid = rulesOrRefuse(rules, 'Some rules need fixing before they can be saved.');
      settings.setRules(valid);
      ctx.rulesChanged(valid);
      return { rules: valid };
    },
    setAutoReply: ({ enabled }) => setAutoReply({ enabled }),
    pauseAutoReply: ({ until }) =>
      setAutoReply(
        until === null
          ? { enabled: settings.getAutoReply().enabled }
          : { enabled: settings.getAutoReply().enabled, pausedUntil: until },
      ),
    reconnectNow: () => {
      controller.reconnectNow('user');
      return null;
    },
    useHere: () => {
      if (controller.state.kind !== 'conflict') refuse('not-allowed-now', 'WhatsApp is not open elsewhere right now.');
      controller.useHere();
      return null;
    },
    relink: async () => {
      await controller.relink();
      return null;
    },
    requestQr: () => {
      if (controller.state.kind !== 'qr-expired') refuse('not-allowed-now', 'There is no expired QR code to replace.');
      controller.requestQr();
      return null;
    },
    listMissed: () => missed.list().map(toMissedView),
    sendMissed: async ({ id }) => {
      const r = await pipeline.sendMissed(id);
      if (!r.ok) refuse(r.error.kind === 'not-found' ? 'not-found' : 'internal', r.error.message);
      return null;
    },
    skipMissed: async ({ id }) => {
      const r = await pipeline.skipMissed(id);
      if (!r.ok) refuse(r.error.kind === 'not-found' ? 'not-found' : 'internal', r.error.message);
      return null;
    },
    dismissStoreReset: async ({ id }) => {
      if (!(await ctx.storeResets.dismiss(id))) refuse('not-found', 'That message was already dismissed.');
      const left = ctx.storeResets.list();
      events.emit('store-resets', left);
      return left;
    },
    listActivity: (q) => activity.query(q ?? {}).map(activityView),
    exportActivity: (q) => activity.exportCsv(q ?? {}),
    tryRules: (args) => {
      const rules = args.rules === undefined ? ctx.rules() : rulesOrRefuse(args.rules, 'Some rules need fixing before they can be tried.');
      try {
        return tryRules(args, rules, {
          ...ctx.tryRules,
          autoReply: () => settings.getAutoReply(),
          chatState: (key) => conversations.chatState(key),
          findContact: (name) => findContact(activity, name),
          now: ctx.now,
        });
      } catch (err) {
        if (err instanceof TryRulesError) return refuse('invalid-payload', err.message);
        throw err;
      }
    },
    listChats: (q) => {
      const search = q?.search?.trim().toLowerCase();
      const out: ChatView[] = [];
      for (const e of activity.latestPerChat()) {
        const masked = e.isGroup ? 'group' : e.contactMasked;
        if (search && !e.contactName.toLowerCase().includes(search) && !masked.toLowerCase().includes(search)) continue;
        const mutedUntil = conversations.mutedUntil(e.chatKey);
        out.push({
          chatId: conversations.idOf(e.chatKey),
          name: e.contactName,
          masked,
          isGroup: e.isGroup,
          lastAt: e.at,
          ...(mutedUntil !== undefined ? { mutedUntil } : {}),
        });
        if (out.length >= (q?.limit ?? 200)) break;
      }
      return out;
    },
    listMutedChats: () => conversations.mutedViews(),
    muteChat: async ({ chatId, minutes }) => {
      const chatKey = chatOf(chatId);
      const entry = await conversations.mute(chatKey, minutes, chatWho(chatKey));
      await pipeline.cancelInChat(chatKey, 'muted');
      return conversations.toMutedView(entry);
    },
    unmuteChat: async ({ chatId }) => {
      const chatKey = chatOf(chatId);
      if (!(await conversations.unmute(chatKey))) refuse('not-found', 'This chat is not muted.');
      return null;
    },
    exportRules: () => exportRulesFile(settings.getRules(), ctx.now()),
    importRules: ({ json, mode }) => {
      const file = readRulesFile(json);
      if (!file.ok) return refuse('invalid-rules', 'The file could not be imported.', details(file.errors));
      const combined = mode === 'append' ? appendRules(settings.getRules(), file.rules) : file.rules;
      const valid = rulesOrRefuse(combined, 'Some rules in the file need fixing; nothing was imported.');
      settings.setRules(valid);
      ctx.rulesChanged(valid);
      return { rules: valid };
    },
    listSecrets: () => secrets.view(ctx.rules()),
    setSecret: ({ name, value }) => refusedSecret(() => secrets.set(name, value, ctx.rules())),
    removeSecret: ({ name }) => refusedSecret(async () => (await secrets.remove(name), null)),
    testResponder: ({ reply, message, contactName }) => {
      const r = validateResponder(reply);
      if (!r.ok) {
        const details = r.errors.map((e) => ({ path: e.path.join('.'), message: e.message }));
        return refuse('invalid-rules', 'The responder needs fixing before it can be tested.', details);
      }
      return ctx.testResponder(r.reply, { text: message, ...(contactName ? { contactName } : {}) });
    },
    listChatMemory: () => chatMemory.list(),
    forgetChat: async ({ id }) => {
      if (!(await chatMemory.forget(id))) refuse('not-found', 'This chat has nothing kept (any more).');
      return null;
    },
    forgetAllChats: async () => {
      await chatMemory.forgetAll();
      return null;
    },
  };
}

function details(errors: readonly ValidationError[]): ApiError['details'] {
  return errors.map((e) => ({ path: e.path.join('.'), message: e.message }));
}

function phoneOfJid(jid: string): string | undefined {
  const p = parseJid(jid);
  return p?.server === 's.whatsapp.net' ? p.user : undefined;
}

/** The newest decision record from a contact with exactly this name (case-insensitive, 1:1 chats). */
function findContact(activity: Pick<ActivityLog, 'latestPerChat'>, name: string): { jid: string; phone?: string } | undefined {
  const wanted = name.trim().toLowerCase();
  for (const e of activity.latestPerChat()) {
    if (e.isGroup || e.contactName.trim().toLowerCase() !== wanted) continue;
    const phone = e.chatKey.startsWith('p:') ? e.chatKey.slice(2) : undefined;
    return phone ? { jid: `${phone}@s.whatsapp.net`, phone } : { jid: e.chatJid };
  }
  return undefined;
}

/** A refused secret change becomes the command's plain refusal. */
async function refusedSecret<T>(change: () => Promise<T>): Promise<T> {
  try {
    return await change();
  } catch (err) {
    if (err instanceof SecretRefused) return refuse(err.kind, err.message);
    throw err;
  }
}

/** Check the payload, run the command's handler, and answer with a `Result` whatever happens. */
export async function dispatchCommand<C extends CommandName>(
  handlers: CommandHandlers,
  command: C,
  args: unknown,
): Promise<Result<CommandResults[C]>> {
  const payload = parseCommandPayload(command, args);
  if (!payload.ok) return payload;
  try {
    // TypeScript cannot pair `handlers[command]` with `CommandPayloads[C]` for a generic C.
    const handler = handlers[command] as (p: CommandPayloads[C]) => CommandResults[C] | Promise<CommandResults[C]>;
    return { ok: true, value: await handler(payload.value) };
  } catch (err) {
    if (err instanceof CommandRefused) return { ok: false, error: err.apiError };
    getLogger('core').error({ err, command }, 'command failed');
    return { ok: false, error: { kind: 'internal', message: 'Something went wrong inside Replyline.' } };
  }
}

function historyView(history: CommandContext['history'], now: number, limit = 500): HistoryView {
  const counts = history.countsByCause(now - 7 * DAY);
  const meanings: HistoryView['causeMeanings'] = {};
  for (const cause of Object.keys(counts) as CloseCause[]) meanings[cause] = describeCause(cause);
  return {
    entries: history.list({ limit }),
    countsByCause: counts,
    causeMeanings: meanings,
    day: history.uptime(now - DAY, now, 24),
    week: history.uptime(now - 7 * DAY, now, 28),
  };
}

/** The reconnect history as CSV, oldest first, with the reply log's cell rules (util/csv.ts). */
function historyCsv(entries: HistoryEntry[]): string {
  const header = ['time', 'state', 'cause', 'code', 'meaning', 'attempt', 'delay_ms', 'outage_ms', 'recovered_by'];
  const rows = [...entries]
    .reverse()
    .map((e) => [new Date(e.at).toISOString(), e.state, e.cause, e.code, e.meaning, e.attempt, e.delayMs, e.outageMs, e.recoveredBy]);
  return toCsv(header, rows);
}
