/**
 * Encryption at rest: AES-GCM records authenticate (tampering and wrong keys throw), and the
 * data key is created once, wrapped, and only opens with the same wrapper.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { aesGcmCipher, CipherError, loadOrCreateDataKey, passphraseKeyWrapper, type KeyWrapper } from '../../../main/core/storage/cipher.js';
import { tempDir } from '../../support/temp-dir.js';

describe('aesGcmCipher', () => {
  const key = Buffer.alloc(32, 7);

  it('round-trips, with a fresh IV per record', () => {
    const c = aesGcmCipher(key);
    const plain = Buffer.from('the noise key');
    const a = c.seal(plain);
    const b = c.seal(plain);
    expect(a.equals(b)).toBe(false);
    expect(a.toString('latin1')).not.toContain('noise');
    expect(c.open(a).equals(plain)).toBe(true);
    expect(c.open(new Uint8Array(b)).equals(plain)).toBe(true);
  });

  it('detects tampering anywhere: version, IV, tag or body', () => {
    const c = aesGcmCipher(key);
    const sealed = c.seal(Buffer.from('payload'));
    for (const at of [0, 1, 13, 29, sealed.length - 1]) {
      const bad = Buffer.from(sealed);
      bad[at]! ^= 0x01;
      expect(() => c.open(bad)).toThrow(CipherError);
    }
    expect(() => c.open(sealed.subarray(0, 20))).toThrow(CipherError);
  });

  it('refuses the wrong key and keys of the wrong size', () => {
    const sealed = aesGcmCipher(key).seal(Buffer.from('x'));
    expect(() => aesGcmCipher(Buffer.alloc(32, 8)).open(sealed)).toThrow(CipherError);
    expect(() => aesGcmCipher(Buffer.alloc(16))).toThrow(CipherError);
  });
});

describe('loadOrCreateDataKey', () => {
  it('creates a wrapped key once and loads the same key after', async () => {
    const file = path.join(tempDir(), 'data.key');
    const wrapper = passphraseKeyWrapper(Buffer.alloc(32, 1));
    const first = await loadOrCreateDataKey(file, wrapper);
    const stored = await fs.readFile(file);
    const second = await loadOrCreateDataKey(file, wrapper);
    expect((await fs.readFile(file)).equals(stored)).toBe(true);
    expect(second.open(first.seal(Buffer.from('hello'))).toString()).toBe('hello');
    expect((await fs.stat(file)).mode & 0o077).toBe(0);
  });

  it('throws CipherError when the wrapper cannot unwrap the stored key', async () => {
    const file = path.join(tempDir(), 'data.key');
    await loadOrCreateDataKey(file, passphraseKeyWrapper(Buffer.alloc(32, 1)));
    await expect(loadOrCreateDataKey(file, passphraseKeyWrapper(Buffer.alloc(32, 2)))).rejects.toThrow(CipherError);
  });

  it('stores the key wrapped again when the wrapper asks, and keeps the old wrapping if that fails', async () => {
    const file = path.join(tempDir(), 'data.key');
    const base = passphraseKeyWrapper(Buffer.alloc(32, 1));
    const first = await loadOrCreateDataKey(file, base);
    const sealed = first.seal(Buffer.from('hello'));
    const stored = await fs.readFile(file);
    const rotating: KeyWrapper = { ...base, unwrap: async (w) => ({ ...(await base.unwrap(w)), rewrap: true }) };

    const failing: KeyWrapper = { ...rotating, wrap: () => Promise.reject(new Error('keychain busy')) };
    expect((await loadOrCreateDataKey(file, failing)).open(sealed).toString()).toBe('hello');
    expect((await fs.readFile(file)).equals(stored)).toBe(true);

    expect((await loadOrCreateDataKey(file, rotating)).open(sealed).toString()).toBe('hello');
    expect((await fs.readFile(file)).equals(stored)).toBe(false); // a fresh IV: written again
    expect((await loadOrCreateDataKey(file, base)).open(sealed).toString()).toBe('hello');
  });

  it('labels a test wrapper as such', () => {
    expect(passphraseKeyWrapper(Buffer.from('short secret')).strength).toBe('test');
    expect(passphraseKeyWrapper(Buffer.alloc(32), 'weak').strength).toBe('weak');
  });
});
