/**
 * The reply log's vocabulary. `ReplyStatus` is the window contract's: the outbox's delivery
 * states (declared from it, in outbox/types.ts) plus `generating` (decided, the reply text is
 * still being written by a responder).
 */
import { assertNever, type ReplyStatus } from '../../contract/api.js';
import type { LogQuery } from '../util/log-query.js';

export { REPLY_STATUSES, type ReplyStatus } from '../../contract/api.js';

/** Still moving: the log must not drop it, and a restart must pick it up. */
export function isOpenStatus(status: ReplyStatus): boolean {
  switch (status) {
    case 'generating':
    case 'queued':
    case 'sending':
      return true;
    case 'sent':
    case 'delivered':
    case 'read':
    case 'failed':
    case 'expired':
    case 'cancelled':
      return false;
    default:
      return assertNever(status);
  }
}

export interface RuleRef {
  id: string;
  name: string;
}

export interface ReplyLogEntry {
  /** The reply's WhatsApp message id (also its outbox id). */
  id: string;
  /** When the decision was made. */
  at: number;
  /** Push name, or '' when unknown. */
  contactName: string;
  /** e.g. `+1 ••• ••• 12 34`. */
  contactMasked: string;
  /** The contact's JID: kept for search, never shown or logged. */
  contactJid: string;
  chatJid: string;
  inboundId: string;
  /** The inbound's dedupe key (chat + id). */
  inboundKey: string;
  rule: RuleRef;
  /** The reply text; '' while generating. */
  text: string;
  status: ReplyStatus;
  statusHistory: Array<{ status: ReplyStatus; at: number }>;
  attempts: number;
  lastError?: string;
  /** The conversation key (see `chatKeyOf`): what mutes, pauses and cancels are keyed by. */
  chatKey?: string;
  /** When the inbound message was written (a later message of yours cancels the reply). */
  inboundAt?: number;
  /** The rule's grace period ("reply only if I don't"): while it runs, your reading the chat cancels the reply. */
  graceMs?: number;
  /**
   * While `generating`: what the reply pipeline needs to generate the reply again after a crash
   * (opaque here, validated by the pipeline). Dropped once the reply is queued or finished.
   */
  job?: unknown;
}

/** An entry as the log lends it out without copying (its 'change' event): read it, copy what you keep. */
export type ReadonlyReplyLogEntry = Readonly<Omit<ReplyLogEntry, 'rule' | 'statusHistory'>> & {
  readonly rule: Readonly<RuleRef>;
  readonly statusHistory: ReadonlyArray<Readonly<{ status: ReplyStatus; at: number }>>;
};

export type NewReplyLogEntry = Omit<ReplyLogEntry, 'status' | 'statusHistory' | 'attempts' | 'at'> & {
  at?: number;
  status?: ReplyStatus;
};

export interface ReplyLogPatch {
  status?: ReplyStatus;
  text?: string;
  attempts?: number;
  lastError?: string;
  /** Drop the generation job (the reply is queued or finished). */
  clearJob?: boolean;
}

/** `search` looks in the reply text (the window contract's `search`); `since` / `until` compare its time. */
export interface ReplyQuery extends LogQuery {
  status?: ReplyStatus | readonly ReplyStatus[];
}
