/**
 * Baileys' Signal repository with every session change under one lock.
 *
 * Why: Baileys runs each Signal operation in a key-store transaction that reads the session
 * record into a private cache and writes it back when the transaction ends. The transactions are
 * locked by a key it picks per call: a send (`relayMessage`) by our own jid, a decrypt by the
 * sender's jid. So a contact's next message can be decrypted while a reply to that contact is
 * still in its send transaction: both start from the same session record and the later commit
 * overwrites the earlier one. When the decrypt commits last, the sending chain's counter goes
 * back, the next reply is encrypted with a message key the contact already used, and the contact
 * cannot read it ("Key used already or never filled") although the server acked it.
 *
 * Here every operation that reads or writes Signal state runs in a transaction keyed by our own
 * jid, the key `relayMessage` uses; Baileys nests its own transaction inside ours (it reuses an
 * open one), so a decrypt waits for a send in progress and the other way round.
 */
import { DEFAULT_CONNECTION_CONFIG, type AuthenticationCreds, type SocketConfig } from '@whiskeysockets/baileys';

type MakeSignalRepository = SocketConfig['makeSignalRepository'];
type Repository = ReturnType<MakeSignalRepository>;

/** Operations that change sessions or sender keys; each runs under the own-jid lock. */
const SERIALIZED = [
  'decryptMessage',
  'encryptMessage',
  'decryptGroupMessage',
  'encryptGroupMessage',
  'processSenderKeyDistributionMessage',
  'getSenderKeyDistributionMessage',
  'injectE2ESession',
  'deleteSession',
  'migrateSession',
] as const satisfies readonly (keyof Repository)[];

export const makeSerializedSignalRepository: MakeSignalRepository = (auth, logger, pnToLIDFunc) => {
  const repository = DEFAULT_CONNECTION_CONFIG.makeSignalRepository(auth, logger, pnToLIDFunc);
  const keys = auth.keys;
  if (!('transaction' in keys)) return repository;
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    // The socket hands over its full creds (typed here as their Signal part only).
    const me = (auth.creds as Partial<AuthenticationCreds>).me?.id;
    // Not paired yet: nothing is sent, so there is nothing to race with.
    return me ? keys.transaction(work, me) : work();
  };
  const wrapped: Repository = { ...repository };
  for (const name of SERIALIZED) {
    const original = repository[name] as (...args: unknown[]) => Promise<unknown>;
    (wrapped as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => exclusive(() => original.apply(repository, args));
  }
  return wrapped;
};
