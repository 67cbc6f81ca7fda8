/**
 * Remember that our privacy token ("tctoken") was issued to a contact, so Baileys does not issue
 * it again with every reply.
 *
 * After a 1:1 send, Baileys 7 issues our token to the contact (a `privacy` iq) at most once per
 * 7-day bucket: it looks at `senderTimestamp` in the contact's `tctoken` key entry. It writes that
 * timestamp from a fire-and-forget chain that still runs inside the send's key-store transaction,
 * which has already committed when the iq is answered, so the write goes nowhere. Measured in the
 * throughput benchmark: not one `tctoken` write reached the key store in 2,000 replies, and each
 * reply cost one extra iq round trip (about 0.3 ms of CPU per message, and a request to WhatsApp's
 * servers per reply). Writing the timestamp into our key store directly, after the send, gives
 * Baileys what it meant to remember.
 *
 * If Baileys' iq failed, the token is issued again in the next bucket instead of at the next reply.
 */
import { isLidUser, isPnUser, type SignalKeyStore } from '@whiskeysockets/baileys';

/** Baileys' bucket for re-issuing (tc-token-utils: TC_TOKEN_BUCKET_DURATION). */
export const TC_TOKEN_BUCKET_SECONDS = 7 * 24 * 3600;

/** The `tctoken` entry as Baileys keeps it. */
interface TcTokenEntry {
  token?: Uint8Array;
  timestamp?: string | number;
  senderTimestamp?: number;
}

/**
 * After a send to `jid`: note the issue time unless one from this bucket is there. `keys` is the
 * store itself (not the socket's transactional view); `lidForPn` resolves the storage key as
 * Baileys does (its LID when known). Returns whether it wrote.
 */
export async function noteTcTokenIssued(
  keys: Pick<SignalKeyStore, 'get' | 'set'>,
  jid: string,
  lidForPn: (pn: string) => Promise<string | null | undefined>,
  nowSeconds: number,
): Promise<boolean> {
  // Only 1:1 chats with a person get a token (not groups, status, newsletters).
  if (!isPnUser(jid) && !isLidUser(jid)) return false;
  const storageJid = isLidUser(jid) ? jid : ((await lidForPn(jid)) ?? jid);
  const found = (await keys.get('tctoken', [storageJid])) as Record<string, TcTokenEntry | undefined>;
  const entry = found[storageJid];
  const bucket = (s: number) => Math.floor(s / TC_TOKEN_BUCKET_SECONDS);
  if (entry?.senderTimestamp !== undefined && bucket(entry.senderTimestamp) >= bucket(nowSeconds)) return false;
  await keys.set({ tctoken: { [storageJid]: { token: Buffer.alloc(0), ...entry, senderTimestamp: nowSeconds } } } as Parameters<SignalKeyStore['set']>[0]);
  return true;
}
