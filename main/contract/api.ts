/**
 * The one contract between the window and the core: every command the renderer can send, every
 * event the core pushes, and the shape of every value that crosses. Main (Electron IPC), the
 * preload bridge, the headless HTTP server and the renderer all import this file, so they cannot
 * drift. Main validates every incoming payload with `commandSchemas` before it reaches the core.
 *
 * Browser-safe: no Node or Electron imports here or in what it imports. The values the window's
 * bundle needs at run time live in zod-free modules beside this one and are re-exported here:
 * `channels.ts` (the preload), `connection.ts` and `bounds.ts` (the window). Bundles import values from those
 * directly, because importing a value from this file brings zod along (whose eval probe the
 * window's CSP reports), and types from here. The lint config enforces it for the renderer.
 */
import * as z from 'zod';
import { EVENT_NAMES, IPC_COMMAND_PREFIX, IPC_EVENT_CHANNEL, type EventName } from './channels.js';
import type { CloseCause, ConnectionState } from './connection.js';
import {
  ACTIVITY_OUTCOMES,
  DECISION_REASONS,
  INBOUND_KINDS,
  MESSAGE_KINDS,
  type ActivityOutcome,
  type DecisionReason,
  type InboundKind,
} from './conversation.js';

import { MAX_DATE_MS, MAX_RULES, MAX_RULES_FILE_BYTES, rulesFileBytes, SETTINGS_BOUNDS } from './bounds.js';

// The connection's states, close causes and their plain words (a pure module of its own).
export * from './connection.js';
// The settings' bounds, the rule count, the date cap and the pause rule (plain values).
export * from './bounds.js';
// Message kinds, decision reasons and their plain words (a pure module of its own).
export * from './conversation.js';

// ---- Values ---------------------------------------------------------------------------------

export type ReplyStatus =
  | 'generating'
  | 'queued'
  | 'sending'
  | 'sent'
  | 'delivered'
  | 'read'
  | 'failed'
  | 'expired'
  | 'cancelled';

export const REPLY_STATUSES: readonly ReplyStatus[] = [
  'generating',
  'queued',
  'sending',
  'sent',
  'delivered',
  'read',
  'failed',
  'expired',
  'cancelled',
];

export interface ReplyView {
  /** The reply's WhatsApp message id (chosen at enqueue time). */
  id: string;
  at: number;
  contactName: string;
  /** e.g. "+1 ••• ••• 12 34" — never the full number. */
  contactMasked: string;
  inboundId: string;
  ruleName: string;
  text: string;
  status: ReplyStatus;
  statusHistory: Array<{ status: ReplyStatus; at: number }>;
  attempts: number;
  lastError?: string;
  /** The chat, as an opaque id for `muteChat` (never a number or JID). */
  chatId?: string;
}

export interface HistoryEntryView {
  seq: number;
  at: number;
  state: ConnectionState['kind'];
  cause?: CloseCause;
  code?: number;
  meaning: string;
  attempt?: number;
  delayMs?: number;
  outageMs?: number;
  recoveredBy?: string;
}

export interface UptimeBucketView {
  start: number;
  end: number;
  /** Fraction of the bucket the link was open. */
  up: number;
  /** Fraction of the bucket the history covers; the rest is "no data" (before the first record). */
  known: number;
}

export interface HistoryView {
  entries: HistoryEntryView[];
  countsByCause: Partial<Record<CloseCause, number>>;
  /** Plain words for each cause that appears in `countsByCause`. */
  causeMeanings: Partial<Record<CloseCause, string>>;
  day: UptimeBucketView[];
  week: UptimeBucketView[];
}

export interface MissedView {
  id: string;
  at: number;
  contactName: string;
  contactMasked: string;
  text: string;
  ruleName?: string;
}

/**
 * One inbound message that reached the rules and what became of it: replied (with the reply's
 * id and current status), skipped with the reason, or cancelled (a reply was decided, then
 * called back before it went out: you answered, you read it, you muted the chat).
 */
