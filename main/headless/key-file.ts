/**
 * Encryption at rest for headless mode: a server has no desktop keychain, so the data key that
 * seals the session and the personal stores is wrapped with a key derived from a file the
 * person provides (`--key-file PATH` or REPLYLINE_KEY_FILE). The file must be private to its
 * owner: one that other users can read is refused, since whoever reads it can open the session.
 * On Windows there are no mode bits to check; the file's folder permissions are the person's job.
 *
 * The key is derived with scrypt, so a passphrase typed into the file is as good as random bytes.
 */
import { promises as fs } from 'node:fs';
import { scrypt } from 'node:crypto';
import { promisify } from 'node:util';
import { passphraseKeyWrapper, type KeyWrapper } from '../core/storage/cipher.js';

const scryptAsync = promisify(scrypt) as (password: Buffer, salt: string, keylen: number) => Promise<Buffer>;
const SALT = 'replyline headless key file v1';
const MIN_BYTES = 16;

export class KeyFileError extends Error {
  override readonly name = 'KeyFileError';
  constructor(readonly userMessage: string) {
    super(userMessage);
  }
}

export async function keyFileWrapper(file: string, platform: NodeJS.Platform = process.platform): Promise<KeyWrapper> {
  let content: Buffer;
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) throw new KeyFileError(`The key file ${file} is not a file.`);
    if (platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8);
      throw new KeyFileError(
        `Other users can read the key file ${file} (mode ${mode}), and with it this WhatsApp session. Make it private first: chmod 600 ${file}`,
      );
    }
    content = await fs.readFile(file);
  } catch (err) {
    if (err instanceof KeyFileError) throw err;
    throw new KeyFileError(`The key file ${file} could not be read (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  // A trailing newline from `echo` or an editor is not part of the key.
  const secret = Buffer.from(content.toString('utf8').replace(/[\r\n]+$/, ''), 'utf8');
  if (secret.length < MIN_BYTES) {
    throw new KeyFileError(`The key file ${file} is too short: use at least ${MIN_BYTES} characters (for example: head -c 32 /dev/urandom | base64).`);
  }
  return passphraseKeyWrapper(await scryptAsync(secret, SALT, 32), 'key-file');
}
