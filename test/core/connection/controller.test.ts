/**
 * The connection policy, end to end: our controller driving the real Baileys client against the
 * fake WhatsApp server. Counts come from the server's own record of connections.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeWaServer } from '../../fake-wa/index.js';
import type { ConnectionController } from '../../../main/core/connection/controller.js';
import { SessionLockedError } from '../../../main/core/connection/session-lock.js';
import { ReconnectHistory } from '../../../main/core/history/reconnect-history.js';
import { ManualScheduler } from '../../support/manual-scheduler.js';
import { tempDir } from '../../support/temp-dir.js';
import { createController, pairNew, recordStates, startFakeWa, waitForState } from '../../support/wa-harness.js';
import { until } from '../../support/poll.js';
import { deferred } from '../../../main/core/util/deferred.js';

let server: FakeWaServer;
const controllers: ConnectionController[] = [];

beforeEach(async () => {
  server = await startFakeWa({ refs: 3 });
});

afterEach(async () => {
  for (const c of controllers.splice(0)) await c.close();
  await server.close();
});

function track<T extends ConnectionController>(c: T): T {
  controllers.push(c);
  return c;
}

/** Pair a controller on a fresh folder and return it (tracked for cleanup). */
async function paired(options: Parameters<typeof pairNew>[2] = {}) {
  const dir = tempDir();
  const controller = track(await pairNew(server, dir, options));
  return { dir, controller };
}

const connectionCount = () => server.record.connections.filter((c) => c.kind !== 'refused').length;

