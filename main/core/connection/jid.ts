/**
 * Small helpers (no packages) for WhatsApp addresses (JIDs), shared by the outbox, the
 * inbound handler and the reply log. A JID is `user[_agent][:device]@server`; Replyline only
 * ever needs the user part, the server and a device-free form.
 */

import { memoizeString } from '../util/memo.js';

export interface ParsedJid {
  /** The user part without agent or device, e.g. `15551234567` or `123456789012345`. */
  user: string;
  device?: number;
  /** `s.whatsapp.net`, `lid`, `g.us`, `broadcast`, `newsletter`, … (`c.us` is read as `s.whatsapp.net`). */
  server: string;
}

/**
 * The parts of a JID, or undefined when it is not one. Remembered per string (and frozen, being
 * shared): every message parses the same few JIDs several times (dedupe keys, sender, phone,
 * chat keys, masks), which showed as 0.5 % of the client's busy time in the throughput profile.
 */
export function parseJid(jid: string | null | undefined): Readonly<ParsedJid> | undefined {
  return jid ? parsedJid(jid) : undefined;
}

const parsedJid = memoizeString((jid: string): Readonly<ParsedJid> | undefined => {
  const parsed = parseJidNow(jid);
  return parsed && Object.freeze(parsed);
});

function parseJidNow(jid: string): ParsedJid | undefined {
  const at = jid.indexOf('@');
  if (at < 0) return undefined;
  const rawUser = jid.slice(0, at);
  let server = jid.slice(at + 1);
  if (server === 'c.us') server = 's.whatsapp.net';
  if (!server) return undefined;
  const [userAgent = '', deviceText] = rawUser.split(':');
  const user = userAgent.split('_')[0] ?? '';
  const device = deviceText !== undefined && /^\d+$/.test(deviceText) ? Number(deviceText) : undefined;
  return device === undefined ? { user, server } : { user, device, server };
}

/** The JID without agent or device: `1555:3@s.whatsapp.net` → `1555@s.whatsapp.net`. */
export const normalizeJid: (jid: string) => string = memoizeString((jid) => {
  const p = parseJid(jid);
  return p ? `${p.user}@${p.server}` : jid;
});

/** Same user on the same kind of server (device ignored). */
export function sameUser(a: string | undefined, b: string | undefined): boolean {
  const pa = parseJid(a);
  const pb = parseJid(b);
  return !!pa && !!pb && pa.user !== '' && pa.user === pb.user && pa.server === pb.server;
}

/** A phone-number JID (`digits@s.whatsapp.net`). */
export function isPhoneJid(jid: string | undefined): boolean {
  const p = parseJid(jid);
  return !!p && p.server === 's.whatsapp.net' && /^\d{5,20}$/.test(p.user);
}

/** A chat a reply can be sent to: a person (phone number or LID) or a group. */
export function isReplyableJid(jid: string): boolean {
  const p = parseJid(jid);
  if (!p) return false;
  switch (p.server) {
    case 's.whatsapp.net':
    case 'lid':
      return /^\d{5,20}$/.test(p.user);
    case 'g.us':
      return /^\d{5,}(-\d+)?$/.test(p.user);
    default:
      return false;
  }
}
