/**
 * Encryption at rest. The app injects a `KeyWrapper` (Electron `safeStorage`, backed by the OS
 * keychain); tests inject a test wrapper. The wrapper only ever protects one random data key
 * (envelope encryption), so bulk records are sealed locally with AES-256-GCM and the keychain
 * is touched once per start, not once per record.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { getLogger } from '../logging/logger.js';
import { writeFileAtomic } from './atomic-file.js';

/** Seals and opens byte strings. Implementations must authenticate (tampering throws). */
export interface ByteCipher {
  seal(plain: Uint8Array): Buffer;
  open(sealed: Uint8Array): Buffer;
}

/**
 * What protects the data key: the OS keychain in the app. Asynchronous, as the keychain is (the
 * app's wrapper uses Electron's async safeStorage calls, which may wait on the OS).
 */
export interface KeyWrapper {
  /**
   * `os-keychain` when backed by a real keychain, `weak` when the OS offers none (plain text
   * fallback), `key-file` for headless mode's private key file.
   */
  readonly strength: 'os-keychain' | 'weak' | 'key-file' | 'test';
  wrap(key: Buffer): Promise<Buffer>;
  /** Rejects when the key cannot be unwrapped (another user, keychain reset, damaged file). */
  unwrap(wrapped: Buffer): Promise<UnwrappedKey>;
}

export interface UnwrappedKey {
  key: Buffer;
  /** The keychain moved on (its key was rotated): wrap the key again and store that. */
  rewrap?: boolean;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 1;

export class CipherError extends Error {
  readonly kind = 'cipher-failed';
}

/** AES-256-GCM with a random IV per record: `[version][iv][tag][ciphertext]`. */
export function aesGcmCipher(key: Buffer): ByteCipher {
  if (key.length !== 32) throw new CipherError('data key must be 32 bytes');
  return {
    seal(plain) {
      const iv = randomBytes(IV_BYTES);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain), c.final()]);
      return Buffer.concat([Buffer.from([VERSION]), iv, c.getAuthTag(), body]);
    },
    open(sealed) {
      const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
      if (buf.length < 1 + IV_BYTES + TAG_BYTES || buf[0] !== VERSION) {
        throw new CipherError('sealed record has an unknown format');
      }
      const iv = buf.subarray(1, 1 + IV_BYTES);
      const tag = buf.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
      const d = createDecipheriv('aes-256-gcm', key, iv);
      d.setAuthTag(tag);
      try {
        return Buffer.concat([d.update(buf.subarray(1 + IV_BYTES + TAG_BYTES)), d.final()]);
      } catch {
        throw new CipherError('sealed record failed authentication');
      }
    },
  };
}

/**
 * Load the data key from `keyFile` (unwrapping it), or create and store a new one.
 * Throws `CipherError` when the stored key cannot be unwrapped (another OS user, keychain reset).
 */
export async function loadOrCreateDataKey(keyFile: string, wrapper: KeyWrapper): Promise<ByteCipher> {
  let wrapped: Buffer | undefined;
  try {
    wrapped = await fs.readFile(keyFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (wrapped) {
    let unwrapped: UnwrappedKey;
    try {
      unwrapped = await wrapper.unwrap(wrapped);
    } catch {
      throw new CipherError('the stored data key could not be unlocked with this keychain');
    }
    const cipher = aesGcmCipher(unwrapped.key);
    if (unwrapped.rewrap) {
      try {
        await writeFileAtomic(keyFile, await wrapper.wrap(unwrapped.key));
      } catch (err) {
        // The old wrapping still opens; a failed rewrite only means trying again next start.
        getLogger('cipher').warn({ err }, 'could not store the data key wrapped again; keeping the old wrapping');
      }
    }
    return cipher;
  }
  const key = randomBytes(32);
  await writeFileAtomic(keyFile, await wrapper.wrap(key));
  return aesGcmCipher(key);
}

/** A key wrapper from a fixed secret, for tests and for headless runs without a keychain. Not a keychain. */
export function passphraseKeyWrapper(secret: Buffer, strength: KeyWrapper['strength'] = 'test'): KeyWrapper {
  const inner = aesGcmCipher(secret.length === 32 ? secret : Buffer.alloc(32, secret));
  return {
    strength,
    wrap: async (k) => inner.seal(k),
    unwrap: async (w) => ({ key: inner.open(w) }),
  };
}
