import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { loadOrCreateDataKey } from '../../main/core/storage/cipher.js';
import { createSafeStorageKeyWrapper, keychainStrength } from '../../main/electron/safe-storage-key-wrapper.js';
import { tempDir } from '../support/temp-dir.js';
import { resetFakeElectron, safeStorage } from './support/fake-electron.js';

vi.mock('electron', () => import('./support/fake-electron.js'));

/** A data key file as the version before the async API wrote it: tag 0x01 + encryptString. */
function syncWrapped(key: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x01]), safeStorage.encryptString(key.toString('base64'))]);
}

describe('safeStorage key wrapper', () => {
  beforeEach(() => resetFakeElectron());

  it.each<[NodeJS.Platform, boolean, string, string]>([
    ['linux', true, 'gnome_libsecret', 'os-keychain'],
    ['linux', true, 'kwallet6', 'os-keychain'],
    ['linux', true, 'basic_text', 'weak'],
    ['linux', true, 'unknown', 'weak'],
    ['linux', false, 'gnome_libsecret', 'weak'],
    ['darwin', true, 'basic_text', 'os-keychain'],
    ['win32', true, 'unknown', 'os-keychain'],
    ['win32', false, 'unknown', 'weak'],
  ])('%s, available=%s, backend %s → %s', async (platform, available, backend, strength) => {
    safeStorage.available = available;
    safeStorage.backend = backend;
    expect(await keychainStrength(platform)).toBe(strength);
    expect((await createSafeStorageKeyWrapper(platform)).strength).toBe(strength);
  });

  it('wraps with the async safeStorage calls and unwraps to the same key', async () => {
    const w = await createSafeStorageKeyWrapper('linux');
    const key = randomBytes(32);
    const wrapped = await w.wrap(key);
    expect(wrapped[0]).toBe(0x01);
    expect(wrapped.includes(key)).toBe(false);
    expect(await w.unwrap(wrapped)).toEqual({ key, rewrap: false });
    expect(safeStorage.encryptStringAsync).toHaveBeenCalled();
    expect(safeStorage.decryptStringAsync).toHaveBeenCalled();
    // The synchronous calls are deprecated in Electron 45.
    for (const call of [safeStorage.isEncryptionAvailable, safeStorage.encryptString, safeStorage.decryptString]) {
      expect(call).not.toHaveBeenCalled();
    }
  });

  it('reads a key the synchronous API wrapped, as earlier versions stored it', async () => {
    const key = randomBytes(32);
    const old = syncWrapped(key);
    expect(await (await createSafeStorageKeyWrapper('linux')).unwrap(old)).toMatchObject({ key });

    const dir = tempDir();
    const keyFile = path.join(dir, 'data.key');
    await fs.writeFile(keyFile, old);
    const cipher = await loadOrCreateDataKey(keyFile, await createSafeStorageKeyWrapper('linux'));
    expect(cipher.open(cipher.seal(Buffer.from('session'))).toString()).toBe('session');
    expect((await fs.readFile(keyFile)).equals(old)).toBe(true); // nothing to rewrite
  });

  it('stores the key wrapped again when the keychain rotated its key, and it still opens', async () => {
    const keyFile = path.join(tempDir(), 'data.key');
    const first = await loadOrCreateDataKey(keyFile, await createSafeStorageKeyWrapper('linux'));
    const sealed = first.seal(Buffer.from('session'));
    const before = await fs.readFile(keyFile);
    safeStorage.keyGeneration++; // the keychain rotated its key
    const again = await loadOrCreateDataKey(keyFile, await createSafeStorageKeyWrapper('linux'));
    expect((await fs.readFile(keyFile)).equals(before)).toBe(false);
    expect(again.open(sealed).toString()).toBe('session');
    const rewrapped = await fs.readFile(keyFile);
    const third = await loadOrCreateDataKey(keyFile, await createSafeStorageKeyWrapper('linux'));
    expect(third.open(sealed).toString()).toBe('session');
    expect((await fs.readFile(keyFile)).equals(rewrapped)).toBe(true); // once is enough
  });

  it('falls back to a tagged plain key when the OS has no encryption, and reads it later', async () => {
    safeStorage.available = false;
    const key = randomBytes(32);
    const wrapped = await (await createSafeStorageKeyWrapper('linux')).wrap(key);
    expect(wrapped[0]).toBe(0x00);
    safeStorage.available = true;
    expect(await (await createSafeStorageKeyWrapper('linux')).unwrap(wrapped)).toEqual({ key });
  });

  it('refuses to unwrap a keychain-wrapped key without the keychain, or an unknown format', async () => {
    const wrapped = await (await createSafeStorageKeyWrapper('linux')).wrap(randomBytes(32));
    safeStorage.available = false;
    const w = await createSafeStorageKeyWrapper('linux');
    await expect(w.unwrap(wrapped)).rejects.toThrow(/keychain/);
    await expect(w.unwrap(Buffer.from([9, 1, 2]))).rejects.toThrow(/unknown format/);
  });

  it("works with the core's envelope encryption", async () => {
    const keyFile = path.join(tempDir(), 'data.key');
    const first = await loadOrCreateDataKey(keyFile, await createSafeStorageKeyWrapper('linux'));
    const sealed = first.seal(Buffer.from('session'));
    const again = await loadOrCreateDataKey(keyFile, await createSafeStorageKeyWrapper('linux'));
    expect(again.open(sealed).toString()).toBe('session');
  });
});
