/**
 * The store works as Baileys' auth: fresh creds are Baileys' `initAuthCreds()`, the key store
 * runs under Baileys' own cache and transaction layers, and Baileys' Signal repository keeps
 * two parties talking end to end across a close and reopen of both stores.
 */
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import {
  addTransactionCapability,
  Curve,
  generateSignalPubKey,
  initAuthCreds,
  makeCacheableSignalKeyStore,
} from '@whiskeysockets/baileys';
import { makeLibSignalRepository } from '@whiskeysockets/baileys/lib/Signal/libsignal.js';
import { SessionStore } from '../../../main/core/session/session-store.js';
import { passphraseKeyWrapper } from '../../../main/core/storage/cipher.js';
import { tempDir } from '../../support/temp-dir.js';

const silent = pino({ level: 'silent' });
const ALICE = 'alice@s.whatsapp.net';
const BOB = 'bob@s.whatsapp.net';

/** What makeWASocket does with `auth`: cache + transactions over our key store. */
function repositoryOf(store: SessionStore) {
  const keys = addTransactionCapability(makeCacheableSignalKeyStore(store.state.keys, silent), silent, {
    maxCommitRetries: 3,
    delayBetweenTriesMs: 10,
  });
  return makeLibSignalRepository({ creds: store.state.creds, keys }, silent);
}

describe('SessionStore as Baileys auth', () => {
  it('starts from initAuthCreds() defaults', async () => {
    const store = await SessionStore.open(tempDir());
    const defaults = initAuthCreds();
    const { creds } = store.state;
    for (const k of Object.keys(defaults) as Array<keyof typeof defaults>) {
      expect(typeof creds[k], k).toBe(typeof defaults[k]);
    }
    expect(creds.noiseKey.public).toHaveLength(32);
    expect(creds.registered).toBe(false);
    expect(store.hasSession()).toBe(false);
    await store.close();
  });

  it('keeps a Signal conversation going across a reopen of both stores', async () => {
    const aliceDir = tempDir();
    const bobDir = tempDir();
    const opts = { keyWrapper: passphraseKeyWrapper(Buffer.alloc(32, 3)) };
    let alice = await SessionStore.open(aliceDir, opts);
    let bob = await SessionStore.open(bobDir);
    alice.state.creds.me = { id: ALICE };
    bob.state.creds.me = { id: BOB };

    // Bob publishes a one-time pre-key, as Baileys does on upload.
    const preKey = Curve.generateKeyPair();
    await bob.state.keys.set({ 'pre-key': { '1': preKey } });
    const b = bob.state.creds;
    const bundle = {
      registrationId: b.registrationId,
      identityKey: generateSignalPubKey(b.signedIdentityKey.public),
      signedPreKey: {
        keyId: b.signedPreKey.keyId,
        publicKey: generateSignalPubKey(b.signedPreKey.keyPair.public),
        signature: b.signedPreKey.signature,
      },
      preKey: { keyId: 1, publicKey: generateSignalPubKey(preKey.public) },
    };

    let aliceRepo = repositoryOf(alice);
    let bobRepo = repositoryOf(bob);
    await aliceRepo.injectE2ESession({ jid: BOB, session: bundle });
    const first = await aliceRepo.encryptMessage({ jid: BOB, data: Buffer.from('hello bob') });
    expect(first.type).toBe('pkmsg');
    expect(Buffer.from(await bobRepo.decryptMessage({ jid: ALICE, type: first.type, ciphertext: first.ciphertext })).toString()).toBe(
      'hello bob',
    );

    // Both apps quit and start again.
    for (const s of [alice, bob]) await s.saveCreds();
    await alice.close();
    await bob.close();
    alice = await SessionStore.open(aliceDir, opts);
    bob = await SessionStore.open(bobDir);
    expect(await bob.state.keys.get('pre-key', ['1'])).toEqual({}); // used up, and the delete stuck
    aliceRepo = repositoryOf(alice);
    bobRepo = repositoryOf(bob);

    for (let i = 0; i < 3; i++) {
      const reply = await bobRepo.encryptMessage({ jid: ALICE, data: Buffer.from(`reply ${i}`) });
      expect(reply.type).toBe('msg');
      const got = await aliceRepo.decryptMessage({ jid: BOB, type: reply.type, ciphertext: reply.ciphertext });
      expect(Buffer.from(got).toString()).toBe(`reply ${i}`);
      const back = await aliceRepo.encryptMessage({ jid: BOB, data: Buffer.from(`back ${i}`) });
      const got2 = await bobRepo.decryptMessage({ jid: ALICE, type: back.type, ciphertext: back.ciphertext });
      expect(Buffer.from(got2).toString()).toBe(`back ${i}`);
    }
    expect(await aliceRepo.validateSession(BOB)).toEqual({ exists: true });
    await alice.flush();
    expect(alice.stats.batches).toBeGreaterThan(0);
    await alice.close();
    await bob.close();
  });
});