describe('pairing and login', () => {
  it('pairs by QR, restarts on 515 without counting a failure, and opens', async () => {
    const dir = tempDir();
    const history = await ReconnectHistory.open(path.join(dir, 'history.log'));
    const controller = track(await createController(server, path.join(dir, 'session'), { history }));
    const states = recordStates(controller);
    const qr = waitForState(controller, 'awaiting-qr');
    controller.start();
    const shown = await qr;
    expect(shown.qr).toMatch(/^https:\/\/wa\.me\/settings\/linked_devices#|^[^,]+,[^,]+,[^,]+,[^,]+/);
    const started = Date.now();
    await server.scanQr(shown.qr);
    const open = await waitForState(controller, 'open');
    const pairToOpenMs = Date.now() - started;
    expect(open.account.phoneJid).toBe(server.defaultAccount.phoneJid);
    expect(open.account.lid).toBe(server.defaultAccount.lid);
    expect(controller.account()).toEqual(open.account);
    // 515 is not a failure: no reconnecting state, no backoff wait.
    expect(states).not.toContain('reconnecting');
    expect(states.slice(0, 3)).toEqual(['connecting', 'awaiting-qr', 'connecting']);
    const closes = history.list().filter((e) => e.cause === 'restart-required');
    expect(closes).toHaveLength(1);
    expect(history.list()[0]).toMatchObject({ state: 'open', recoveredBy: 'restart' });
    // Pair + login well under a second on the fake server.
    expect(pairToOpenMs).toBeLessThan(5_000);
    await history.close();
  });

  it('a new controller on the same folder opens without a QR', async () => {
    const { dir, controller } = await paired();
    await controller.close();
    controllers.length = 0;
    const again = track(await createController(server, dir));
    const states = recordStates(again);
    again.start();
    await waitForState(again, 'open');
    expect(states).not.toContain('awaiting-qr');
    expect(again.account()?.phoneJid).toBe(server.defaultAccount.phoneJid);
  });

  it('rotates the QR and stops at "expired" when the refs run out, until requestQr()', async () => {
    const controller = track(
      await createController(server, tempDir(), { socketConfig: { qrTimeout: 150 } }),
    );
    const qrs: string[] = [];
    controller.on('state', (s) => s.kind === 'awaiting-qr' && qrs.push(s.qr));
    controller.start();
    await waitForState(controller, 'qr-expired');
    expect(qrs).toHaveLength(3);
    expect(new Set(qrs).size).toBe(3);
    const before = connectionCount();
    // No spinning while expired.
    await new Promise((r) => setTimeout(r, 300));
    expect(connectionCount()).toBe(before);
    const expired = [...qrs];
    controller.requestQr();
    const fresh = await waitForState(controller, 'awaiting-qr');
    expect(expired).not.toContain(fresh.qr);
    await server.scanQr(fresh.qr);
    await waitForState(controller, 'open');
  });
});

describe('the close policy, counted on the server', () => {
  it('440 conflict: stops with exactly one connection; useHere reconnects once', async () => {
    const { controller } = await paired();
    const before = connectionCount();
    server.faults.conflictOnEveryConnection(true);
    server.faults.conflict('replaced');
    await waitForState(controller, 'conflict');
    await new Promise((r) => setTimeout(r, 500));
    expect(connectionCount()).toBe(before);
    // Use here: one reconnect; the server still says conflict: back to the prompt, no loop.
    controller.useHere();
    await until(() => connectionCount() === before + 1, 5_000, 'one use-here connection');
    await waitForState(controller, 'conflict');
    await new Promise((r) => setTimeout(r, 500));
    expect(connectionCount()).toBe(before + 1);
    server.faults.conflictOnEveryConnection(false);
    controller.useHere();
    await waitForState(controller, 'open');
  });

  it('a server that answers every connection with conflict sees exactly one connection', async () => {
    const { dir, controller } = await paired();
    await controller.close();
    controllers.length = 0;
    server.faults.conflictOnEveryConnection(true);
    const before = connectionCount();
    const again = track(await createController(server, dir));
    again.start();
    await waitForState(again, 'conflict');
    await new Promise((r) => setTimeout(r, 500));
    expect(connectionCount()).toBe(before + 1);
  });

  it('device_removed (440 without code) is a logout: session wiped, fresh QR, empty key store', async () => {
    const { dir, controller } = await paired();
    const accountChanges: unknown[] = [];
    controller.on('account-changed', (e) => accountChanges.push(e));
    const states = recordStates(controller);
    server.faults.conflict('device_removed');
    const qr = await waitForState(controller, 'awaiting-qr');
    expect(qr.qr.length).toBeGreaterThan(20);
    expect(states).toContain('logged-out');
    expect(states).not.toContain('conflict');
    expect(controller.account()).toBeUndefined();
    expect(accountChanges).toHaveLength(1);
    expect(controller.session?.hasSession()).toBe(false);
    // The key store holds no pre-keys, sessions or identities of the old link.
    const keys = controller.session!.state.keys;
    const prekeys = await keys.get('pre-key', ['1', '2', '3']);
    expect(Object.values(prekeys).filter(Boolean)).toHaveLength(0);
    expect(existsSync(dir)).toBe(true);
  });

  it('401 failure: wipes the session and shows a new QR', async () => {
    const { controller } = await paired();
    server.faults.failure(401);
    await waitForState(controller, 'awaiting-qr');
    expect(controller.session?.hasSession()).toBe(false);
  });

  it('a 401 during pairing gives one fresh QR, then waits for the person; both said plainly in the history', async () => {
    const dir = tempDir();
    const history = await ReconnectHistory.open(path.join(dir, 'history.log'));
    const controller = track(await createController(server, path.join(dir, 'session'), { history }));
    const states = recordStates(controller);
    const first = waitForState(controller, 'awaiting-qr');
    controller.start();
    const qr1 = await first;
    expect(server.faults.failure(401)).toBe(1);
    // One fresh attempt: a new QR.
    await until(() => controller.state.kind === 'awaiting-qr' && controller.state.qr !== qr1.qr, 10_000, 'a fresh QR');
    const before = connectionCount();
    expect(server.faults.failure(401)).toBe(1);
    const waiting = await waitForState(controller, 'needs-relink');
    expect(waiting.reason).toMatch(/refused/);
    // It waits: no more connections on its own.
    await new Promise((r) => setTimeout(r, 500));
    expect(connectionCount()).toBe(before);
    expect(states.filter((k) => k === 'logged-out')).toHaveLength(1);
    const words = history.list().map((e) => e.meaning);
    expect(words).toContain('WhatsApp logged this computer out');
    expect(words.some((m) => /refused the new link twice/.test(m))).toBe(true);
    // The person asks again: pairing works.
    const qr = waitForState(controller, 'awaiting-qr');
    await controller.relink();
    await server.scanQr((await qr).qr);
    await waitForState(controller, 'open');
    await history.close();
  });

  it('a server that keeps answering 515 falls back to the normal backoff, said plainly in the history', async () => {
    const scheduler = new ManualScheduler();
    const dir = tempDir();
    const history = await ReconnectHistory.open(path.join(dir, 'history.log'));
    const { controller } = await paired({ scheduler, now: () => scheduler.now, backoff: { random: () => 1 }, history });
    const restartAgain = controller.on('state', (s) => {
      if (s.kind === 'open') server.faults.streamError(515);
    });
    server.faults.streamError(515);
    await waitForState(controller, 'reconnecting');
    restartAgain();
    const state = controller.state as Extract<typeof controller.state, { kind: 'reconnecting' }>;
    expect(state.cause).toBe('repeated-restart');
    expect(state.delayMs).toBe(1_000);
    expect(scheduler.pending.size).toBe(1);
    // The pairing's restart and two more went at once; the fourth within the minute waits.
    const restarts = history.list().filter((e) => e.code === 515);
    expect(restarts.map((e) => e.cause).reverse()).toEqual(['restart-required', 'restart-required', 'restart-required', 'repeated-restart']);
    expect(restarts[0]!.meaning).toMatch(/again and again/);
    scheduler.fire();
    await waitForState(controller, 'open');
    await history.close();
  });

  it('403 stops with no retry', async () => {
    const { controller } = await paired();
    const before = connectionCount();
    server.faults.failure(403);
    await waitForState(controller, 'forbidden');
    await new Promise((r) => setTimeout(r, 500));
    expect(connectionCount()).toBe(before);
  });

  it('515 on an open link reconnects at once, not counted as a failure', async () => {
    const { controller } = await paired();
    const states = recordStates(controller);
    const before = connectionCount();
    server.faults.streamError(515);
    await until(() => connectionCount() === before + 1, 5_000, 'reconnect');
    await waitForState(controller, 'open');
    expect(states).not.toContain('reconnecting');
  });

  it('a 428 storm follows the capped backoff schedule', async () => {
    const scheduler = new ManualScheduler();
    const { controller } = await paired({
      scheduler,
      now: () => scheduler.now,
      backoff: { random: () => 1 },
    });
    server.faults.refuseConnections({ forMs: 60 * 60_000 });
    server.faults.closeSocket();
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      await until(() => scheduler.pending.size === 1, 10_000, `backoff wait ${i + 1}`);
      expect(controller.state.kind).toBe('reconnecting');
      delays.push(scheduler.fire());
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
    // Exactly one connection attempt per backoff wait: no extra loop.
    await until(() => server.record.connections.filter((c) => c.kind === 'refused').length === 8, 5_000, '8 refusals');
    await new Promise((r) => setTimeout(r, 200));
    expect(server.record.connections.filter((c) => c.kind === 'refused')).toHaveLength(8);
    server.faults.refuseConnections({ forMs: 0 });
    await until(() => scheduler.pending.size === 1, 10_000, 'last wait');
    scheduler.fire();
    await waitForState(controller, 'open');
  });

  it('a flapping link (opens, then drops at once) cannot reconnect faster than the backoff', async () => {
    const scheduler = new ManualScheduler();
    const { controller } = await paired({
      scheduler,
      now: () => scheduler.now,
      backoff: { random: () => 1, healthyAfterMs: 60_000 },
    });
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      server.faults.closeSocket();
      await until(() => scheduler.pending.size === 1, 10_000, `backoff wait ${i + 1}`);
      delays.push(scheduler.fire());
      await waitForState(controller, 'open');
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000]);
    // Healthy for a minute: the schedule starts over.
    scheduler.now += 60_000;
    server.faults.closeSocket();
    await until(() => scheduler.pending.size === 1, 10_000, 'wait after a healthy minute');
    expect(scheduler.fire()).toBe(1000);
    await waitForState(controller, 'open');
  });

  it('reconnectNow() cuts a backoff wait short', async () => {
    const scheduler = new ManualScheduler();
    const { controller } = await paired({ scheduler, now: () => scheduler.now });
    server.faults.closeSocket();
    await waitForState(controller, 'reconnecting');
    expect(scheduler.pending.size).toBe(1);
    controller.reconnectNow('resume');
    expect(scheduler.pending.size).toBe(0);
    await waitForState(controller, 'open');
  });

  it('a silent link is detected and replaced', async () => {
    const { controller } = await paired({
      socketConfig: { keepAliveIntervalMs: 5_000 },
      silentAfterMs: 600,
      backoff: { baseMs: 50, random: () => 1 },
    });
    const closed: string[] = [];
    controller.on('closed', (e) => closed.push(e.cause));
    const before = connectionCount();
    server.faults.goSilent(true);
    await waitForState(controller, 'reconnecting');
    server.faults.goSilent(false);
    await waitForState(controller, 'open');
    expect(closed).toContain('silent-link');
    expect(connectionCount()).toBe(before + 1);
  });

  it('the watchdog leaves a healthy idle link alone (keep-alives answered, no messages) and replaces a silent one', async () => {
    // The default limit: twice the keep-alive interval, checked every half of it.
    const keepAliveIntervalMs = 200;
    const { controller } = await paired({
      socketConfig: { keepAliveIntervalMs },
      backoff: { baseMs: 50, random: () => 1 },
    });
    const closed: string[] = [];
    controller.on('closed', (e) => closed.push(e.cause));
    const socket = controller.currentSocket()!.id;
    const before = connectionCount();
    const pings = () => server.record.framesIn('iq', 'ping').length;
    const pingsBefore = pings();
    // Idle for six watchdog limits (a dozen checks): only keep-alives cross the link.
    await new Promise((r) => setTimeout(r, 6 * 2 * keepAliveIntervalMs));
    expect(pings() - pingsBefore).toBeGreaterThanOrEqual(6);
    expect(closed).toEqual([]);
    expect(controller.currentSocket()?.id).toBe(socket);
    expect(connectionCount()).toBe(before);

    // The server stops answering anything, keep-alives included: replaced.
    server.faults.goSilent(true);
    await waitForState(controller, 'reconnecting', 5_000);
    expect(closed).toEqual(['silent-link']);
    server.faults.goSilent(false);
    await waitForState(controller, 'open');
    expect(controller.currentSocket()!.id).toBeGreaterThan(socket);
  });

  it('three bad-session closes in a row ask the person to relink', async () => {
    const { controller } = await paired({ backoff: { baseMs: 10, random: () => 1 } });
    for (let i = 0; i < 3; i++) {
      await waitForState(controller, 'open');
      server.faults.streamError(500);
      if (i < 2) await waitForState(controller, 'reconnecting');
    }
    const s = await waitForState(controller, 'needs-relink');
    expect(s.reason).toMatch(/bad session/);
  });
});

