import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { loadOrCreateDataKey } from '../../main/core/storage/cipher.js';
import { createSafeStorageKeyWrapper, keychainStrength } from '../../main/electron/safe-storage-key-wrapper.js';
import { tempDir } from '../support/temp-dir.js';
import { resetFakeElectron, safeStorage } from './support/fake-electron.js';

vi.mock('electron', () => import('./support/fake-electron.js'));

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
  ])('%s, available=%s, backend %s → %s', (platform, available, backend, strength) => {
    safeStorage.available = available;
    safeStorage.backend = backend;
    expect(keychainStrength(platform)).toBe(strength);
    expect(createSafeStorageKeyWrapper(platform).strength).toBe(strength);
  });

  it('wraps with safeStorage and unwraps to the same key', () => {
    const w = createSafeStorageKeyWrapper('linux');
    const key = randomBytes(32);
    const wrapped = w.wrap(key);
    expect(wrapped[0]).toBe(0x01);
    expect(wrapped.includes(key)).toBe(false);
    expect(safeStorage.encryptString).toHaveBeenCalled();
    expect(w.unwrap(wrapped)).toEqual(key);
  });

  it('falls back to a tagged plain key when the OS has no encryption, and reads it later', () => {
    safeStorage.available = false;
    const key = randomBytes(32);
    const wrapped = createSafeStorageKeyWrapper('linux').wrap(key);
    expect(wrapped[0]).toBe(0x00);
    safeStorage.available = true;
    expect(createSafeStorageKeyWrapper('linux').unwrap(wrapped)).toEqual(key);
  });

  it('refuses to unwrap a keychain-wrapped key without the keychain, or an unknown format', () => {
    const wrapped = createSafeStorageKeyWrapper('linux').wrap(randomBytes(32));
    safeStorage.available = false;
    expect(() => createSafeStorageKeyWrapper('linux').unwrap(wrapped)).toThrow(/keychain/);
    expect(() => createSafeStorageKeyWrapper('linux').unwrap(Buffer.from([9, 1, 2]))).toThrow(/unknown format/);
  });

  it("works with the core's envelope encryption", async () => {
    const keyFile = path.join(tempDir(), 'data.key');
    const first = await loadOrCreateDataKey(keyFile, createSafeStorageKeyWrapper('linux'));
    const sealed = first.seal(Buffer.from('session'));
    const again = await loadOrCreateDataKey(keyFile, createSafeStorageKeyWrapper('linux'));
    expect(again.open(sealed).toString()).toBe('session');
  });
});