export interface ActivityView {
  /** Opaque id of the record. */
  id: string;
  /** The message's time. */
  at: number;
  /** When Replyline decided about it. */
  decidedAt: number;
  /** The chat, as an opaque id for `muteChat`. */
  chatId: string;
  /** The sender's push name, or '' when unknown. */
  contactName: string;
  /** e.g. "+1 ••• ••• 12 34" — never the full number. */
  contactMasked: string;
  isGroup: boolean;
  kind: InboundKind;
  /** The message as `{message}` renders it: its text or caption, or a label like "[voice message]" (at most 200 characters). */
  preview: string;
  outcome: ActivityOutcome;
  /** Why it was skipped or cancelled. */
  reason?: DecisionReason;
  /** A full sentence: which rule answered, or why none did ("… muted until 14:30"). */
  explanation: string;
  ruleName?: string;
  /** Until when the reason holds (cooldown, pause, mute), ms since epoch. */
  until?: number;
  /** The reply decided for it (replied, cancelled). */
  replyId?: string;
  /** That reply's status now, from the reply log. */
  replyStatus?: ReplyStatus;
}

/** A chat Replyline has seen recently (for the chats list and muting). */
export interface ChatView {
  chatId: string;
  /** The contact's name, or '' (groups: the last sender's name). */
  name: string;
  /** The contact's masked number; "group" for groups. */
  masked: string;
  isGroup: boolean;
  /** The last message Replyline saw there. */
  lastAt: number;
  /** Muted: until when (null: until unmuted). Absent: not muted. */
  mutedUntil?: number | null;
}

export interface MutedChatView {
  chatId: string;
  name: string;
  masked: string;
  isGroup: boolean;
  mutedAt: number;
  /** null: until unmuted. */
  until: number | null;
}

/**
 * Something that would stop a matching reply right now (`tryRules`), in a sentence, and until
 * when it holds: a time as a number, which the window shows in the person's locale.
 */
export interface TryRulesNote {
  text: string;
  until?: number;
}

/**
 * What `tryRules` found, using the engine's dry run (nothing sent, no cooldown counted, no
 * contact remembered). `notes` says what would stop the reply right now although the rule
 * matches (auto-reply off, paused, the chat muted or in its pause after you answered).
 */
export type TryRulesResult =
  | {
      outcome: 'reply';
      rule: { id: string; name: string };
      /** The exact reply text (templates and fallbacks); absent for a responder. */
      text?: string;
      /** A responder rule: which one would be called (it is not called here). */
      responder?: { type: 'webhook' | 'openai'; target: string; fallback?: string };
      /** The reply waits this long before it goes out (its human-like delay). */
      delayMs: { min: number; max: number };
      /** "Reply only if I don't": how long it waits for you first. */
      graceMs: number;
      notes: TryRulesNote[];
    }
  | {
      outcome: 'no-reply';
      reason: DecisionReason;
      explanation: string;
      /** Why each rule did not answer, in plain words. */
      rules: Array<{ id: string; name: string; why: string }>;
      notes: TryRulesNote[];
    };

/** Rules as a file to save (`exportRules`) or load (`importRules`). */
export interface RulesExport {
  fileName: string;
  json: string;
}

/**
 * A message from the desktop shell for the window, shown there until dismissed. Never from the
 * core or headless mode:
 *  - 'closed-to-tray': the window was closed for the first time and Replyline keeps running;
 *  - 'notification': a desktop notification the system would not show (an unsigned macOS build).
 */
export interface NoticeView {
  kind: 'closed-to-tray' | 'notification';
  title: string;
  body: string;
}

/** Everything the window needs to draw itself on open. */
export interface Snapshot {
  state: ConnectionState;
  stateText: string;
  autoReply: { enabled: boolean; pausedUntil?: number };
  /** How the session keys are protected at rest. */
  encryption: 'os-keychain' | 'weak' | 'key-file' | 'test' | 'none';
  dataDir: string;
  version: string;
  /** Stores that had to be reset, until the person dismisses each one. */
  storeResets: StoreResetView[];
}

/** Which store had to be reset (a reset's id: one per store). */
export type ResetStore =
  | 'settings'
  | 'session'
  | 'data-key'
  | 'commit-log'
  | 'outbox'
  | 'reply-log'
  | 'history'
  | 'seen-messages'
  | 'missed'
  | 'contacts'
  | 'chat-memory'
  | 'activity'
  | 'mutes'
  | 'owner-activity'
  | 'other';

/**
 * Told once, in plain words: a store could not be read and was reset, and where the damaged
 * copy was kept. Shown until dismissed (`dismissStoreReset`); a later reset of the same store
 * shows it again. (From the core; the desktop shell's own messages are `NoticeView`.)
 */
export interface StoreResetView {
  id: ResetStore;
  store: ResetStore;
  title: string;
  message: string;
  /** The damaged copies, kept next to the store's file. */
  copies: string[];
  /** When the newest copy was set aside (ms since epoch). */
  at: number;
}

