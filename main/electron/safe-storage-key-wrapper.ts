/**
 * The session's data key, protected by the OS keychain through Electron `safeStorage` (macOS
 * Keychain, Windows DPAPI, the Secret Service or KWallet on Linux). The core's envelope encryption
 * calls this once per start to unwrap one 32-byte key (see main/core/storage/cipher.ts).
 *
 * It uses the asynchronous calls (`isAsyncEncryptionAvailable`, `encryptStringAsync`,
 * `decryptStringAsync`); the synchronous ones are deprecated in Electron 45, whose typings say that
 * data `encryptString` wrote can be read with `decryptStringAsync`, so keys stored by earlier
 * versions stay readable. When the keychain has rotated its key (`shouldReEncrypt`), the core
 * stores the key wrapped again.
 *
 * Strength, shown in the window (Snapshot.encryption):
 *   'os-keychain' — safeStorage is available and, on Linux, backed by a real secret store;
 *   'weak'        — Linux's `basic_text` backend (a fixed, public key) or no encryption at all.
 *
 * Wrapped format: one tag byte, then the payload — 0x01: safeStorage ciphertext of the key in
 * base64; 0x00: the key itself (only when the OS offers no encryption). The tag lets a key stored
 * one way still be read after the keychain appears or disappears.
 */
import { safeStorage } from 'electron';
import type { KeyWrapper } from '../core/storage/cipher.js';

const TAG_PLAIN = 0x00;
const TAG_SAFE_STORAGE = 0x01;

export async function keychainStrength(platform: NodeJS.Platform = process.platform): Promise<'os-keychain' | 'weak'> {
  if (!(await safeStorage.isAsyncEncryptionAvailable())) return 'weak';
  if (platform === 'linux') {
    const backend = safeStorage.getSelectedStorageBackend();
    if (backend === 'basic_text' || backend === 'unknown') return 'weak';
  }
  return 'os-keychain';
}

/** Call after the app is ready (safeStorage's async encryptor starts then). */
export async function createSafeStorageKeyWrapper(platform: NodeJS.Platform = process.platform): Promise<KeyWrapper> {
  const strength = await keychainStrength(platform);
  return {
    strength,
    async wrap(key) {
      if (!(await safeStorage.isAsyncEncryptionAvailable())) return Buffer.concat([Buffer.from([TAG_PLAIN]), key]);
      const sealed = await safeStorage.encryptStringAsync(key.toString('base64'));
      return Buffer.concat([Buffer.from([TAG_SAFE_STORAGE]), sealed]);
    },
    async unwrap(wrapped) {
      const tag = wrapped[0];
      const body = wrapped.subarray(1);
      if (tag === TAG_PLAIN) return { key: Buffer.from(body) };
      if (tag === TAG_SAFE_STORAGE) {
        if (!(await safeStorage.isAsyncEncryptionAvailable())) throw new Error('the OS keychain is not available');
        const { result, shouldReEncrypt } = await safeStorage.decryptStringAsync(Buffer.from(body));
        return { key: Buffer.from(result, 'base64'), rewrap: shouldReEncrypt };
      }
      throw new Error('the stored key has an unknown format');
    },
  };
}
