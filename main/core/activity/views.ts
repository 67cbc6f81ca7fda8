/**
 * What the window shows of a decision record: no JIDs, no dedupe key (it holds the chat's
 * address), a preview of at most 200 characters, the chat as an opaque id, and the current
 * status of the reply it links to.
 */
import type { ActivityView, ReplyStatus } from '../../contract/api.js';
import type { ReadonlyActivityEntry } from './activity-log.js';

export const VIEW_PREVIEW_CHARS = 200;

export function toActivityView(e: ReadonlyActivityEntry, extra: { chatId: string; replyStatus?: ReplyStatus }): ActivityView {
  const chars = [...e.preview];
  const view: ActivityView = {
    id: e.id,
    at: e.at,
    decidedAt: e.decidedAt,
    chatId: extra.chatId,
    contactName: e.contactName,
    contactMasked: e.contactMasked,
    isGroup: e.isGroup,
    kind: e.kind,
    preview: chars.length > VIEW_PREVIEW_CHARS ? `${chars.slice(0, VIEW_PREVIEW_CHARS - 1).join('')}…` : e.preview,
    outcome: e.outcome,
    explanation: e.explanation,
  };
  if (e.reason !== undefined) view.reason = e.reason;
  if (e.rule) view.ruleName = e.rule.name;
  if (e.until !== undefined) view.until = e.until;
  if (e.replyId !== undefined) view.replyId = e.replyId;
  if (extra.replyStatus !== undefined) view.replyStatus = extra.replyStatus;
  return view;
}