const wholeNumber = (bounds: { min: number; max: number }) => z.number().int().min(bounds.min).max(bounds.max);

export const settingsSchema = z.object({
  /** Offline-sync messages older than this many minutes go to "missed while offline". */
  catchUpWindowMinutes: wholeNumber(SETTINGS_BOUNDS.catchUpWindowMinutes),
  /** A reply still waiting after this many minutes is expired instead of sent late. */
  replyTtlMinutes: wholeNumber(SETTINGS_BOUNDS.replyTtlMinutes),
  /** Show a typing indicator before a reply. */
  typingIndicator: z.boolean(),
  /** Loop protection: auto-replies per minute over all chats. */
  maxRepliesPerMinute: wholeNumber(SETTINGS_BOUNDS.maxRepliesPerMinute),
  /** Loop protection: auto-replies per chat per hour, over all rules. */
  maxRepliesPerChatPerHour: wholeNumber(SETTINGS_BOUNDS.maxRepliesPerChatPerHour),
  /** After you write in a chat from another device, auto-replies there pause this long (0: no pause). */
  takeoverPauseMinutes: wholeNumber(SETTINGS_BOUNDS.takeoverPauseMinutes),
  startAtLogin: z.boolean(),
  notifications: z.boolean(),
  /** Desktop app: closing the window keeps Replyline running in the tray (off: closing quits). */
  closeToTray: z.boolean(),
  /** AI replies: days a chat's recent turns are kept for context (0: none are kept). */
  chatMemoryDays: wholeNumber(SETTINGS_BOUNDS.chatMemoryDays),
});
export type Settings = z.infer<typeof settingsSchema>;

/** A moment a Date can hold: later ones break every clock and date format. */
export const pausedUntilSchema = z.number().int().positive().max(MAX_DATE_MS);

/** The auto-reply switch as stored: on or off, and a pause until a moment (see `isPaused`). */
export const autoReplySchema = z.object({ enabled: z.boolean(), pausedUntil: pausedUntilSchema.optional() });

export const DEFAULT_SETTINGS: Settings = {
  catchUpWindowMinutes: 15,
  replyTtlMinutes: 60,
  typingIndicator: true,
  maxRepliesPerMinute: 10,
  maxRepliesPerChatPerHour: 6,
  takeoverPauseMinutes: 30,
  startAtLogin: false,
  notifications: true,
  closeToTray: true,
  chatMemoryDays: 30,
};

/** A secret (API key, webhook secret) as the window sees it: its name and whether it is set, never its value. */
export interface SecretView {
  name: string;
  set: boolean;
  /**
   * Where the value in use comes from: kept by Replyline (encrypted), or headless mode's
   * environment or secrets file. Where several hold one, the environment wins, then the file,
   * then the stored value (the core's SECRET_PRECEDENCE).
   */
  source: 'stored' | 'environment' | 'file' | 'none';
  /** The other places that hold a value for this name, not used while `source` has one. */
  overridden?: Array<'file' | 'stored'>;
  /** Names of the rules whose responder uses it. */
  usedBy: string[];
}

export interface SecretsView {
  secrets: SecretView[];
  /** False when this installation cannot keep secrets (headless mode without a key); `note` says why. */
  canStore: boolean;
  note?: string;
}

/** What testing a responder gave: its reply, the fallback text (with why), or no reply (with why). */
export type ResponderTestView =
  | { outcome: 'reply'; text: string; ms: number }
  | { outcome: 'fallback'; text: string; error: string; ms: number }
  | { outcome: 'no-reply'; error: string; ms: number };

/** A chat whose recent turns are kept as context for AI replies. */
export interface ChatMemoryView {
  /** Opaque, valid while the app runs. */
  id: string;
  contactName: string;
  contactMasked: string;
  turns: number;
  lastAt: number;
}

// ---- Commands (window → core) ---------------------------------------------------------------

const none = z.undefined().or(z.null()).optional();
const shortText = z.string().max(200);
const replyQuery = z
  .object({
    search: shortText.optional(),
    status: z.enum(REPLY_STATUSES as [ReplyStatus, ...ReplyStatus[]]).optional(),
    contact: shortText.optional(),
    limit: z.number().int().min(1).max(10_000).optional(),
  })
  .strict();
const idArg = z.object({ id: z.string().min(1).max(128) }).strict();
const activityQuery = z
  .object({
    search: shortText.optional(),
    contact: shortText.optional(),
    outcome: z.enum(ACTIVITY_OUTCOMES).optional(),
    reason: z.enum(DECISION_REASONS).optional(),
    kind: z.enum(INBOUND_KINDS).optional(),
    limit: z.number().int().min(1).max(20_000).optional(),
  })
  .strict();
