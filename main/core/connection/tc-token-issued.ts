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
 *
 * `TcTokenNotes` remembers, per contact, the bucket already found noted: after the first reply in
 * a bucket the check always answers "nothing to write", and looking up the LID and decoding the
 * key entry after every reply cost about 4 % of the client's per-message CPU in the throughput
 * benchmark. What it remembers is derived from the `tctoken` and `lid-mapping` entries, so any
 * write of either type through the socket's key store (Baileys storing a token, or a new LID)
 * forgets it all; writes are rare once every contact has its token.
 */
import { isLidUser, isPnUser, type SignalKeyStore } from '@whiskeysockets/baileys';

/** Baileys' bucket for re-issuing (tc-token-utils: TC_TOKEN_BUCKET_DURATION). */
export const TC_TOKEN_BUCKET_SECONDS = 7 * 24 * 3600;

/** Bucket index of a time in seconds. */
const bucketOf = (seconds: number) => Math.floor(seconds / TC_TOKEN_BUCKET_SECONDS);

/** Beyond this many contacts the memo starts over (it only saves work, it never decides alone). */
const MAX_NOTED = 10_000;

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
  if (entry?.senderTimestamp !== undefined && bucketOf(entry.senderTimestamp) >= bucketOf(nowSeconds)) return false;
  await keys.set({ tctoken: { [storageJid]: { token: Buffer.alloc(0), ...entry, senderTimestamp: nowSeconds } } } as Parameters<SignalKeyStore['set']>[0]);
  return true;
}

/**
 * `noteTcTokenIssued` with a memo, for one key store: a contact whose note from this bucket was
 * found (or written) is not looked up again in the same bucket, until a write that may change
 * the answer (`observeWrite`).
 */
export class TcTokenNotes {
  /** Send JID → the bucket whose note is in the key store. */
  private readonly noted = new Map<string, number>();
  /** Bumped by every forgetting write: a check that overlapped one does not fill the memo. */
  private generation = 0;

  constructor(private readonly keys: Pick<SignalKeyStore, 'get' | 'set'>) {}

  /** A write to the key store (by Baileys): a `tctoken` or `lid-mapping` entry changed, forget what was found. */
  observeWrite(data: Partial<Record<string, unknown>>): void {
    if (data.tctoken === undefined && data['lid-mapping'] === undefined) return;
    this.noted.clear();
    this.generation++;
  }

  /** Whether the note for `jid` is known to be there for this bucket: then `afterSend` has nothing to do. */
  known(jid: string, nowSeconds: number): boolean {
    return this.noted.get(jid) === bucketOf(nowSeconds);
  }

  /** After a send to `jid`; returns whether it wrote (see noteTcTokenIssued). */
  async afterSend(jid: string, lidForPn: (pn: string) => Promise<string | null | undefined>, nowSeconds: number): Promise<boolean> {
    const bucket = bucketOf(nowSeconds);
    if (this.noted.get(jid) === bucket) return false;
    const generation = this.generation;
    const wrote = await noteTcTokenIssued(this.keys, jid, lidForPn, nowSeconds);
    if (generation === this.generation && (isPnUser(jid) || isLidUser(jid))) {
      if (this.noted.size >= MAX_NOTED) this.noted.clear();
      this.noted.set(jid, bucket);
    }
    return wrote;
  }
}
