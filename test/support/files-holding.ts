/**
 * Where a secret leaked to disk: the files under a folder whose bytes hold it in plain text,
 * base64 or hex (the encodings a careless writer might use). Tests assert the list is empty.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Files under `dir` (relative paths) that hold `secret` in plain text, base64 or hex. */
export async function filesHolding(dir: string, secret: string): Promise<string[]> {
  const forms = [secret, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('hex')];
  const found: string[] = [];
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    // A file removed while the folder is read (a log rotated, a temporary file renamed) holds nothing.
    const bytes = await fs.readFile(file).catch(() => Buffer.alloc(0));
    if (forms.some((f) => bytes.includes(f))) found.push(path.relative(dir, file));
  }
  return found;
}