describe('the login gate (loginAfter)', () => {
  const logins = () => server.record.connections.filter((c) => c.kind === 'login').length;

  it('a linked session does not log in before the gate opens, then logs in once', async () => {
    const { dir, controller } = await paired();
    await controller.close();
    controllers.length = 0;
    const before = logins();
    const gate = deferred<void>();
    const again = track(await createController(server, dir, { loginAfter: gate.promise }));
    again.start();
    expect(again.state.kind).toBe('connecting');
    // Longer than a login takes here.
    await new Promise((r) => setTimeout(r, 300));
    expect(logins()).toBe(before);
    expect(again.state.kind).toBe('connecting');
    gate.resolve();
    await waitForState(again, 'open');
    expect(logins()).toBe(before + 1);
  });

  it('stopped while waiting at the gate: no connection when it opens', async () => {
    const { dir, controller } = await paired();
    await controller.close();
    controllers.length = 0;
    const connections = connectionCount();
    const gate = deferred<void>();
    const again = track(await createController(server, dir, { loginAfter: gate.promise }));
    again.start();
    again.stop();
    gate.resolve();
    await gate.promise;
    await new Promise((r) => setTimeout(r, 300));
    expect(again.state.kind).toBe('stopped');
    expect(connectionCount()).toBe(connections);
    // Started again after the gate opened: it connects at once.
    again.start();
    await waitForState(again, 'open');
  });

  it('pairing does not wait for the gate', async () => {
    const gate = deferred<void>();
    const controller = track(await createController(server, tempDir(), { loginAfter: gate.promise }));
    const qr = waitForState(controller, 'awaiting-qr');
    controller.start();
    await server.scanQr((await qr).qr);
    // Paired; the login after the 515 waits for the gate.
    await until(() => server.record.connections.some((c) => c.closedReason === 'stream:error 515'), 10_000, 'the 515 after pairing');
    await new Promise((r) => setTimeout(r, 300));
    expect(logins()).toBe(0);
    gate.resolve();
    await waitForState(controller, 'open');
    expect(logins()).toBe(1);
  });
});