const chatIdArg = z.string().min(1).max(64);
/** A secret's name as rules refer to it (`secretRef`, `apiKeyRef`): printable, no line breaks. */
const secretName = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[^\p{Cc}]+$/u, 'a secret name cannot contain control characters');

/** Payload schema of every command. Main parses with these; anything else is rejected. */
export const commandSchemas = {
  getSnapshot: none,
  listReplies: replyQuery.optional(),
  exportReplies: replyQuery.optional(),
  getHistory: z.object({ limit: z.number().int().min(1).max(2_000).optional() }).strict().optional(),
  exportHistory: none,
  getSettings: none,
  updateSettings: settingsSchema.partial().strict(),
  getRules: none,
  /** Rules are validated by the auto-reply engine's own schema, which gives per-rule messages. */
  setRules: z.object({ rules: z.array(z.unknown()).max(MAX_RULES, `there are too many rules (at most ${MAX_RULES})`) }).strict(),
  setAutoReply: z.object({ enabled: z.boolean() }).strict(),
  pauseAutoReply: z.object({ until: pausedUntilSchema.nullable() }).strict(),
  reconnectNow: none,
  useHere: none,
  relink: none,
  requestQr: none,
  listMissed: none,
  sendMissed: idArg,
  skipMissed: idArg,
  /** Every inbound message that reached the rules, newest first, and what became of it. */
  listActivity: activityQuery.optional(),
  exportActivity: activityQuery.optional(),
  /**
   * Which rule would answer this message, and with what text? Flat fields: the message (`text`,
   * `kind`), the contact (name and/or number, in a group, mentioned, days since their last
   * message: null = never wrote), the moment, and optionally the rules being edited (else the
   * saved ones; validated like `setRules`).
   */
  tryRules: z
    .object({
      text: z.string().max(4_096).optional(),
      kind: z.enum(MESSAGE_KINDS).optional(),
      contactName: shortText.optional(),
      contactNumber: shortText.optional(),
      inGroup: z.boolean().optional(),
      mentioned: z.boolean().optional(),
      at: pausedUntilSchema.optional(),
      daysSinceLastMessage: z.number().int().min(0).max(3_650).nullable().optional(),
      rules: z.array(z.unknown()).max(MAX_RULES, `there are too many rules (at most ${MAX_RULES})`).optional(),
    })
    .strict(),
  /** Chats seen recently (for muting from a list). */
  listChats: z.object({ search: shortText.optional(), limit: z.number().int().min(1).max(1_000).optional() }).strict().optional(),
  listMutedChats: none,
  /** Mute auto-replies in one chat for `minutes` (null: until unmuted). Replies still waiting there are cancelled. */
  muteChat: z.object({ chatId: chatIdArg, minutes: z.number().int().min(1).max(30 * 24 * 60).nullable() }).strict(),
  unmuteChat: z.object({ chatId: chatIdArg }).strict(),
  /** The saved rules as a JSON file's text. */
  exportRules: none,
  /**
   * Rules from a JSON file's text (what `exportRules` wrote, or a bare array): validated whole,
   * all or nothing, with a message per problem. `replace` (default) or `append` to the saved rules.
   */
  importRules: z
    .object({
      json: z
        .string()
        .min(1)
        .max(MAX_RULES_FILE_BYTES)
        .refine((json) => rulesFileBytes(json) <= MAX_RULES_FILE_BYTES, 'The file is too large to be a rules file.'),
      mode: z.enum(['replace', 'append']).optional(),
    })
    .strict(),
  dismissStoreReset: idArg,
  listSecrets: none,
  setSecret: z.object({ name: secretName, value: z.string().min(1).max(16_384) }).strict(),
  removeSecret: z.object({ name: secretName }).strict(),
  /** `reply` is checked by the auto-reply engine's own schema (webhook or AI responder). */
  testResponder: z
    .object({ reply: z.record(z.string(), z.unknown()), message: z.string().min(1).max(4_096), contactName: z.string().max(100).optional() })
    .strict(),
  listChatMemory: none,
  forgetChat: idArg,
  forgetAllChats: none,
} as const;

export type CommandName = keyof typeof commandSchemas;

