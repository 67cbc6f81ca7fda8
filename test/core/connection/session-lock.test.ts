import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireSessionLock, processStart, SessionLockedError } from '../../../main/core/connection/session-lock.js';
import { tempDir } from '../../support/temp-dir.js';

const LOCK_MODULE = path.resolve('main/core/connection/session-lock.ts');

/** A second process that takes the lock, says so, and waits to be killed. */
function holdLockInChild(dir: string) {
  const script = `
    import { acquireSessionLock } from ${JSON.stringify(LOCK_MODULE)};
    await acquireSessionLock(${JSON.stringify(dir)});
    process.stdout.write('locked\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
    child.on('exit', (code) => reject(new Error(`child exited ${code}`)));
  });
  return { child, ready };
}

describe('session folder lock', () => {
  it('refuses a second holder in the same process until released', async () => {
    const dir = tempDir();
    const lock = await acquireSessionLock(dir);
    await expect(acquireSessionLock(dir)).rejects.toBeInstanceOf(SessionLockedError);
    await lock.release();
    const again = await acquireSessionLock(dir);
    await again.release();
  });

  it('refuses while another process holds it, and takes over once that process died', async () => {
    const dir = tempDir();
    const { child, ready } = holdLockInChild(dir);
    await ready;
    const err = await acquireSessionLock(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SessionLockedError);
    expect((err as SessionLockedError).holderPid).toBe(child.pid);
    expect((err as SessionLockedError).userMessage).toMatch(/already using this WhatsApp session/);
    child.kill('SIGKILL');
    await once(child, 'exit');
    const lock = await acquireSessionLock(dir);
    await lock.release();
  });

  it('takes over a lock whose pid now belongs to another process (a reused pid), and records the owner\'s start', async () => {
    const dir = tempDir();
    // A live process that is not the owner: the pid is alive, but started after the lock was written.
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      const file = path.join(dir, 'session.lock');
      writeFileSync(file, JSON.stringify({ pid: other.pid, token: 'dead0wner', start: 'an earlier process' }));
      const lock = await acquireSessionLock(dir);
      const body = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; start?: string };
      expect(body.pid).toBe(process.pid);
      if (process.platform === 'linux' || process.platform === 'darwin') expect(body.start).toEqual(expect.any(String));
      await lock.release();
    } finally {
      other.kill('SIGKILL');
      await once(other, 'exit');
    }
  });

  it.runIf(process.platform === 'linux')('reads a process\'s start time: stable for one process, different for another', async () => {
    const mine = processStart(process.pid);
    expect(mine).toMatch(/^[0-9a-f-]{36}:\d+$/);
    expect(processStart(process.pid)).toBe(mine);
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      expect(processStart(other.pid!)).not.toBe(mine);
    } finally {
      other.kill('SIGKILL');
      await once(other, 'exit');
    }
    expect(processStart(other.pid!)).toBeUndefined();
  });

  it('takes over an old unreadable lock left by a crash mid-write', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'session.lock');
    writeFileSync(file, '{"pi');
    const { utimesSync } = await import('node:fs');
    utimesSync(file, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const lock = await acquireSessionLock(dir);
    await lock.release();
  });
});
