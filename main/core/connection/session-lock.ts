/**
 * An exclusive lock on a session folder, so no second controller or process (another copy of
 * the app, a script, a second profile pointing at the same folder) opens the same WhatsApp
 * session — a second live copy of a session is itself a cause of 440 conflicts.
 *
 * The lock is a file created with O_EXCL that holds the owner's pid and a random token. A lock
 * whose pid is no longer alive (a crash) is taken over; a live one is refused with a typed error.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export class SessionLockedError extends Error {
  readonly kind = 'session-locked';
  readonly userMessage =
    'Another copy of Replyline (or another program) is already using this WhatsApp session. Close it first.';
  constructor(readonly holderPid: number | undefined) {
    super(`session folder is locked by pid ${holderPid ?? 'unknown'}`);
  }
}

export interface SessionLock {
  readonly file: string;
  release(): Promise<void>;
}

const LOCK_NAME = 'session.lock';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Take the lock on `dir` or throw `SessionLockedError`. */
export async function acquireSessionLock(dir: string): Promise<SessionLock> {
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, LOCK_NAME);
  const token = randomBytes(8).toString('hex');
  const body = JSON.stringify({ pid: process.pid, token });
  for (let tries = 0; tries < 3; tries++) {
    try {
      const handle = await fs.open(file, 'wx', 0o600);
      try {
        await handle.writeFile(body);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return { file, release: () => releaseIfOurs(file, token) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readHolder(file);
    // Same process, a different controller: refuse too — one session, one connection.
    if (holder && isAlive(holder.pid)) throw new SessionLockedError(holder.pid);
    // An unreadable lock younger than a few seconds may be one being written right now.
    if (!holder && (await ageMs(file)) < 5_000) throw new SessionLockedError(undefined);
    // Stale (holder died, or a half-written lock left by a crash): take it over.
    await fs.rm(file, { force: true });
  }
  throw new SessionLockedError(undefined);
}

async function ageMs(file: string): Promise<number> {
  try {
    return Date.now() - (await fs.stat(file)).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

async function readHolder(file: string): Promise<{ pid: number; token: string } | undefined> {
  try {
    const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as { pid?: unknown; token?: unknown };
    if (typeof parsed.pid === 'number' && typeof parsed.token === 'string') {
      return { pid: parsed.pid, token: parsed.token };
    }
  } catch {
    // unreadable: treated as stale
  }
  return undefined;
}

async function releaseIfOurs(file: string, token: string): Promise<void> {
  const holder = await readHolder(file);
  if (holder?.token === token) await fs.rm(file, { force: true });
}
