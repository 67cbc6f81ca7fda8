/**
 * The contract's limits and the pause rule, as plain values: the bounds of each numeric setting,
 * how many rules there may be, the latest moment a date can hold, and when a pause is in force.
 * `api.ts` builds its schemas from these and re-exports them; the window reads them from here at
 * run time (a zod-free module, like connection.ts), so its checks and the core's never differ.
 */

/** Inclusive bounds of the numeric settings (whole numbers, in the unit their name says). */
export const SETTINGS_BOUNDS = {
  /** Offline-sync messages older than this go to "missed while offline": up to a day. */
  catchUpWindowMinutes: { min: 0, max: 24 * 60 },
  /** A reply still waiting after this long is expired: from a minute to a week. */
  replyTtlMinutes: { min: 1, max: 7 * 24 * 60 },
  /** Loop protection, auto-replies per minute over all chats: at least one, at most one a second. */
  maxRepliesPerMinute: { min: 1, max: 60 },
  /** Loop protection, auto-replies per chat per hour: at least one, at most one a minute. */
  maxRepliesPerChatPerHour: { min: 1, max: 60 },
  /** After the owner writes in a chat, auto-replies there pause this long: none to a day. */
  takeoverPauseMinutes: { min: 0, max: 24 * 60 },
  /** AI replies: days a chat's recent turns are kept for context; 0 keeps none (whole days). */
  chatMemoryDays: { min: 0, max: 365 },
} as const;

/** The most rules there may be: what the window may send, the store keeps and the engine runs. */
export const MAX_RULES = 100;

/** The largest request body the headless HTTP API reads (bytes); a larger one gets 413. */
export const MAX_REQUEST_BODY_BYTES = 256 * 1024;

/**
 * The largest rules file `importRules` takes: its text, written as the JSON string it travels in
 * (escapes included), in UTF-8 bytes. It leaves room for the rest of the request
 * (`{"json":…,"mode":"append"}`) within `MAX_REQUEST_BODY_BYTES`, so a file the window accepts is
 * never refused by the headless HTTP API, whichever way the window talks to the core.
 */
export const MAX_RULES_FILE_BYTES = MAX_REQUEST_BODY_BYTES - 1024;

/** The size `MAX_RULES_FILE_BYTES` limits: the text as a JSON string, in UTF-8 bytes. */
export function rulesFileBytes(text: string): number {
  return new TextEncoder().encode(JSON.stringify(text)).length;
}

/** The latest moment a JavaScript Date can hold (8.64e15 ms); later ones break every clock and date format. */
export const MAX_DATE_MS = 8_640_000_000_000_000;

/**
 * Whether a pause is in force at `now`. A pause lasts until the moment it names: from then on
 * auto-reply answers again, and an elapsed pause is shown as over.
 */
export function isPaused(autoReply: { pausedUntil?: number }, now: number): boolean {
  return autoReply.pausedUntil !== undefined && autoReply.pausedUntil > now;
}
