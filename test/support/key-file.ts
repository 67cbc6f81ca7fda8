/** A headless key file as a person makes one (32 random bytes, base64), in its own temporary folder. */
import { randomBytes } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './temp-dir.js';

export function writeKeyFile(mode = 0o600): string {
  const file = path.join(tempDir('replyline-key-'), 'replyline.key');
  writeFileSync(file, randomBytes(32).toString('base64') + '\n');
  chmodSync(file, mode);
  return file;
}
