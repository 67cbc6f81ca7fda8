/**
 * The session store on real files: round trips of creds and every key type, coalescing,
 * compaction, encryption at rest, wipe, and the plain-to-sealed upgrade.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { proto, type SignalDataSet, type SignalDataTypeMap } from '@whiskeysockets/baileys';
import { SessionStore, SessionStoreError } from '../../../main/core/session/session-store.js';
import { passphraseKeyWrapper } from '../../../main/core/storage/cipher.js';
import { tempDir } from '../../support/temp-dir.js';
import { everyKeyType, sessionRecord } from './fixtures/sample-keys.js';

const wrapper = () => passphraseKeyWrapper(Buffer.alloc(32, 9));

async function getAll(store: SessionStore, data: SignalDataSet) {
  const out: Record<string, unknown> = {};
  for (const type of Object.keys(data) as Array<keyof SignalDataTypeMap>) {
    out[type] = await store.state.keys.get(type, Object.keys(data[type]!));
  }
  return out;
}

describe.each([
  ['without a key wrapper', () => ({})],
  ['with a key wrapper', () => ({ keyWrapper: wrapper() })],
])('SessionStore %s', (_name, options) => {
  it('round-trips creds and every key type, deletes included, across a reopen', async () => {
    const dir = tempDir();
    const store = await SessionStore.open(dir, options());
    expect(store.hasSession()).toBe(false);
    const creds = store.state.creds;
    creds.me = { id: 'tester:2@s.whatsapp.net', name: 'Tester', lid: 'tester:2@lid' };
    creds.account = proto.ADVSignedDeviceIdentity.fromObject({ details: Buffer.from([1, 2, 3]), accountSignature: Buffer.alloc(64, 7) });
    creds.processedHistoryMessages = [{ key: { id: 'ABC', remoteJid: 'x@s.whatsapp.net', fromMe: false }, messageTimestamp: 1_700_000_000 }];
    creds.nextPreKeyId = 31;
    creds.routingInfo = Buffer.from('routing');
    const keys = everyKeyType();
    await store.state.keys.set(keys);
    // Deletes: one of each pair, and one key that never existed.
    await store.state.keys.set({ 'pre-key': { '2': null }, 'identity-key': { '1234.1': null }, session: { nope: null } });
    await store.saveCreds();
    const before = await getAll(store, keys);
    await store.close();

    const again = await SessionStore.open(dir, options());
    expect(again.hasSession()).toBe(true);
    expect(again.state.creds).toEqual(creds);
    const after = await getAll(again, keys);
    expect(after).toEqual(before);
    expect(Object.keys(after['pre-key'] as object)).toEqual(['1']);
    expect(Object.keys(after['identity-key'] as object)).toEqual(['1234.0']);
    const { AAAAAQ: syncKey } = await again.state.keys.get('app-state-sync-key', ['AAAAAQ']);
    // Revived as a protobuf message, as Baileys expects (it calls its methods and encodes it).
    expect(syncKey).toBeInstanceOf(proto.Message.AppStateSyncKeyData);
    expect(proto.Message.AppStateSyncKeyData.encode(syncKey!).finish()).toEqual(
      proto.Message.AppStateSyncKeyData.encode(keys['app-state-sync-key']!.AAAAAQ!).finish(),
    );
    const { '1234.0': identity } = await again.state.keys.get('identity-key', ['1234.0']);
    expect(Buffer.from(identity!).equals(Buffer.from(keys['identity-key']!['1234.0']!))).toBe(true);
    await again.close();
  });

  it('coalesces a burst of 1,000 key sets into one append and one fsync', async () => {
    const dir = tempDir();
    const store = await SessionStore.open(dir, options());
    const handle = await fs.open(path.join(dir, 'probe'), 'w');
    const syncSpy = vi.spyOn(Object.getPrototypeOf(handle) as { sync: () => Promise<void> }, 'sync');
    await handle.close();
    try {
      const sets = [];
      for (let i = 0; i < 1000; i++) {
        sets.push(store.state.keys.set({ 'pre-key': { [String(i)]: { public: Buffer.alloc(32, i), private: Buffer.alloc(32, i + 1) } } }));
      }
      await Promise.all(sets);
      await store.flush();
      expect(store.stats.batches).toBe(1);
      expect(store.stats.entriesWritten).toBe(1000);
      expect(syncSpy.mock.calls.length).toBeLessThanOrEqual(2);
      // Sequential awaited sets that never leave the microtask queue coalesce as well.
      for (let i = 0; i < 1000; i++) await store.state.keys.set({ session: { s: sessionRecord(i) as unknown as Uint8Array } });
      await store.flush();
      expect(store.stats.batches).toBe(2);
      expect(syncSpy.mock.calls.length).toBeLessThanOrEqual(4);
    } finally {
      syncSpy.mockRestore();
    }
    await store.close();
  });

  it('logs a small change to a big key as a diff', async () => {
    const dir = tempDir();
    const store = await SessionStore.open(dir, options());
    await store.saveCreds(); // keys are kept only with their creds
    const record = sessionRecord();
    await store.state.keys.set({ session: { s: record as unknown as Uint8Array } });
    await store.flush();
    const full = store.stats.bytesAppended;
    const next = structuredClone(record) as { _sessions: Record<string, { _chains: Record<string, { chainKey: { counter: number } }> }> };
    Object.values(Object.values(next._sessions)[0]!._chains)[0]!.chainKey.counter = 1;
    await store.state.keys.set({ session: { s: next as unknown as Uint8Array } });
    await store.flush();
    expect(store.stats.bytesAppended - full).toBeLessThan(full / 3);
    await store.close();
    const again = await SessionStore.open(dir, options());
    expect((await again.state.keys.get('session', ['s'])).s).toEqual(next);
    await again.close();
  });

  it('compacts the log and reads the same state back', async () => {
    const dir = tempDir();
    const store = await SessionStore.open(dir, { ...options(), compactEveryBytes: 4096 });
    await store.saveCreds();
    for (let round = 0; round < 60; round++) {
      await store.state.keys.set({
        session: { [`s${round % 5}`]: sessionRecord(round) as unknown as Uint8Array },
        'pre-key': { [String(round)]: { public: Buffer.alloc(32, round), private: Buffer.alloc(32, 1) }, [String(round - 3)]: null },
      });
      await store.flush();
    }
    expect(store.stats.compactions).toBeGreaterThan(0);
    const { size } = await fs.stat(path.join(dir, 'keys.log'));
    expect(size).toBeLessThan(4 * 4096 + 20_000);
    const expected = await getAll(store, {
      session: Object.fromEntries([0, 1, 2, 3, 4].map((i) => [`s${i}`, null])),
      'pre-key': Object.fromEntries(Array.from({ length: 60 }, (_, i) => [String(i), null])),
    });
    await store.close();
    const again = await SessionStore.open(dir, options());
    const { session, 'pre-key': preKeys } = expected as { session: object; 'pre-key': object };
    expect(await again.state.keys.get('session', Object.keys(session))).toEqual(session);
    expect(Object.keys(preKeys)).toEqual(['57', '58', '59']);
    expect(await again.state.keys.get('pre-key', Object.keys(preKeys))).toEqual(preKeys);
    await again.close();
  });

  it('hands out copies: mutating what get() returned does not change the store', async () => {
    const store = await SessionStore.open(tempDir(), options());
    await store.state.keys.set({ 'sender-key-memory': { g: { a: true } } });
    const got = (await store.state.keys.get('sender-key-memory', ['g'])).g!;
    got.b = true;
    expect((await store.state.keys.get('sender-key-memory', ['g'])).g).toEqual({ a: true });
    await store.close();
  });

  it('hands out a Signal session as its stored tree, frozen: what was set, after a change, a delete and a reopen', async () => {
    const dir = tempDir();
    const store = await SessionStore.open(dir, options());
    await store.saveCreds();
    const first = sessionRecord(1);
    await store.state.keys.set({ session: { s: first as unknown as Uint8Array, t: sessionRecord(2) as unknown as Uint8Array } });
    const got = (await store.state.keys.get('session', ['s'])).s as unknown as Record<string, unknown>;
    expect(got).toEqual(first);
    expect(got).not.toBe(first); // the store's own copy, not the caller's object
    expect(Object.isFrozen(got)).toBe(true);
    expect(Object.isFrozen(Object.values(got._sessions as object)[0])).toBe(true);
    expect(() => {
      got.version = 'changed';
    }).toThrow(TypeError);
    // What libsignal does with it: read it into a record and write it back.
    const { SessionRecord } = (await import('libsignal')).default as unknown as {
      SessionRecord: { deserialize(d: unknown): { serialize(): unknown } };
    };
    expect(SessionRecord.deserialize(got).serialize()).toEqual(first);
    const second = sessionRecord(3);
    await store.state.keys.set({ session: { s: second as unknown as Uint8Array, t: null } });
    expect((await store.state.keys.get('session', ['s', 't'])).s).toEqual(second);
    expect(await store.state.keys.get('session', ['t'])).toEqual({});
    expect(got).toEqual(first); // what was handed out before did not change either
    await store.close();
    const again = await SessionStore.open(dir, options());
    const reread = (await again.state.keys.get('session', ['s', 't'])) as Record<string, unknown>;
    expect(reread).toEqual({ s: second });
    expect(Object.isFrozen(reread.s)).toBe(true);
    await again.close();
  });

  it('hands out a session of an older record version as a copy (libsignal migrates those in place)', async () => {
    const store = await SessionStore.open(tempDir(), options());
    const old = sessionRecord();
    delete old.version;
    await store.state.keys.set({ session: { s: old as unknown as Uint8Array } });
    const a = (await store.state.keys.get('session', ['s'])).s as unknown as Record<string, unknown>;
    const b = (await store.state.keys.get('session', ['s'])).s as unknown as Record<string, unknown>;
    expect(a).toEqual(old);
    expect(a).not.toBe(b);
    expect(Object.isFrozen(a)).toBe(false);
    a.version = 'v1';
    expect((await store.state.keys.get('session', ['s'])).s).toEqual(old);
    await store.close();
  });

  it('leaves the store unchanged when a set holds a value it cannot store', async () => {
    const store = await SessionStore.open(tempDir(), options());
    const bad = { 'lid-mapping': { a: 'x' }, 'device-list': { b: [10n] as unknown as string[] } };
    await expect(store.state.keys.set(bad)).rejects.toThrow(TypeError);
    expect(await store.state.keys.get('lid-mapping', ['a'])).toEqual({});
    await store.close();
  });

  it('wipe() deletes only the session files and carries on with fresh creds', async () => {
    const parent = tempDir();
    const dir = path.join(parent, 'session');
    const siblings = {
      [path.join(parent, 'settings.json')]: '{"autoReply":true}',
      [path.join(parent, 'logs', 'app.log')]: 'log line\n',
      [path.join(parent, 'history', 'reconnects.log')]: 'history\n',
      [path.join(dir, 'notes.txt')]: 'not a session file',
    };
    const store = await SessionStore.open(dir, options());
    for (const [file, text] of Object.entries(siblings)) {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, text);
    }
    const oldNoise = Buffer.from(store.state.creds.noiseKey.public);
    store.state.creds.me = { id: 'tester@s.whatsapp.net' };
    await store.state.keys.set(everyKeyType());
    await store.saveCreds();
    const oldState = store.state;

    await store.wipe();
    expect(store.hasSession()).toBe(false);
    expect(store.state).not.toBe(oldState);
    // A socket dying of the logout still holds the old state: it cannot write into the new one.
    await expect(oldState.keys.set({ 'lid-mapping': { stale: 'x' } })).rejects.toThrow(/closed/);
    expect(await store.state.keys.get('lid-mapping', ['stale'])).toEqual({});
    expect(Buffer.from(store.state.creds.noiseKey.public).equals(oldNoise)).toBe(false);
    expect(await store.state.keys.get('pre-key', ['1'])).toEqual({});
    for (const [file, text] of Object.entries(siblings)) expect(await fs.readFile(file, 'utf8')).toBe(text);
    const left = (await fs.readdir(dir)).filter((n) => n !== 'notes.txt');
    expect(left.every((n) => n === 'keys.log' || n === 'session.key')).toBe(true);
    expect(await fs.readFile(path.join(dir, 'keys.log'))).toHaveLength(0);

    // Still usable: a new pairing is stored and read back.
    store.state.creds.me = { id: 'other@s.whatsapp.net' };
    await store.state.keys.set({ 'lid-mapping': { a: 'b' } });
    await store.saveCreds();
    await store.close();
    const again = await SessionStore.open(dir, options());
    expect(again.state.creds.me?.id).toBe('other@s.whatsapp.net');
    expect(await again.state.keys.get('lid-mapping', ['a'])).toEqual({ a: 'b' });
    await again.close();
  });

  it('drops keys that have no creds (a wipe cut short) on open', async () => {
    const dir = tempDir();
    const store = await SessionStore.open(dir, options());
    await store.state.keys.set({ 'lid-mapping': { a: 'b' } });
    await store.close(); // keys durable, creds never saved
    const again = await SessionStore.open(dir, options());
    expect(again.hasSession()).toBe(false);
    expect(await again.state.keys.get('lid-mapping', ['a'])).toEqual({});
    await again.close();
  });

  it('rejects saves after close', async () => {
    const store = await SessionStore.open(tempDir(), options());
    await store.close();
    await expect(store.saveCreds()).rejects.toBeInstanceOf(SessionStoreError);
    await expect(store.state.keys.set({ 'lid-mapping': { a: 'b' } })).rejects.toThrow(/closed/);
  });
});

describe('SessionStore encryption at rest', () => {
  async function secretsOf(store: SessionStore, keys: SignalDataSet): Promise<Buffer[]> {
    const c = store.state.creds;
    const preKey = keys['pre-key']!['1']!;
    return [
      c.noiseKey.private,
      c.noiseKey.public,
      c.signedIdentityKey.private,
      c.signedIdentityKey.public,
      c.signedPreKey.keyPair.private,
      Buffer.from(c.advSecretKey, 'base64'),
      preKey.private,
      keys['identity-key']!['1234.0']!,
      keys['app-state-sync-key']!.AAAAAQ!.keyData!,
    ].map((b) => Buffer.from(b));
  }

  async function folderBytes(dir: string): Promise<Buffer> {
    const names = await fs.readdir(dir);
    return Buffer.concat(await Promise.all(names.map((n) => fs.readFile(path.join(dir, n)))));
  }

  function leaks(bytes: Buffer, secrets: Buffer[]): string[] {
    const text = bytes.toString('latin1');
    const found: string[] = [];
    secrets.forEach((s, i) => {
      for (const form of [s.toString('latin1'), s.toString('base64'), s.toString('hex'), s.toString('base64').slice(4, 24)]) {
        if (text.includes(form)) found.push(`secret ${i}`);
      }
    });
    return found;
  }

  it('keeps no key material in clear on disk with a key wrapper', async () => {
    const dir = tempDir();
    const store = await SessionStore.open(dir, { keyWrapper: wrapper(), compactEveryBytes: 1024 });
    expect(store.encryption).toBe('test');
    store.state.creds.me = { id: 'tester@s.whatsapp.net' };
    const keys = everyKeyType();
    await store.state.keys.set(keys);
    await store.saveCreds();
    for (let i = 0; i < 20; i++) {
      await store.state.keys.set({ session: { [`s${i}`]: sessionRecord(i) as unknown as Uint8Array } });
      await store.flush();
    }
    const secrets = await secretsOf(store, keys);
    await store.close();
    expect(leaks(await folderBytes(dir), secrets)).toEqual([]);
  });

  it('(check of the check) finds the keys in a store without a wrapper', async () => {
    const dir = tempDir();
    const store = await SessionStore.open(dir);
    expect(store.encryption).toBe('none');
    const keys = everyKeyType();
    await store.state.keys.set(keys);
    await store.saveCreds();
    const secrets = await secretsOf(store, keys);
    await store.close();
    expect(leaks(await folderBytes(dir), secrets).length).toBeGreaterThan(0);
  });

  it('seals a session written in clear as soon as a key wrapper is given', async () => {
    const dir = tempDir();
    const plain = await SessionStore.open(dir);
    plain.state.creds.me = { id: 'tester@s.whatsapp.net' };
    const keys = everyKeyType();
    await plain.state.keys.set(keys);
    await plain.saveCreds();
    const secrets = await secretsOf(plain, keys);
    const before = await getAll(plain, keys);
    await plain.close();

    const sealed = await SessionStore.open(dir, { keyWrapper: wrapper() });
    expect(sealed.hasSession()).toBe(true);
    expect(await getAll(sealed, keys)).toEqual(before);
    await sealed.close();
    expect(leaks(await folderBytes(dir), secrets)).toEqual([]);
    const again = await SessionStore.open(dir, { keyWrapper: wrapper() });
    expect(await getAll(again, keys)).toEqual(before);
    await again.close();
  });
});

describe('SessionStore on a failing disk', () => {
  it('reports a failed key write as io, keeps the keys in memory and writes them on the next flush', async () => {
    const dir = tempDir();
    const store = await SessionStore.open(dir);
    await store.saveCreds();
    const probe = await fs.open(path.join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
    await probe.close();
    const sync = vi.spyOn(proto, 'sync').mockRejectedValueOnce(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    try {
      await store.state.keys.set({ 'lid-mapping': { a: '1' } }); // in memory at once
      const err = await store.flush().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SessionStoreError);
      expect((err as SessionStoreError).kind).toBe('io');
      expect(await store.state.keys.get('lid-mapping', ['a'])).toEqual({ a: '1' });
    } finally {
      sync.mockRestore();
    }
    await store.state.keys.set({ 'lid-mapping': { b: '2' } });
    await store.flush();
    await store.close();
    const again = await SessionStore.open(dir);
    expect(await again.state.keys.get('lid-mapping', ['a', 'b'])).toEqual({ a: '1', b: '2' });
    await again.close();
  });
});
