/**
 * The contract's names that must exist at run time in the preload: IPC channels and event names.
 * Kept free of zod (and of any import) so the sandboxed preload bundle stays a few kilobytes.
 * `api.ts` re-exports these; everything else imports them from there.
 */

/** IPC channel names: one per command, one for all events. */
export const IPC_COMMAND_PREFIX = 'replyline:cmd:';
export const IPC_EVENT_CHANNEL = 'replyline:event';

/** Core events, plus `notice`, which the desktop shell itself sends (never the core). */
export const EVENT_NAMES = ['state', 'auto-reply', 'reply', 'history', 'missed', 'settings', 'notice', 'store-resets', 'activity', 'muted'] as const;
export type EventName = (typeof EVENT_NAMES)[number];
