/** The reply log: every decision to reply, its text, status history and errors. */
export { ReplyLog } from './reply-log.js';
export type { ReplyLogOptions, ReplyLogEvents } from './reply-log.js';
export type { ReplyLogEntry, ReadonlyReplyLogEntry, NewReplyLogEntry, ReplyLogPatch, ReplyQuery, ReplyStatus, RuleRef } from './types.js';
export { REPLY_STATUSES, isOpenStatus } from './types.js';
export { maskPhone, HIDDEN_NUMBER } from './mask.js';

export { toReplyView, toReplyViewInChat } from './views.js';
export type { ReplyLogView } from './views.js';