/**
 * Payloads are plain data: undefined, null, a primitive, or an object made by `{}` / JSON.parse.
 * zod's z.object() takes any object — a Date, Map, Set or RegExp (structured clone carries them
 * through IPC as such) passes as an empty argument object — so `parseCommandPayload` checks this
 * first.
 */
export function isPlainPayload(args: unknown): boolean {
  if (args === null || typeof args !== 'object') return true;
  const proto = Object.getPrototypeOf(args) as unknown;
  return proto === Object.prototype || proto === null;
}
export type CommandArgs = { [C in CommandName]: z.input<(typeof commandSchemas)[C]> };
/** A command's payload once `parseCommandPayload` accepted it: what the core's handler receives. */
export type CommandPayloads = { [C in CommandName]: z.output<(typeof commandSchemas)[C]> };

/**
 * The one payload check, used by the Electron IPC registrar and by the core's `handle`: a known
 * command, plain data, then the command's schema. A refusal lists at most 10 problems.
 */
export function parseCommandPayload<C extends CommandName>(command: C, args: unknown): Result<CommandPayloads[C]> {
  if (!Object.hasOwn(commandSchemas, command)) {
    return { ok: false, error: { kind: 'invalid-payload', message: 'Unknown command.' } };
  }
  const parsed = isPlainPayload(args) ? (commandSchemas[command] as z.ZodType).safeParse(args) : undefined;
  // The data is what `commandSchemas[command]` outputs; TypeScript cannot follow a generic index.
  if (parsed?.success) return { ok: true, value: parsed.data as CommandPayloads[C] };
  return {
    ok: false,
    error: {
      kind: 'invalid-payload',
      message: 'The request was not in the expected form.',
      details: parsed
        ? parsed.error.issues.slice(0, 10).map((i) => ({ path: i.path.map(String).join('.'), message: i.message }))
        : [{ path: '', message: 'expected plain data' }],
    },
  };
}

/** What each command returns on success. */
export interface CommandResults {
  getSnapshot: Snapshot;
  listReplies: ReplyView[];
  exportReplies: string;
  getHistory: HistoryView;
  exportHistory: string;
  getSettings: Settings;
  updateSettings: Settings;
  getRules: { rules: unknown[] };
  setRules: { rules: unknown[] };
  setAutoReply: Snapshot['autoReply'];
  pauseAutoReply: Snapshot['autoReply'];
  reconnectNow: null;
  useHere: null;
  relink: null;
  requestQr: null;
  listMissed: MissedView[];
  sendMissed: null;
  skipMissed: null;
  listActivity: ActivityView[];
  exportActivity: string;
  tryRules: TryRulesResult;
  listChats: ChatView[];
  listMutedChats: MutedChatView[];
  muteChat: MutedChatView;
  unmuteChat: null;
  exportRules: RulesExport;
  importRules: { rules: unknown[] };
  /** The resets still shown. */
  dismissStoreReset: StoreResetView[];
  listSecrets: SecretsView;
  setSecret: SecretView;
  removeSecret: null;
  testResponder: ResponderTestView;
  listChatMemory: ChatMemoryView[];
  forgetChat: null;
  forgetAllChats: null;
}

/** A typed error with a plain-language message for the person. */
export interface ApiError {
  kind: 'invalid-payload' | 'forbidden-sender' | 'invalid-rules' | 'not-found' | 'not-allowed-now' | 'internal';
  message: string;
  /** For invalid rules: one message per problem, with where it is. */
  details?: Array<{ path: string; message: string }>;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

// ---- Events (core → window) -----------------------------------------------------------------

export interface EventPayloads {
  state: { state: ConnectionState; stateText: string };
  'auto-reply': Snapshot['autoReply'];
  reply: ReplyView;
  history: HistoryEntryView;
  missed: MissedView[];
  'store-resets': StoreResetView[];
  settings: Settings;
  /** A decision record was added or changed (a reply's outcome, a cancel). */
  activity: ActivityView;
  /** The muted chats changed. */
  muted: MutedChatView[];
  notice: NoticeView;
}
export { EVENT_NAMES, IPC_COMMAND_PREFIX, IPC_EVENT_CHANNEL };
export type { EventName };
// Every event name has a payload type and vice versa (a compile error otherwise).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const EVENT_NAMES_MATCH_PAYLOADS: Same<EventName, keyof EventPayloads> = true;

/**
 * The API object the renderer uses, whatever the transport (Electron preload or headless HTTP).
 */
export interface ReplylineApi {
  invoke<C extends CommandName>(command: C, args?: CommandArgs[C]): Promise<Result<CommandResults[C]>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
}
