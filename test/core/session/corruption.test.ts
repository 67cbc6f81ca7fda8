/**
 * Damage never turns into a crash loop: a damaged creds file or key log, or a data key the
 * keychain cannot open, is set aside with a typed error, and the next open starts fresh.
 * A torn end of the key log (a crash mid-append) is not damage.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SessionStore, SessionStoreError } from '../../../main/core/session/session-store.js';
import { logCodec } from '../../../main/core/session/frame-codec.js';
import { RecordLog } from '../../../main/core/storage/record-log.js';
import { loadOrCreateDataKey, passphraseKeyWrapper } from '../../../main/core/storage/cipher.js';
import { tempDir } from '../../support/temp-dir.js';

const wrapper = (fill = 9) => passphraseKeyWrapper(Buffer.alloc(32, fill));

/** A paired session with three key batches in the log. */
async function pairedSession(dir: string, options: { keyWrapper?: ReturnType<typeof wrapper> } = {}): Promise<void> {
  const store = await SessionStore.open(dir, options);
  store.state.creds.me = { id: 'tester@s.whatsapp.net' };
  await store.saveCreds();
  for (let i = 0; i < 3; i++) {
    await store.state.keys.set({ 'lid-mapping': { [`k${i}`]: `v${i}`.repeat(50) } });
    await store.flush();
  }
  await store.close();
}

async function openError(dir: string, options = {}): Promise<SessionStoreError> {
  const err = await SessionStore.open(dir, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SessionStoreError);
  return err as SessionStoreError;
}

async function expectFreshOpen(dir: string, options = {}): Promise<void> {
  const store = await SessionStore.open(dir, options);
  expect(store.hasSession()).toBe(false);
  expect(await store.state.keys.get('lid-mapping', ['k0', 'k1', 'k2'])).toEqual({});
  await store.close();
}

async function expectQuarantined(err: SessionStoreError, dir: string, names: string[]): Promise<void> {
  expect(err.quarantinedTo?.map((f) => path.basename(f).replace(/\.corrupt-.*/, '')).sort()).toEqual([...names].sort());
  for (const f of err.quarantinedTo!) await expect(fs.stat(f)).resolves.toBeTruthy();
  for (const n of names) await expect(fs.stat(path.join(dir, n))).rejects.toThrow(/ENOENT/);
}

