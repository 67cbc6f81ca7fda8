/**
 * The shared commit across a real crash: a child process answers an inbound storm with the reply
 * pipeline and its stores on one commit log — a decision, its seen mark and its queued reply
 * written as one transaction, concurrent decisions sharing writes, the log compacting every few
 * hundred records — and is SIGKILLed at some point of that. Reopened on the same folder, with
 * every message the child was given delivered again (as the server would after a crash):
 *
 * - everything the child reported durable is there: the same reply id for the same message;
 * - no message has two reply-log entries, and every outbox entry has its reply-log entry;
 * - in the end every message is answered exactly once: one reply id per message across what the
 *   child wrote and what the restarted stack writes, with the right text.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../support/temp-dir.js';
import { FakeLink } from '../outbox/fake-link.js';
import { until } from '../outbox/helpers.js';
import { inbound, openStack, StubEngine } from './harness.js';
import { replyText } from './fixtures/commit-crash-load.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'commit-crash-child.ts');

type Line =
  | { ready: true }
  | { given: string; id: string; chat: string; text: string }
  | { handled: string; kind: string; replyId?: string }
  | { sent: string; text: string };

async function runAndKill(dir: string, killAfterHandled: number): Promise<Line[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, REPLYLINE_LOG_LEVEL: 'silent' },
  });
  const lines: Line[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  // 'close' comes once the child's stdout has ended too: lines it wrote before the kill can still
  // be in the pipe after 'exit' (a reply it handed out, read late, looked like a double send).
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  createInterface({ input: child.stdout }).on('line', (l) => lines.push(JSON.parse(l) as Line));
  try {
    await until(() => gone || lines.filter((l) => 'handled' in l).length >= killAfterHandled, 'the child', 5_000_000);
    if (gone) throw new Error(`child exited early: ${stderr}`);
  } finally {
    child.kill('SIGKILL');
    await closed;
  }
  return lines;
}

describe('the shared commit across a SIGKILL in the middle of an inbound storm', () => {
  it.each([150, 330, 520])('killed after %i handled messages: nothing durable lost, every message answered exactly once', async (killAt) => {
    const dir = tempDir('commit-crash-');
    const lines = await runAndKill(dir, killAt);
    const given = lines.filter((l): l is Extract<Line, { given: string }> => 'given' in l);
    const handled = lines.filter((l): l is Extract<Line, { handled: string }> => 'handled' in l);
    const childSends = lines.filter((l): l is Extract<Line, { sent: string }> => 'sent' in l);
    expect(handled.length).toBeGreaterThanOrEqual(killAt);
    expect(handled.every((h) => h.kind === 'queued')).toBe(true);

    const link = new FakeLink();
    const engine = new StubEngine();
    engine.instant = (d) => (d.inbound.text.endsWith('slow') ? undefined : { ok: true, text: replyText(d.inbound.text) });
    engine.render = async (d) => ({ ok: true, text: replyText(d.inbound.text) });
    const s = await openStack(dir, { link, engine, layout: 'shared commit log' });
    try {
      // Durable before the kill: still there, with the same reply id.
      for (const h of handled) expect(s.replyLog.findByInbound(h.handled)?.id, h.handled).toBe(h.replyId);
      // At most one reply-log entry per message; each outbox entry has its reply-log entry.
      const entries = s.replyLog.query({});
      const perInbound = new Map<string, number>();
      for (const e of entries) perInbound.set(e.inboundKey, (perInbound.get(e.inboundKey) ?? 0) + 1);
      expect([...perInbound.values()].filter((n) => n > 1)).toEqual([]);
      for (const o of s.outbox.list()) expect(s.replyLog.has(o.id), o.id).toBe(true);

      // The server delivers everything again; the link comes back.
      const outcomes = await Promise.all(given.map((g) => s.pipeline.handle(inbound({ id: g.id, text: g.text }, g.chat))));
      for (const [i, h] of handled.entries()) {
        const at = given.findIndex((g) => g.given === h.handled);
        expect(outcomes[at]!.kind, `${h.handled} (#${i})`).toBe('duplicate');
      }
      link.autoAck = true;
      link.connect();
      await s.pipeline.idle();
      await until(() => s.outbox.list().every((e) => e.state === 'sent'), 'every reply sent', 5_000_000);

      // Every message answered exactly once: one reply id per message, before and after the kill.
      const idsByText = new Map<string, Set<string>>();
      for (const w of [...childSends.map((c) => ({ id: c.sent, text: c.text })), ...link.sends.map((c) => ({ id: c.messageId, text: c.text }))]) {
        let ids = idsByText.get(w.text);
        if (!ids) idsByText.set(w.text, (ids = new Set()));
        ids.add(w.id);
      }
      for (const g of given) {
        const entry = s.replyLog.findByInbound(g.given);
        expect(entry, g.given).toMatchObject({ status: 'sent', text: replyText(g.text) });
        expect([...(idsByText.get(replyText(g.text)) ?? [])], g.given).toEqual([entry!.id]);
      }
      expect(idsByText.size).toBe(given.length);
    } finally {
      await s.close();
    }
  }, 60_000);
});
