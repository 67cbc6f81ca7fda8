/**
 * libsignal's trial of a 1:1 message against each session of a device, with and without
 * installSessionTrials(): plain libsignal ciphers on both sides (the client's, as Baileys uses
 * them, and a phone's), in-memory stores.
 */
import { Curve, generateSignalPubKey } from '@whiskeysockets/baileys';
import * as libsignal from 'libsignal';
import { describe, expect, it } from 'vitest';
import { installSessionTrials, MAX_RECEIVING_CHAINS } from '../../../main/core/session/session-trials.js';

/** One side: an identity, a signed prekey, one one-time prekey, sessions by address. */
function party(name: string) {
  const pair = (k = Curve.generateKeyPair()) => ({ pubKey: Buffer.from(generateSignalPubKey(k.public)), privKey: Buffer.from(k.private) });
  const identity = Curve.generateKeyPair();
  const signed = Curve.generateKeyPair();
  const preKeys = new Map<number, ReturnType<typeof pair>>();
  let nextPreKey = 1;
  const sessions = new Map<string, Uint8Array>();
  const registrationId = 1 + Math.floor(Math.random() * 16000);
  const storage = {
    loadSession: async (id: string) => (sessions.has(id) ? libsignal.SessionRecord.deserialize(sessions.get(id)!) : undefined),
    storeSession: async (id: string, record: libsignal.SessionRecord) => void sessions.set(id, record.serialize()),
    isTrustedIdentity: () => true,
    loadPreKey: async (id: number | string) => preKeys.get(Number(id)),
    removePreKey: (id: number) => void preKeys.delete(Number(id)),
    loadSignedPreKey: () => pair(signed),
    getOurRegistrationId: () => registrationId,
    getOurIdentity: () => pair(identity),
  } as unknown as libsignal.SignalStorage;
  const address = new libsignal.ProtocolAddress(name, 0);
  return {
    address,
    sessions,
    bundle() {
      const id = nextPreKey++;
      const k = Curve.generateKeyPair();
      preKeys.set(id, pair(k));
      return {
        registrationId,
        identityKey: Buffer.from(generateSignalPubKey(identity.public)),
        signedPreKey: { keyId: 1, publicKey: Buffer.from(generateSignalPubKey(signed.public)), signature: Buffer.from(Curve.sign(identity.private, generateSignalPubKey(signed.public))) },
        preKey: { keyId: id, publicKey: Buffer.from(generateSignalPubKey(k.public)) },
      };
    },
    startSession: (peer: { address: libsignal.ProtocolAddress; bundle(): unknown }) =>
      new libsignal.SessionBuilder(storage, peer.address).initOutgoing(peer.bundle() as never),
    encrypt: async (peer: { address: libsignal.ProtocolAddress }, text: string) => {
      const { type, body } = await new libsignal.SessionCipher(storage, peer.address).encrypt(Buffer.from(text));
      return { type, body: Buffer.from(body, 'binary') };
    },
    decrypt: async (peer: { address: libsignal.ProtocolAddress }, m: { type: number; body: Buffer }) => {
      const cipher = new libsignal.SessionCipher(storage, peer.address);
      const plain = m.type === 3 ? await cipher.decryptPreKeyWhisperMessage(m.body) : await cipher.decryptWhisperMessage(m.body);
      return plain.toString();
    },
  };
}

/**
 * The device-list refresh: the contact started session A and got a reply on it; the client then
 * starts session B while the contact's next message on A is under way; that message arrives.
 * Returns the contact's result for the client's next reply (on B, still a pkmsg).
 */
async function refreshWithMessageInFlight(): Promise<{ reply: string | Error; sessionBAfter: unknown; sessionBBefore: unknown }> {
  const client = party('client');
  const contact = party('contact');
  await contact.startSession(client);
  expect(await client.decrypt(contact, await contact.encrypt(client, 'one'))).toBe('one');
  expect(await contact.decrypt(client, await client.encrypt(contact, 'Re: one'))).toBe('Re: one');
  const late = await contact.encrypt(client, 'two');
  await new Promise((resolve) => setTimeout(resolve, 2)); // B is used later than A
  await client.startSession(contact);
  const openSession = () => {
    const record = libsignal.SessionRecord.deserialize(client.sessions.get(contact.address.toString())!) as unknown as {
      getOpenSession(): { serialize(): unknown };
    };
    return record.getOpenSession().serialize();
  };
  const sessionBBefore = openSession();
  expect(await client.decrypt(contact, late)).toBe('two');
  const sessionBAfter = openSession();
  const reply = await client.encrypt(contact, 'Re: two');
  expect(reply.type).toBe(3);
  return { reply: await contact.decrypt(client, reply).catch((err: Error) => err), sessionBBefore, sessionBAfter };
}

describe('trying a message on each session', () => {
  it("libsignal's own loop: the failed try on session B changes it, and the reply on B fails (Bad MAC)", async () => {
    // Run before the install below (a test file is a process of its own).
    const { reply, sessionBBefore, sessionBAfter } = await refreshWithMessageInFlight();
    expect(sessionBAfter).not.toEqual(sessionBBefore);
    expect(reply).toBeInstanceOf(Error);
    expect((reply as Error).message).toBe('Bad MAC');
  });

  it('installed: session B is unchanged by the failed try, and the reply on it decrypts', async () => {
    installSessionTrials();
    installSessionTrials(); // idempotent
    const { reply, sessionBBefore, sessionBAfter } = await refreshWithMessageInFlight();
    expect(sessionBAfter).toEqual(sessionBBefore);
    expect(reply).toBe('Re: two');
  });

  it("installed: a message no session can read is refused with libsignal's error, and the sessions still work", async () => {
    installSessionTrials();
    const client = party('client');
    const contact = party('contact');
    await contact.startSession(client);
    await client.decrypt(contact, await contact.encrypt(client, 'one'));
    await contact.decrypt(client, await client.encrypt(contact, 'Re: one'));
    await client.startSession(contact);
    const m = await contact.encrypt(client, 'two');
    expect(m.type).toBe(1);
    const damaged = { type: m.type, body: Buffer.from(m.body) };
    damaged.body[damaged.body.length - 1]! ^= 0xff;
    await expect(client.decrypt(contact, damaged)).rejects.toThrow('No matching sessions found for message');
    expect(await client.decrypt(contact, m)).toBe('two');
  });
});

describe('a long conversation', () => {
  it('keeps at most five receiving chains in the session, and every turn still decrypts both ways', async () => {
    installSessionTrials();
    const client = party('client');
    const contact = party('contact');
    await contact.startSession(client);
    const receivingChains = () => {
      const record = libsignal.SessionRecord.deserialize(client.sessions.get(contact.address.toString())!) as unknown as {
        getOpenSession(): { chains(): Iterable<[string, { chainType: number }]> };
      };
      return [...record.getOpenSession().chains()].filter(([, c]) => c.chainType === 2).length;
    };
    for (let turn = 0; turn < 20; turn++) {
      expect(await client.decrypt(contact, await contact.encrypt(client, `m${turn}`))).toBe(`m${turn}`);
      expect(await contact.decrypt(client, await client.encrypt(contact, `Re: m${turn}`))).toBe(`Re: m${turn}`);
      // One more receiving chain per turn until the bound; libsignal alone would keep all 20.
      expect(receivingChains()).toBe(Math.min(turn + 1, MAX_RECEIVING_CHAINS));
    }
  });
});
