/**
 * The connection policy through the whole core (createCoreService), not just the controller
 * (test/core/connection/controller.test.ts covers the controller alone):
 *
 * - a 440 storm — every connection answered with `conflict replaced` — costs exactly one
 *   connection: the core stops in `conflict`, says so in plain words, keeps what it holds and
 *   does not retry; "Use here" makes exactly one more attempt; a restart makes exactly one;
 * - a 401 (the phone unlinked this computer) wipes the session but not the settings or the logs,
 *   and shows a NEW QR at once; scanning it links again and replies flow.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FakeWaServer } from '../fake-wa/index.js';
import type { Core } from '../../main/core/app/create-core.js';
import { tempDir } from '../support/temp-dir.js';
import { recordStates, startFakeWa, waitForState } from '../support/wa-harness.js';
import { until } from '../support/poll.js';
import { echoRule, expectDeliveredOnce, pairCore, say, startCore, useRules, waitForReply } from '../support/core-harness.js';

let server: FakeWaServer;
const cores: Core[] = [];

beforeEach(async () => {
  vi.spyOn(console, 'info').mockImplementation(() => undefined);
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  server = await startFakeWa();
});

afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  await server.close();
  vi.restoreAllMocks();
});

async function pairedCore(dir = tempDir('conflict-')): Promise<{ core: Core; dir: string }> {
  const core = await startCore(server, dir);
  cores.push(core);
  await pairCore(server, core);
  await useRules(core, [echoRule()]);
  return { core, dir };
}

/** Connections the server has seen so far (every attempt, whatever became of it). */
const connectionCount = () => server.record.connections.length;
const quiet = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('440 storm through the whole core', () => {
  it('one connection, then stop: no retry, a plain message, replies kept; "Use here" tries exactly once', async () => {
    const { core } = await pairedCore();
    const ann = server.createContact({ name: 'Ann' });
    await say(ann, server.defaultAccount, 'before the storm');
    const first = await waitForReply(core, (r) => r.status === 'sent');

    server.faults.conflictOnEveryConnection(true);
    const before = connectionCount();
    server.faults.conflict('replaced');
    await waitForState(core.controller, 'conflict');
    await quiet(800);
    expect(connectionCount(), 'no reconnect after a 440').toBe(before);
    const snap = await core.handle('getSnapshot', undefined);
    expect(snap).toMatchObject({ ok: true, value: { state: { kind: 'conflict' }, stateText: expect.stringMatching(/open elsewhere/i) } });
    // The reconnect history says what happened, in words, once.
    const history = await core.handle('getHistory', undefined);
    if (!history.ok) throw new Error('getHistory failed');
    const drop = history.value.entries[0]!;
    expect(drop).toMatchObject({ state: 'conflict', code: 440 });
    expect(history.value.countsByCause[drop.cause!]).toBe(1);
    expect(history.value.causeMeanings[drop.cause!]).toMatch(/elsewhere/i);
    // The reply log is kept.
    expect(core.replyLog.get(first.id)?.status).toBe('sent');

    // "Use here": exactly one more connection, which gets the conflict again: back to asking.
    expect(await core.handle('useHere', undefined)).toEqual({ ok: true, value: null });
    await until(() => connectionCount() === before + 1, 5_000, 'the use-here connection');
    await waitForState(core.controller, 'conflict');
    await quiet(800);
    expect(connectionCount(), 'use here tries once').toBe(before + 1);
    // Commands that make no sense now are refused in words, not obeyed.
    expect(await core.handle('requestQr', undefined)).toMatchObject({ ok: false, error: { kind: 'not-allowed-now' } });

    // The storm ends; "Use here" links again and replies flow.
    server.faults.conflictOnEveryConnection(false);
    expect((await core.handle('useHere', undefined)).ok).toBe(true);
    await waitForState(core.controller, 'open');
    // (A new contact: Ann's chat is in the rule's cooldown.)
    const cid = server.createContact({ name: 'Cid' });
    await say(cid, server.defaultAccount, 'after the storm');
    const again = await waitForReply(core, (r) => r.status === 'sent' && r.id !== first.id, 15_000);
    expectDeliveredOnce(server, cid, again.id, 'Re: after the storm');
  });

  it('a core started into the storm makes exactly one connection, twice in a row', async () => {
    const { core, dir } = await pairedCore();
    await core.close();
    cores.splice(cores.indexOf(core), 1);
    server.faults.conflictOnEveryConnection(true);
    for (let i = 0; i < 2; i++) {
      const before = connectionCount();
      const again = await startCore(server, dir);
      cores.push(again);
      await waitForState(again.controller, 'conflict');
      await quiet(800);
      expect(connectionCount(), `start ${i + 1}`).toBe(before + 1);
      await again.close();
      cores.splice(cores.indexOf(again), 1);
    }
  });
});

describe('401 through the whole core', () => {
  it('wipes the session (not settings, not logs) and shows a new QR at once; scanning it links again', async () => {
    const { core } = await pairedCore();
    const bea = server.createContact({ name: 'Bea' });
    await say(bea, server.defaultAccount, 'before the unlink');
    const before = await waitForReply(core, (r) => r.status === 'sent');
    const firstQr = server.record.connections.length;
    const states = recordStates(core.controller);

    // The phone removes this computer from its linked devices: the live link gets a 401.
    server.unlinkDevice(server.defaultAccount);
    const qr = await waitForState(core.controller, 'awaiting-qr');
    expect(states).toContain('logged-out');
    expect(states).not.toContain('reconnecting');
    expect(core.controller.session?.hasSession()).toBe(false);
    expect(core.controller.account()).toBeUndefined();
    expect(server.record.connections.length).toBeGreaterThan(firstQr);
    // Settings, rules and the reply log survive the wipe.
    expect(await core.handle('getRules', undefined)).toMatchObject({ ok: true, value: { rules: [{ id: 'echo' }] } });
    expect(core.snapshot().autoReply.enabled).toBe(true);
    expect(core.replyLog.get(before.id)?.status).toBe('sent');
    const history = await core.handle('getHistory', undefined);
    expect(history.ok && history.value.entries.some((e) => e.state === 'logged-out' && e.code === 401)).toBe(true);

    // A new QR, from a new registration (the old link is gone for good).
    await server.scanQr(qr.qr, server.defaultAccount);
    await waitForState(core.controller, 'open');
    const dan = server.createContact({ name: 'Dan' });
    await say(dan, server.defaultAccount, 'after the relink');
    const after = await waitForReply(core, (r) => r.status === 'sent' && r.id !== before.id, 15_000);
    expectDeliveredOnce(server, dan, after.id, 'Re: after the relink');
  });

  it('a 401 at login (unlinked while the app was closed) also lands on a fresh QR, not a loop', async () => {
    const { core, dir } = await pairedCore();
    await core.close();
    cores.splice(cores.indexOf(core), 1);
    server.unlinkDevice(server.defaultAccount);
    const again = await startCore(server, dir);
    cores.push(again);
    const qr = await waitForState(again.controller, 'awaiting-qr');
    expect(again.controller.session?.hasSession()).toBe(false);
    const count = connectionCount();
    await quiet(1_000);
    // Waiting for a scan: the QR connection only, no retries of the dead session.
    expect(connectionCount()).toBe(count);
    await server.scanQr(qr.qr, server.defaultAccount);
    await waitForState(again.controller, 'open');
  });
});
