/**
 * Crash-safe whole-file writes: write a temp file beside the target, fsync it, rename it over
 * the target, fsync the folder. After a crash the target holds either the old or the new
 * bytes, never a mix.
 */
import { promises as fs, renameSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await fs.open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(dir);
}

/** Make a rename or create in `dir` durable. Not supported on Windows, where it is a no-op. */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Rename a damaged file aside (`name.corrupt-<time>`) so the app can start clean. Returns the new path. */
export async function quarantineFile(file: string, now: number = Date.now()): Promise<string> {
  const stamp = new Date(now).toISOString().replace(/[:.]/g, '-');
  const target = `${file}.corrupt-${stamp}`;
  await fs.rename(file, target);
  await fsyncDir(path.dirname(file)).catch(() => undefined);
  return target;
}

/** `quarantineFile` for a store that opens synchronously (the settings store). */
export function quarantineFileSync(file: string, now: number = Date.now()): string {
  const target = `${file}.corrupt-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
  renameSync(file, target);
  return target;
}

/** Remove stale temp files a crash left behind in `dir`. */
export async function removeStaleTempFiles(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  await Promise.all(
    names.filter((n) => n.startsWith('.') && n.endsWith('.tmp')).map((n) => fs.rm(path.join(dir, n), { force: true })),
  );
}