describe('one live socket, one shared ready signal', () => {
  it('whenReady() is one promise per outage, resolved on open with the live socket', async () => {
    const { controller } = await paired({ backoff: { baseMs: 20, random: () => 1 } });
    const first = await controller.whenReady();
    expect(controller.currentSocket()?.id).toBe(first.id);
    server.faults.closeSocket();
    await waitForState(controller, 'reconnecting');
    expect(controller.currentSocket()).toBeUndefined();
    const waiters = Array.from({ length: 500 }, () => controller.whenReady());
    expect(new Set(waiters).size).toBe(1);
    const count = controller.readyPromiseCount;
    const live = await waiters[0]!;
    expect(live.id).toBeGreaterThan(first.id);
    expect(controller.currentSocket()?.id).toBe(live.id);
    expect(controller.readyPromiseCount).toBe(count);
  });

  it('ignores late events from a replaced socket', async () => {
    const { controller } = await paired();
    const old = controller.currentSocket()!;
    server.faults.streamError(515);
    await until(() => (controller.currentSocket()?.id ?? 0) > old.id, 5_000, 'the replacement socket to open');
    const states = recordStates(controller);
    // A close emitted by the old socket object now must change nothing.
    old.sock.ev.emit('connection.update', { connection: 'close', lastDisconnect: { error: new Error('late'), date: new Date() } });
    await new Promise((r) => setTimeout(r, 50));
    expect(states).toEqual([]);
    expect(controller.state.kind).toBe('open');
  });
});

describe('the session folder', () => {
  it('a second controller on the same folder is refused with a typed error', async () => {
    const { dir } = await paired();
    const err = await createController(server, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SessionLockedError);
  });

  it('relink() pairs afresh and keeps files other than the session', async () => {
    const { dir, controller } = await paired();
    const other = server.createAccount({ name: 'Other' });
    const changes: Array<{ previous?: { phoneJid: string }; current?: { phoneJid: string } }> = [];
    controller.on('account-changed', (e) => changes.push(e));
    const qr = waitForState(controller, 'awaiting-qr');
    await controller.relink();
    await server.scanQr((await qr).qr, other);
    const open = await waitForState(controller, 'open');
    expect(open.account.phoneJid).toBe(other.phoneJid);
    expect(changes.at(-1)?.current?.phoneJid).toBe(other.phoneJid);
    expect(readdirSync(dir).length).toBeGreaterThan(0);
  });
});
