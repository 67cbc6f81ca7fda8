/**
 * What the window shows of the reply log: the stored entry minus what stays in the core
 * (contact JIDs, generation jobs). The shape matches the contract's `ReplyView`.
 */
import type { ReplyView } from '../../contract/api.js';
import type { ReadonlyReplyLogEntry } from './types.js';

export type ReplyLogView = ReplyView;

export function toReplyView(e: ReadonlyReplyLogEntry): ReplyLogView {
  const view: ReplyLogView = {
    id: e.id,
    at: e.at,
    contactName: e.contactName,
    contactMasked: e.contactMasked,
    inboundId: e.inboundId,
    ruleName: e.rule.name,
    text: e.text,
    status: e.status,
    statusHistory: e.statusHistory.map((h) => ({ ...h })),
    attempts: e.attempts,
  };
  if (e.lastError !== undefined) view.lastError = e.lastError;
  return view;
}

/** The view with the chat's opaque id, for muting from a reply-log row. */
export function toReplyViewInChat(e: ReadonlyReplyLogEntry, chatId: string): ReplyLogView {
  return { ...toReplyView(e), chatId };
}
