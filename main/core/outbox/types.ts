/**
 * The outbox's vocabulary: a reply's delivery state (a string union with exhaustive switches),
 * the entry as callers see it, and what a caller hands in to queue a reply.
 */
import { assertNever, REPLY_STATUSES, type AccountIdentity, type ReplyStatus } from '../../contract/api.js';
import type { DeliveryError } from './errors.js';

/**
 * queued → sending → sent (server ack) → delivered → read (receipts), or a finish without
 * sending: failed | expired | cancelled. `sending` means written (or being written) on a
 * socket and not yet acknowledged by the server: an uncertain outcome.
 */
export type DeliveryState = Exclude<ReplyStatus, 'generating'>;

/** The window's reply statuses less `generating`, which is the reply pipeline's, not the outbox's. */
export const DELIVERY_STATES: readonly DeliveryState[] = REPLY_STATUSES.filter((s): s is DeliveryState => s !== 'generating');

/** The outbox is done with the entry: nothing more will be attempted. */
export function isFinished(state: DeliveryState): boolean {
  switch (state) {
    case 'queued':
    case 'sending':
      return false;
    case 'sent':
    case 'delivered':
    case 'read':
    case 'failed':
    case 'expired':
    case 'cancelled':
      return true;
    default:
      return assertNever(state);
  }
}

/** The server confirmed the reply (ack or a receipt). */
export function isConfirmed(state: DeliveryState): boolean {
  switch (state) {
    case 'sent':
    case 'delivered':
    case 'read':
      return true;
    case 'queued':
    case 'sending':
    case 'failed':
    case 'expired':
    case 'cancelled':
      return false;
    default:
      return assertNever(state);
  }
}

/** Order of the confirmed states, so a late "delivered" never overwrites "read". */
export function confirmationRank(state: DeliveryState): number {
  switch (state) {
    case 'sent':
      return 1;
    case 'delivered':
      return 2;
    case 'read':
      return 3;
    case 'queued':
    case 'sending':
    case 'failed':
    case 'expired':
    case 'cancelled':
      return 0;
    default:
      return assertNever(state);
  }
}

/** One outgoing reply, as stored and as listeners see it (a copy; mutating it changes nothing). */
export interface OutboxEntry {
  /** The WhatsApp message id, chosen at enqueue time and used on every attempt. */
  readonly id: string;
  /** Where the reply goes (device-free JID). */
  readonly chatJid: string;
  readonly text: string;
  /** The account that decided the reply; it is sent only from the same account. */
  readonly account?: AccountIdentity;
  readonly createdAt: number;
  /** Not sent before this time (human-like delay, retry spacing). */
  readonly notBefore: number;
  /** Expired instead of sent at or after this time; null = never. */
  readonly expiresAt: number | null;
  /** Show "typing…" in the chat while the reply waits out its delay (best effort). */
  readonly typing: boolean;
  /** Not before this time (a reply that first waits for the owner: its grace period). */
  readonly typingFrom?: number;
  /**
   * The reply waits to see whether the owner answers (a grace period): it is held while the
   * offline backlog of a login is still coming in, since the owner's answer may be in it.
   */
  readonly waitsForOwner?: boolean;
  /** Caller's correlation key (e.g. the inbound message it answers). Opaque to the outbox. */
  readonly ref?: string;
  readonly state: DeliveryState;
  /** Attempts counted against the reply (disconnects are not counted). */
  readonly attempts: number;
  readonly lastError?: DeliveryError;
  readonly updatedAt: number;
  /** When the server acknowledged it. */
  readonly sentAt?: number;
}

/** What a caller hands in. */
export interface NewReply {
  chatJid: string;
  text: string;
  /** Use this id (idempotent: a second enqueue with the same id returns the first entry). Default: a new id. */
  id?: string;
  /** Earliest send time (ms since epoch). Default: now. */
  notBefore?: number;
  /** Time-to-live in ms from now; null = never expires. Default: the outbox's `defaultTtlMs`. */
  ttlMs?: number | null;
  typing?: boolean;
  /** Show "typing…" only from this time on (default: as soon as the reply is waiting). */
  typingFrom?: number;
  /** See `OutboxEntry.waitsForOwner`. */
  waitsForOwner?: boolean;
  ref?: string;
  /** The account the reply belongs to. Default: `link.account()` at enqueue time. */
  account?: AccountIdentity;
}

export interface OutboxChange {
  entry: OutboxEntry;
  /** The state before this change; undefined for a new entry. */
  previous?: DeliveryState;
}

export interface OutboxEvents {
  change: OutboxChange;
}

/** A reply's message content as Baileys builds it from `{ text }`: what a resend must repeat. */
export function replyContent(text: string): { extendedTextMessage: { text: string } } {
  return { extendedTextMessage: { text } };
}
