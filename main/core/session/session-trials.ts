/**
 * Fixes how libsignal (the `libsignal` package Baileys decrypts with) tries a 1:1 message against
 * the sessions it holds for a device: each try now works on a copy of the session, and only the
 * session that decrypted the message is changed.
 *
 * Why: libsignal's `decryptWithSessions` hands each session itself to the decryption, which steps
 * the session's ratchet with the message's key before the MAC check. A message that belongs to
 * another session fails the check, but the session it was tried on keeps the bogus step (a new
 * root key and sending chain), and the record is saved when a later session succeeds. That is
 * what happens at every device-list refresh: Baileys starts a new session with the contact (the
 * open one, tried first) while the contact's messages on the old one are still arriving; the
 * first of them ruins the new session, and every reply on it fails at the contact ("Bad MAC"),
 * as does every message the contact writes on it here. Signal's own libraries (libsignal-client,
 * libsignal-protocol-java) try each old session on a clone and keep the clone only on success.
 *
 * Also keeps a session's receiving chains bounded (`pruneReceivingChains`).
 *
 * Installed once per process (`installSessionTrials`), before a socket decrypts anything.
 */
import * as libsignal from 'libsignal';

/** The parts of a libsignal session entry a decryption try touches (all own properties). */
type SessionEntry = Record<string, unknown> & {
  _chains: Record<string, Chain>;
  currentRatchet: Record<string, unknown> & { ephemeralKeyPair: Record<string, unknown> };
  indexInfo: Record<string, unknown> & { used?: number };
  pendingPreKey?: Record<string, unknown>;
};
interface Chain {
  chainKey: Record<string, unknown>;
  messageKeys: Record<string, unknown>;
  [k: string]: unknown;
}

interface TrialCipher {
  doDecryptWhisperMessage(data: Buffer, session: SessionEntry): Promise<Buffer>;
  decryptWithSessions(data: Buffer, sessions: SessionEntry[]): Promise<{ session: SessionEntry; plaintext: Buffer }>;
}

const INSTALLED = Symbol.for('replyline.libsignal.sessionTrials');
/** libsignal's error class for session problems (not in its typings); Baileys reads its message. */
const { SessionError } = libsignal as unknown as { SessionError: new (message: string) => Error };

/**
 * A copy of a session entry that a failed try can change freely. Keys are Buffers that libsignal
 * replaces rather than writes into, so only the objects around them are copied.
 */
function copySessionEntry(session: SessionEntry): SessionEntry {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(session) as object) as SessionEntry, session);
  copy.currentRatchet = { ...session.currentRatchet, ephemeralKeyPair: { ...session.currentRatchet.ephemeralKeyPair } };
  copy.indexInfo = { ...session.indexInfo };
  if (session.pendingPreKey) copy.pendingPreKey = { ...session.pendingPreKey };
  copy._chains = {};
  for (const [id, chain] of Object.entries(session._chains)) {
    copy._chains[id] = { ...chain, chainKey: { ...chain.chainKey }, messageKeys: { ...chain.messageKeys } };
  }
  return copy;
}

/** Makes `target` what `source` is (same own properties), keeping its identity in the record. */
function adopt(target: SessionEntry, source: SessionEntry): void {
  for (const key of Object.keys(target)) if (!(key in source)) delete target[key];
  Object.assign(target, source);
}

/** Receiving chains a session keeps (Signal's libraries keep 5; libsignal's Node port keeps all). */
export const MAX_RECEIVING_CHAINS = 5;
/** libsignal's ChainType.RECEIVING. */
const RECEIVING = 2;

/**
 * Drops all but the newest MAX_RECEIVING_CHAINS receiving chains. libsignal's Node port adds one
 * at every turn of a conversation and never removes one, so a long chat's session record grows
 * without bound, and Baileys reads and writes the whole record on every message (time and
 * memory that grow with the chat's age). Chains are kept in the order they were added; an old
 * chain is only needed for a message that arrives more than five turns late, which then fails
 * and is asked for again (a retry receipt), as with Signal's own libraries.
 */
export function pruneReceivingChains(session: Pick<SessionEntry, '_chains'>): void {
  const receiving = Object.keys(session._chains).filter((id) => session._chains[id]!.chainType === RECEIVING);
  for (let i = 0; i < receiving.length - MAX_RECEIVING_CHAINS; i++) delete session._chains[receiving[i]!];
}

/**
 * libsignal's `SessionCipher.decryptWithSessions`, trying each session (most recently used first)
 * on a copy. The fake contacts' ciphers use it too (test/fake-wa/signal-party.ts).
 */
export async function decryptWithSessionCopies(
  this: TrialCipher,
  data: Buffer,
  sessions: SessionEntry[],
): Promise<{ session: SessionEntry; plaintext: Buffer }> {
  if (!sessions.length) throw new SessionError('No sessions available');
  for (const session of sessions) {
    const trial = copySessionEntry(session);
    try {
      const plaintext = await this.doDecryptWhisperMessage(data, trial);
      trial.indexInfo.used = Date.now();
      pruneReceivingChains(trial);
      adopt(session, trial);
      return { session, plaintext };
    } catch {
      // Not this session; the copy is dropped, the session is as it was.
    }
  }
  throw new SessionError('No matching sessions found for message');
}

/** Replaces libsignal's session trial loop with the copying one. Idempotent. */
export function installSessionTrials(): void {
  const proto = libsignal.SessionCipher.prototype as unknown as TrialCipher & { [INSTALLED]?: true };
  if (proto[INSTALLED]) return;
  proto.decryptWithSessions = decryptWithSessionCopies;
  proto[INSTALLED] = true;
}
