/**
 * Missed calls from Baileys' `call` events. A call arrives as an `offer`, then ends: `timeout`
 * when it rang out with nobody answering — a missed call — or `accept`, `reject` or `terminate`.
 * Only a timeout counts as missed: a plain `terminate` also ends a call that was answered on the
 * phone, which the linked devices may not be told about, and "sorry I missed your call" after a
 * real conversation would be worse than no reply. (It is also the only end Baileys itself marks
 * as a missed call, with a stub message of the same id, which the inbound handler leaves to this.)
 *
 * A missed call becomes a message of kind `missed-call` in the caller's chat, keyed by the call
 * id, so a call redelivered after a reconnect is handled once, like any message.
 */
import type { WACallEvent } from '@whiskeysockets/baileys';
import { isPhoneJid, normalizeJid, parseJid } from '../connection/jid.js';
import { dedupeKey } from './to-inbound.js';
import type { InboundMessage, ReceivedMessage } from './types.js';

/** The call as a message in the caller's chat, when it was missed; undefined otherwise. */
export function missedCall(call: WACallEvent, now: number = Date.now()): ReceivedMessage | undefined {
  if (call.status !== 'timeout' || !call.id || !call.chatId) return undefined;
  const group = call.isGroup === true || !!call.groupJid;
  const chatJid = normalizeJid(group && call.groupJid ? call.groupJid : call.chatId);
  const caller = normalizeJid(call.from || call.chatId);
  const phoneJid = [caller, call.callerPn].find((j) => isPhoneJid(j ?? undefined));
  const at = call.date instanceof Date && Number.isFinite(call.date.getTime()) ? call.date.getTime() : now;
  const message: InboundMessage = {
    id: call.id,
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
  const keys = [dedupeKey(chatJid, call.id)];
  if (!group && call.callerPn && normalizeJid(call.callerPn) !== chatJid) keys.push(dedupeKey(call.callerPn, call.id));
  return { message, keys, source: call.offline ? 'append' : 'notify' };
}