describe.each([
  ['without a key wrapper', () => ({})],
  ['with a key wrapper', () => ({ keyWrapper: wrapper() })],
])('damaged session %s', (_name, options) => {
  it('truncated creds: corrupt, set aside, next open fresh', async () => {
    const dir = tempDir();
    await pairedSession(dir, options());
    const creds = path.join(dir, 'creds.bin');
    const size = (await fs.stat(creds)).size;
    await fs.truncate(creds, Math.floor(size / 2));
    const err = await openError(dir, options());
    expect(err.kind).toBe('corrupt');
    expect(err.userMessage).toMatch(/damaged.*set aside.*Link this computer again/);
    await expectQuarantined(err, dir, ['creds.bin', 'keys.log']);
    await expectFreshOpen(dir, options());
    await expectFreshOpen(dir, options()); // and stays that way
  });

  it('garbage creds: corrupt, set aside, next open fresh', async () => {
    const dir = tempDir();
    await pairedSession(dir, options());
    await fs.writeFile(path.join(dir, 'creds.bin'), Buffer.from('{"noiseKey": garbage ' + 'x'.repeat(300)));
    const err = await openError(dir, options());
    expect(err.kind).toBe('corrupt');
    await expectQuarantined(err, dir, ['creds.bin', 'keys.log']);
    await expectFreshOpen(dir, options());
  });

  it('creds with a flipped byte: corrupt', async () => {
    const dir = tempDir();
    await pairedSession(dir, options());
    const file = path.join(dir, 'creds.bin');
    const bytes = await fs.readFile(file);
    bytes[bytes.length - 10]! ^= 0x40;
    await fs.writeFile(file, bytes);
    expect((await openError(dir, options())).kind).toBe('corrupt');
    await expectFreshOpen(dir, options());
  });

  it('garbage in the middle of the key log: corrupt, both files set aside, next open fresh', async () => {
    const dir = tempDir();
    await pairedSession(dir, options());
    const file = path.join(dir, 'keys.log');
    const bytes = await fs.readFile(file);
    bytes.fill(0x41, 12, 30); // inside the first record's payload
    await fs.writeFile(file, bytes);
    const err = await openError(dir, options());
    expect(err.kind).toBe('corrupt');
    await expectQuarantined(err, dir, ['creds.bin', 'keys.log']);
    expect((await fs.readFile(err.quarantinedTo!.find((f) => f.includes('keys.log'))!)).equals(bytes)).toBe(true);
    await expectFreshOpen(dir, options());
  });

  it('a torn tail of the key log is recovered silently, earlier batches kept', async () => {
    const dir = tempDir();
    await pairedSession(dir, options());
    const file = path.join(dir, 'keys.log');
    const bytes = await fs.readFile(file);
    // A crash in mid-append: half of a further record made it to disk.
    await fs.writeFile(file, Buffer.concat([bytes, bytes.subarray(0, Math.floor(bytes.length / 3))]));
    const store = await SessionStore.open(dir, options());
    expect(store.hasSession()).toBe(true);
    expect(Object.keys(await store.state.keys.get('lid-mapping', ['k0', 'k1', 'k2']))).toEqual(['k0', 'k1', 'k2']);
    await store.close();
    expect((await fs.readdir(dir)).some((n) => n.includes('corrupt'))).toBe(false);
  });

  it('a record that reads but does not apply (a diff without its base): corrupt', async () => {
    const dir = tempDir();
    await pairedSession(dir, options());
    const opts = options() as { keyWrapper?: ReturnType<typeof wrapper> };
    // Write a well-framed, well-sealed record with a diff for a key the log never had.
    const cipher = opts.keyWrapper ? await loadOrCreateDataKey(path.join(dir, 'session.key'), opts.keyWrapper) : undefined;
    const { log } = await RecordLog.open<unknown>(path.join(dir, 'keys.log'), { parse: (v) => v, cipher: logCodec(cipher) });
    await log.append({ v: 1, d: { session: { ghost: { $d: { a: 1 } } } } });
    await log.close();
    const err = await openError(dir, opts);
    expect(err.kind).toBe('corrupt');
    await expectQuarantined(err, dir, ['creds.bin', 'keys.log']);
    await expectFreshOpen(dir, opts);
  });
});

describe('a data key the keychain cannot open', () => {
  it('wrong key wrapper: locked-key, session and data key set aside, next open fresh', async () => {
    const dir = tempDir();
    await pairedSession(dir, { keyWrapper: wrapper(1) });
    const err = await openError(dir, { keyWrapper: wrapper(2) });
    expect(err.kind).toBe('locked-key');
    expect(err.userMessage).toMatch(/could not be unlocked.*Link this computer again/);
    await expectQuarantined(err, dir, ['creds.bin', 'keys.log', 'session.key']);
    await expectFreshOpen(dir, { keyWrapper: wrapper(2) });
  });

  it('a sealed session opened without a key wrapper: locked-key, next open fresh', async () => {
    const dir = tempDir();
    await pairedSession(dir, { keyWrapper: wrapper(1) });
    const err = await openError(dir);
    expect(err.kind).toBe('locked-key');
    await expectQuarantined(err, dir, ['creds.bin', 'keys.log', 'session.key']);
    await expectFreshOpen(dir);
  });
});

describe('disk errors', () => {
  it('a folder that cannot be created is an io error, nothing set aside', async () => {
    const parent = tempDir();
    const blocker = path.join(parent, 'not-a-folder');
    await fs.writeFile(blocker, 'x');
    const err = await openError(path.join(blocker, 'session'));
    expect(err.kind).toBe('io');
    expect(err.quarantinedTo).toBeUndefined();
    expect(err.userMessage).toMatch(/disk/);
  });
});
