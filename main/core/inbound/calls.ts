/**
 * Missed calls from Baileys' `call` events. A call is missed when it ends without being accepted
 * on any of the owner's devices. Baileys reports each call stanza on its own, so the tracker here
 * keeps what it saw of each call id, as a small state machine:
 *
 *   (none) --offer--> ringing --accept--> answered
 *   ringing --timeout | terminate | reject--> missed      (ended, never accepted)
 *   answered --terminate--> (forgotten: a call that was had)
 *   (none) --timeout--> missed   (it rang out; the offer came before this run)
 *   (none) --terminate | reject--> (not counted: without the offer there is no telling)
 *
 * `accept` reaches the linked devices when the owner answers on the phone (or another device), so
 * an accepted call the caller later hangs up is no missed call. `reject` is the owner declining
 * on a device: nobody talked to the caller, so it counts as missed (WhatsApp shows it so too).
 * A call the owner places from the phone is never a missed call.
 *
 * A missed call becomes a message of kind `missed-call` in the caller's chat, keyed by the call
 * id, so a call redelivered after a reconnect is handled once, like any message. (Baileys' own
 * missed-call stub message has the same id; the inbound handler leaves it to this.)
 */
import type { WACallEvent } from '@whiskeysockets/baileys';
import type { AccountIdentity } from '../../contract/api.js';
import { isPhoneJid, normalizeJid, parseJid, sameUser } from '../connection/jid.js';
import { dedupeKey } from './to-inbound.js';
import type { InboundMessage, ReceivedMessage } from './types.js';

export type CallState = 'ringing' | 'answered';

interface TrackedCall {
  state: CallState;
  /** The offer, whose details (group, caller's number) the end stanza may not carry. */
  offer?: WACallEvent;
  seenAt: number;
}

/** How long a call's state is kept without news: a call that rings longer is long over. */
const FORGET_AFTER_MS = 6 * 60 * 60_000;
/** At most this many calls in flight are remembered. */
const MAX_TRACKED = 500;

export class CallTracker {
  private readonly calls = new Map<string, TrackedCall>();

  /** The call's state, while it is in flight (for tests and diagnostics). */
  stateOf(callId: string): CallState | undefined {
    return this.calls.get(callId)?.state;
  }

  /**
   * Take one call event; returns the missed call as a message in the caller's chat when this
   * event ended a call nobody accepted, undefined otherwise.
   */
  observe(call: WACallEvent, me: AccountIdentity | undefined, now: number = Date.now()): ReceivedMessage | undefined {
    if (!call.id) return undefined;
    this.prune(now);
    const tracked = this.calls.get(call.id);
    switch (call.status) {
      case 'offer':
        if (isOwn(call.from || call.chatId, me)) return undefined;
        if (!tracked) this.remember(call.id, { state: 'ringing', offer: call, seenAt: now });
        return undefined;
      case 'accept':
        this.remember(call.id, { state: 'answered', offer: tracked?.offer, seenAt: now });
        return undefined;
      case 'timeout':
      case 'terminate':
      case 'reject': {
        this.calls.delete(call.id);
        if (tracked?.state === 'answered') return undefined;
        if (!tracked && call.status !== 'timeout') return undefined;
        const source = tracked?.offer ?? call;
        if (isOwn(source.from || source.chatId, me)) return undefined;
        return missedCallMessage(source, call, now);
      }
      default:
        return undefined;
    }
  }

  private remember(id: string, entry: TrackedCall): void {
    this.calls.delete(id);
    this.calls.set(id, entry);
    while (this.calls.size > MAX_TRACKED) {
      const oldest = this.calls.keys().next().value;
      if (oldest === undefined) break;
      this.calls.delete(oldest);
    }
  }

  private prune(now: number): void {
    for (const [id, c] of this.calls) {
      if (now - c.seenAt > FORGET_AFTER_MS) this.calls.delete(id);
    }
  }
}

function isOwn(jid: string | undefined, me: AccountIdentity | undefined): boolean {
  if (!me || !jid) return false;
  return sameUser(jid, me.phoneJid) || (me.lid !== undefined && sameUser(jid, me.lid));
}

/** The call as a message in the caller's chat: details from the offer, time from the end. */
function missedCallMessage(offer: WACallEvent, end: WACallEvent, now: number): ReceivedMessage | undefined {
  if (!offer.chatId) return undefined;
  const group = offer.isGroup === true || !!offer.groupJid;
  const chatJid = normalizeJid(group && offer.groupJid ? offer.groupJid : offer.chatId);
  const caller = normalizeJid(offer.from || offer.chatId);
  const callerPn = offer.callerPn || end.callerPn;
  const phoneJid = [caller, callerPn].find((j) => isPhoneJid(j ?? undefined));
  const at = end.date instanceof Date && Number.isFinite(end.date.getTime()) ? end.date.getTime() : now;
  const message: InboundMessage = {
    id: end.id,
    chatJid,
    senderJid: caller,
    ...(phoneJid ? { senderPhone: parseJid(phoneJid)?.user } : {}),
    text: '',
    timestamp: at,
    fromMe: false,
    isGroup: group,
    mentionsMe: false,
    kind: group ? 'group' : 'chat',
    messageKind: 'missed-call',
  };
  const keys = [dedupeKey(chatJid, end.id)];
  if (!group && callerPn && normalizeJid(callerPn) !== chatJid) keys.push(dedupeKey(callerPn, end.id));
  return { message, keys, source: end.offline ? 'append' : 'notify' };
}
