/**
 * The session's data key, protected by the OS keychain through Electron `safeStorage` (macOS
 * Keychain, Windows DPAPI, libsecret/KWallet on Linux). The core's envelope encryption calls this
 * once per start to unwrap one 32-byte key (see main/core/storage/cipher.ts).
 *
 * Strength, shown in the window (Snapshot.encryption):
 *   'os-keychain' — safeStorage is available and, on Linux, backed by a real secret store;
 *   'weak'        — Linux's `basic_text` backend (a fixed, public key) or no encryption at all.
 *
 * Wrapped format: one tag byte, then the payload — 0x01: safeStorage ciphertext of the key in
 * base64; 0x00: the key itself (only when the OS offers no encryption). The tag lets a key stored
 * one way still be read after the keychain appears or disappears.
 *
 * The synchronous safeStorage calls are deprecated in favour of async ones; `KeyWrapper` is
 * synchronous and runs once per start, so they are used here until the core's interface is async.
 */
import { safeStorage } from 'electron';
import type { KeyWrapper } from '../core/storage/cipher.js';

const TAG_PLAIN = 0x00;
const TAG_SAFE_STORAGE = 0x01;

export function keychainStrength(platform: NodeJS.Platform = process.platform): 'os-keychain' | 'weak' {
  if (!safeStorage.isEncryptionAvailable()) return 'weak';
  if (platform === 'linux') {
    const backend = safeStorage.getSelectedStorageBackend();
    if (backend === 'basic_text' || backend === 'unknown') return 'weak';
  }
  return 'os-keychain';
}

export function createSafeStorageKeyWrapper(platform: NodeJS.Platform = process.platform): KeyWrapper {
  const strength = keychainStrength(platform);
  return {
    strength,
    wrap(key) {
      if (!safeStorage.isEncryptionAvailable()) return Buffer.concat([Buffer.from([TAG_PLAIN]), key]);
      return Buffer.concat([Buffer.from([TAG_SAFE_STORAGE]), safeStorage.encryptString(key.toString('base64'))]);
    },
    unwrap(wrapped) {
      const tag = wrapped[0];
      const body = wrapped.subarray(1);
      if (tag === TAG_PLAIN) return Buffer.from(body);
      if (tag === TAG_SAFE_STORAGE) {
        if (!safeStorage.isEncryptionAvailable()) throw new Error('the OS keychain is not available');
        return Buffer.from(safeStorage.decryptString(Buffer.from(body)), 'base64');
      }
      throw new Error('the stored key has an unknown format');
    },
  };
}
