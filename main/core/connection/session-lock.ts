/**
 * An exclusive lock on a session folder, so no second controller or process (another copy of
 * the app, a script, a second profile pointing at the same folder) opens the same WhatsApp
 * session — a second live copy of a session is itself a cause of 440 conflicts.
 *
 * The lock is a file created with O_EXCL that holds the owner's pid, when that process started,
 * and a random token. A pid alone is not enough: after a crash and a reboot (or months of
 * uptime) the pid is often reused by some other program, and a lock that trusts the pid alone
 * refuses every start. So a lock counts as live only while its pid is alive AND that process
 * started when the owner did; otherwise it is stale and taken over. A live one is refused with a
 * typed error that carries plain words.
 *
 * How a process's start is read: Linux, the boot id and the start time in /proc (exact, no
 * subprocess); macOS, `ps -o lstart=` (one short subprocess, only when a lock is found); Windows,
 * nothing cheap exists, so there the pid alone decides (the desktop app's single-instance lock
 * still keeps a second copy out).
 */
import { execFileSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
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

/**
 * When process `pid` started, as an opaque string that differs between two processes that had
 * the same pid; undefined where it cannot be told (Windows, or the process is gone).
 */
export function processStart(pid: number, platform: NodeJS.Platform = process.platform): string | undefined {
  try {
    if (platform === 'linux') {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Field 22 (starttime, clock ticks since boot); the name in field 2 may hold spaces and ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = fields[19];
      if (!ticks) return undefined;
      const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      return `${boot}:${ticks}`;
    }
    if (platform === 'darwin') {
      const out = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', timeout: 2_000 }).trim();
      return out || undefined;
    }
  } catch {
    // gone, or not readable
  }
  return undefined;
}

/** The lock's owner is still running: its pid is alive and (where it can be told) started when the owner did. */
function ownerIsRunning(holder: LockHolder): boolean {
  if (!isAlive(holder.pid)) return false;
  if (holder.start === undefined) return true;
  const now = processStart(holder.pid);
  return now === undefined || now === holder.start;
}

interface LockHolder {
  pid: number;
  token: string;
  start?: string;
}

/** Take the lock on `dir` or throw `SessionLockedError`. */
export async function acquireSessionLock(dir: string): Promise<SessionLock> {
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, LOCK_NAME);
  const token = randomBytes(8).toString('hex');
  const body = JSON.stringify({ pid: process.pid, token, start: processStart(process.pid) });
  for (let tries = 0; tries < 3; tries++) {
    try {
      // Not fsynced: the lock is about live processes, and after a power loss none is left. A lock
      // the crash left empty or missing is then stale anyway (an unreadable one older than 5 s is
      // taken over), and the fsync cost the start-up a few ms (more on a busy disk).
      await fs.writeFile(file, body, { flag: 'wx', mode: 0o600 });
      return { file, release: () => releaseIfOurs(file, token) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readHolder(file);
    // Same process, a different controller: refuse too — one session, one connection.
    if (holder && ownerIsRunning(holder)) throw new SessionLockedError(holder.pid);
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

async function readHolder(file: string): Promise<LockHolder | undefined> {
  try {
    const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as { pid?: unknown; token?: unknown; start?: unknown };
    if (typeof parsed.pid === 'number' && typeof parsed.token === 'string') {
      return { pid: parsed.pid, token: parsed.token, start: typeof parsed.start === 'string' ? parsed.start : undefined };
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
