/**
 * Who a rule may answer: contact keys, JID/phone normalisation and the contact scope check.
 *
 * A contact can reach us under several addresses (phone-number JID, LID, with a device suffix),
 * so a message yields a small set of identity keys — `p:<digits>` for a phone number and
 * `j:<normalised JID>` — and a list entry matches when it shares any key with the message.
 * In a group the group's own JID is added, so listing a group JID in a scope allows (or, for
 * "everyone except", blocks) that whole group.
 */
import type { InboundMessage } from './inbound.js';
import { normalizeJid as normalizeProtocolJid } from '../connection/jid.js';
import type { ContactScope } from './schema.js';
import { memoizeString } from '../util/memo.js';

const PN_SERVERS = new Set(['s.whatsapp.net', 'c.us']);
const KNOWN_SERVERS = new Set(['s.whatsapp.net', 'c.us', 'lid', 'g.us']);

// The same few JIDs are normalised several times per message (sender keys, conversation key,
// scope checks, engine and pipeline): each is worked out once (pure functions of a string).

/**
 * A JID as a person may type it: trimmed, lower-cased, then device/agent suffixes dropped
 * (`123:4@…`, `123_1:4@…`) and `c.us` read as `s.whatsapp.net`.
 */
export const normalizeJid: (jid: string) => string = memoizeString((jid) => normalizeProtocolJid(jid.trim().toLowerCase()));

/** Digits of an international phone number (`+49 (0)151 …`, `0049…`), or undefined if it isn't one. */
export const normalizePhone: (raw: string) => string | undefined = memoizeString(phoneDigits);

function phoneDigits(raw: string): string | undefined {
  const cleaned = raw.trim().replace(/\(0\)/g, '');
  if (!/^\+?[\d\s().\-/]+$/.test(cleaned)) return undefined;
  let digits = cleaned.replace(/\D/g, '');
  if (!cleaned.startsWith('+') && digits.startsWith('00')) digits = digits.slice(2);
  return digits.length >= 7 && digits.length <= 15 ? digits : undefined;
}

const phoneOfJid: (normalizedJid: string) => string | undefined = memoizeString(phoneOfNormalizedJid);

function phoneOfNormalizedJid(normalizedJid: string): string | undefined {
  const at = normalizedJid.lastIndexOf('@');
  if (at < 0 || !PN_SERVERS.has(normalizedJid.slice(at + 1))) return undefined;
  const user = normalizedJid.slice(0, at);
  return /^\d{5,15}$/.test(user) ? user : undefined;
}

export type ContactEntryResult = { ok: true; keys: string[] } | { ok: false; reason: string };

/** Parse a scope list entry (phone number or WhatsApp ID) into its identity keys. */
export function parseContactEntry(raw: string): ContactEntryResult {
  const entry = raw.trim();
  if (entry.includes('@')) {
    const jid = normalizeJid(entry);
    const at = jid.lastIndexOf('@');
    const user = jid.slice(0, at);
    if (!KNOWN_SERVERS.has(jid.slice(at + 1)) || !/^[\d-]{5,40}$/.test(user)) {
      return { ok: false, reason: `“${entry}” is not a WhatsApp ID (expected something like 4915112345678@s.whatsapp.net)` };
    }
    const phone = phoneOfJid(jid);
    return { ok: true, keys: phone ? [`j:${jid}`, `p:${phone}`] : [`j:${jid}`] };
  }
  const digits = normalizePhone(entry);
  if (!digits) {
    return {
      ok: false,
      reason: `“${entry}” is not a phone number with its country code (for example +49 151 12345678)`,
    };
  }
  return { ok: true, keys: [`p:${digits}`] };
}

/** The identity keys of a message's sender (used for contact memory and scope lists). */
export function senderKeys(msg: Pick<InboundMessage, 'senderJid' | 'senderPhone'>): string[] {
  const keys: string[] = [];
  const jid = normalizeJid(msg.senderJid);
  if (jid) keys.push(`j:${jid}`);
  const phone = (msg.senderPhone && normalizePhone(msg.senderPhone)) || phoneOfJid(jid);
  if (phone) keys.push(`p:${phone}`);
  return keys;
}

export function isGroupMessage(msg: Pick<InboundMessage, 'isGroup' | 'kind' | 'chatJid'>): boolean {
  return msg.isGroup || msg.kind === 'group' || normalizeJid(msg.chatJid).endsWith('@g.us');
}

/**
 * The conversation a reply goes into, stable across device suffixes: a group's JID, else the
 * contact's phone number when known, else their JID. Cooldowns and per-chat limits use it.
 */
export function conversationKey(msg: InboundMessage): string {
  return isGroupMessage(msg) ? `g:${normalizeJid(msg.chatJid)}` : chatKeyOf(msg.chatJid, msg.senderPhone);
}

/**
 * The conversation key of a chat: `g:<group JID>`, `p:<digits>` for a contact whose number is
 * known (from the chat JID or `phone`), else `j:<JID>` (a LID whose number is hidden).
 */
export function chatKeyOf(chatJid: string, phone?: string): string {
  const chat = normalizeJid(chatJid);
  if (chat.endsWith('@g.us')) return `g:${chat}`;
  const digits = phoneOfJid(chat) ?? (phone ? normalizePhone(phone) : undefined);
  return digits ? `p:${digits}` : `j:${chat}`;
}

const compiledLists = new WeakMap<readonly string[], Set<string>>();

function listKeys(contacts: readonly string[]): Set<string> {
  let keys = compiledLists.get(contacts);
  if (!keys) {
    keys = new Set();
    for (const entry of contacts) {
      const parsed = parseContactEntry(entry);
      if (parsed.ok) for (const k of parsed.keys) keys.add(k);
    }
    compiledLists.set(contacts, keys);
  }
  return keys;
}

/** Does the rule's contact scope allow answering this message? */
export function inScope(scope: ContactScope, msg: InboundMessage): boolean {
  if (scope.mode === 'everyone') return true;
  const listed = listKeys(scope.contacts);
  const keys = senderKeys(msg);
  if (isGroupMessage(msg)) keys.push(`j:${normalizeJid(msg.chatJid)}`);
  const hit = keys.some((k) => listed.has(k));
  return scope.mode === 'only' ? hit : !hit;
}
