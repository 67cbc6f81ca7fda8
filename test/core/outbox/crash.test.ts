/**
 * A real crash: a child process with pending replies is SIGKILLed; the outbox reopened on the
 * same folder sends each pending reply exactly once, with the id it was given at enqueue.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../support/temp-dir.js';
import { Outbox } from '../../../main/core/outbox/index.js';
import { FakeLink } from './fake-link.js';
import { settle, until } from './helpers.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'crash-child.ts');

interface ChildRun {
  lines: Array<Record<string, unknown>>;
  kill(): Promise<void>;
  waitFor(pred: (lines: Array<Record<string, unknown>>) => boolean): Promise<void>;
}

function runChild(dir: string, mode: 'fixed' | 'storm'): ChildRun {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, REPLYLINE_LOG_LEVEL: 'silent' },
  });
  const lines: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let exitedFlag = false;
  void exited.then(() => (exitedFlag = true));
  createInterface({ input: child.stdout }).on('line', (l) => lines.push(JSON.parse(l) as Record<string, unknown>));
  return {
    lines,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async waitFor(pred) {
      try {
        await until(() => pred(lines) || exitedFlag, 'child', 5_000_000);
        if (!pred(lines)) throw new Error(`child exited early: ${stderr}`);
      } catch (err) {
        child.kill('SIGKILL'); // never leave a child behind
        throw err;
      }
    },
  };
}

describe('outbox across a SIGKILL', () => {
  it('resends each reply left pending exactly once, with its id, and leaves acked ones alone', async () => {
    const dir = tempDir('outbox-crash-');
    const child = runChild(dir, 'fixed');
    await child.waitFor((l) => l.some((x) => x.ready));
    await child.kill();
    const report = child.lines[0] as { ids: string[]; acked: string[]; written: string[] };
    expect(report.ids).toHaveLength(8);
    expect(report.written).toHaveLength(6);

    const link = new FakeLink();
    link.autoAck = true;
    const outbox = await Outbox.open({ dir, link });
    const pending = report.ids.filter((id) => !report.acked.includes(id));
    expect(outbox.list().filter((e) => e.state === 'queued').map((e) => e.id)).toEqual(pending);
    link.connect();
    await until(() => report.ids.every((id) => outbox.get(id)?.state === 'sent'), 'all sent');
    await settle();
    const sentIds = link.sends.map((s) => s.messageId);
    expect([...sentIds].sort()).toEqual([...pending].sort());
    expect(new Set(sentIds).size).toBe(sentIds.length);
    await outbox.close();
  });

  it('after a kill in the middle of traffic, every durably queued reply is there and none is sent twice', async () => {
    const dir = tempDir('outbox-storm-');
    const child = runChild(dir, 'storm');
    await child.waitFor((l) => l.filter((x) => x.enqueued).length >= 150);
    await child.kill();
    const enqueued = child.lines.filter((x) => x.enqueued).map((x) => x.enqueued as string);

    const link = new FakeLink();
    link.autoAck = true;
    const outbox = await Outbox.open({ dir, link, keepFinished: 100_000 });
    const known = new Map(outbox.list().map((e) => [e.id, e]));
    for (const id of enqueued) expect(known.has(id)).toBe(true);
    const pending = [...known.values()].filter((e) => e.state === 'queued').map((e) => e.id);
    expect(pending.length).toBeGreaterThan(0);
    link.connect();
    await until(() => pending.every((id) => outbox.get(id)?.state === 'sent'), 'pending sent', 5_000_000);
    await settle();
    const sentIds = link.sends.map((s) => s.messageId);
    expect([...sentIds].sort()).toEqual([...pending].sort());
    await outbox.close();
  });
});
