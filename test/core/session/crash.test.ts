/**
 * SIGKILL crash safety: a child process hammers key updates (with creds saves and compactions in
 * between) and is killed at seeded random moments. Each time, the store must open cleanly and
 * hold exactly the state after updates 0..c for some c at or after the last durable point the
 * child reported: a prefix, nothing garbled, nothing set aside.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SessionStore } from '../../../main/core/session/session-store.js';
import { passphraseKeyWrapper } from '../../../main/core/storage/cipher.js';
import { tempDir } from '../../support/temp-dir.js';
import { ALL_IDS, expectedAfter } from './fixtures/hammer-updates.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'hammer-child.ts');
const ITERATIONS = 6;

/** Run the child until it has hammered for `ms` after startup, then SIGKILL it. */
async function runAndKill(dir: string, ms: number): Promise<{ from: number; durable: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, REPLYLINE_LOG_LEVEL: 'silent' },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let from = -1;
  let durable = -1;
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const msg = JSON.parse(line) as { ready?: boolean; from?: number; durable?: number };
      if (msg.ready) {
        from = msg.from!;
        resolve();
      }
      if (msg.durable !== undefined) durable = msg.durable;
    });
    void exited.then((code) => reject(new Error(`child exited early (${code}): ${stderr}`)));
  });
  await ready;
  await new Promise((r) => setTimeout(r, ms));
  child.kill('SIGKILL');
  await exited;
  return { from, durable };
}

describe('SessionStore under SIGKILL', () => {
  it(`holds a prefix-consistent state after ${ITERATIONS} kills at random moments`, { timeout: 120_000 }, async () => {
    const dir = tempDir();
    let seed = 20240611;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    let last = -1;
    for (let run = 0; run < ITERATIONS; run++) {
      const { from, durable } = await runAndKill(dir, 30 + Math.floor(rnd() * 400));
      expect(from).toBe(last + 1); // the child resumed right after what the store held

      const store = await SessionStore.open(dir, { keyWrapper: passphraseKeyWrapper(Buffer.alloc(32, 5)) });
      expect(store.hasSession()).toBe(true);
      const { counter } = await store.state.keys.get('lid-mapping', ['counter']);
      const c = counter === undefined ? -1 : Number(counter);
      expect(c).toBeGreaterThanOrEqual(Math.max(durable, last));
      // Creds are saved only after the keys before them are durable.
      expect(store.state.creds.nextPreKeyId - 1).toBeLessThanOrEqual(c);

      const want = expectedAfter(c);
      expect(await store.state.keys.get('session', ALL_IDS.session)).toEqual(want.session);
      expect(await store.state.keys.get('sender-key', ALL_IDS['sender-key'])).toEqual(want['sender-key']);
      const preKeyIds = Array.from({ length: c + 2 }, (_, i) => String(i));
      expect(await store.state.keys.get('pre-key', preKeyIds)).toEqual(want['pre-key']);
      await store.close();
      expect((await fs.readdir(dir)).filter((n) => n.includes('corrupt'))).toEqual([]);
      last = c;
    }
    expect(last).toBeGreaterThan(25); // it did hammer
  });
});
