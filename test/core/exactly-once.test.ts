/**
 * The product promise, end to end: a reply Replyline decided to send reaches the contact exactly
 * once, or the reply log says why not. The whole core (createCoreService) drives the real Baileys
 * client against the fake WhatsApp server; the contacts decrypt what arrives and the server's
 * record counts every copy.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeWaServer } from '../fake-wa/index.js';
import type { Core } from '../../main/core/app/create-core.js';
import { tempDir } from '../support/temp-dir.js';
import { startFakeWa, waitForState } from '../support/wa-harness.js';
import { until } from '../support/poll.js';
import {
  echoRule,
  expectDeliveredOnce,
  pairCore,
  replies,
  say,
  startCore,
  startHeldWebhook,
  useRules,
  waitForReply,
} from '../support/core-harness.js';

let server: FakeWaServer;
const cores: Core[] = [];
const cleanups: Array<() => Promise<void>> = [];

beforeEach(async () => {
  server = await startFakeWa();
});

afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  for (const f of cleanups.splice(0)) await f();
  await server.close();
});

async function pairedCore(options: Parameters<typeof startCore>[2] = {}, dir = tempDir()) {
  const core = await startCore(server, dir, options);
  cores.push(core);
  await pairCore(server, core);
  return { core, dir };
}

async function heldWebhook() {
  const hook = await startHeldWebhook();
  cleanups.push(hook.close);
  return hook;
}

const webhookRule = (url: string) => echoRule({ id: 'slow', name: 'Slow', reply: { type: 'webhook', url, timeoutMs: 60_000 } });

describe('seed scenarios', () => {
  it('a reply whose generation starts on socket A is delivered once on socket B after a reconnect', async () => {
    const hook = await heldWebhook();
    const { core } = await pairedCore();
    await useRules(core, [webhookRule(hook.url)]);
    const alice = server.createContact({ name: 'Alice' });
    const socketA = core.controller.currentSocket()!.id;
    await say(alice, server.defaultAccount, 'question one');
    await until(() => hook.waiting() === 1, 10_000, 'the responder to be called');

    server.faults.closeSocket();
    await until(() => (core.controller.currentSocket()?.id ?? 0) > socketA, 10_000, 'socket B');
    const connectionB = server.record.connections.at(-1)!.id;
    hook.release();

    const reply = await waitForReply(core, (r) => r.status === 'sent');
    expect(reply.text).toBe('Slow: question one');
    expectDeliveredOnce(server, alice, reply.id, 'Slow: question one');
    expect(server.record.messagesWithId(reply.id)[0]!.connectionId).toBe(connectionB);
  });

  it('a reply finished during the reconnect gap goes out as soon as the link opens', async () => {
    const hook = await heldWebhook();
    const { core } = await pairedCore();
    await useRules(core, [webhookRule(hook.url)]);
    const bob = server.createContact({ name: 'Bob' });
    await say(bob, server.defaultAccount, 'are you there');
    await until(() => hook.waiting() === 1, 10_000, 'the responder to be called');

    server.faults.refuseConnections({ forMs: 60_000 });
    server.faults.closeSocket();
    await waitForState(core.controller, 'reconnecting');
    hook.release();
    const queued = await waitForReply(core, (r) => r.status === 'queued');
    expect(server.record.messagesWithId(queued.id)).toHaveLength(0);

    server.faults.refuseConnections({ forMs: 0 });
    core.reconnectNow('network');
    const sent = await waitForReply(core, (r) => r.id === queued.id && r.status === 'sent');
    expectDeliveredOnce(server, bob, sent.id, 'Slow: are you there');
  });

  it('a send whose ack is withheld is retried with the same id on the same socket', async () => {
    const { core } = await pairedCore({ outbox: { ackTimeoutMs: 400 } });
    await useRules(core, [echoRule()]);
    const carol = server.createContact({ name: 'Carol' });
    server.faults.withholdAcks(true);
    const socketBefore = core.controller.currentSocket()!.id;
    await say(carol, server.defaultAccount, 'please ack me');
    const pending = await waitForReply(core, (r) => r.status === 'sending');
    await until(() => server.record.clientMessages.filter((m) => m.id === pending.id).length >= 2, 10_000, 'a retry');
    const copies = server.record.clientMessages.filter((m) => m.id === pending.id);
    expect(new Set(copies.map((c) => c.connectionId)).size).toBe(1);
    expect(core.controller.currentSocket()!.id).toBe(socketBefore);

    server.faults.withholdAcks(false);
    const sent = await waitForReply(core, (r) => r.id === pending.id && r.status === 'sent');
    expect(sent.attempts).toBeGreaterThanOrEqual(2);
    expectDeliveredOnce(server, carol, sent.id, 'Re: please ack me');
  });

  it('a socket dropped between send and ack: resent with the same id, delivered once', async () => {
    const { core } = await pairedCore();
    await useRules(core, [echoRule()]);
    const dan = server.createContact({ name: 'Dan' });
    server.faults.dropAfterNextMessage();
    await say(dan, server.defaultAccount, 'drop after me');
    const sent = await waitForReply(core, (r) => r.status === 'sent');
    const copies = server.record.clientMessages.filter((m) => m.id === sent.id);
    expect(copies.length).toBeGreaterThanOrEqual(2);
    expect(new Set(copies.map((c) => c.connectionId)).size).toBeGreaterThanOrEqual(2);
    expectDeliveredOnce(server, dan, sent.id, 'Re: drop after me');
  });

  it('a reply the contact cannot decrypt at first: it asks again, gets the same id once, and the log stays sent', async () => {
    const { core } = await pairedCore();
    await useRules(core, [echoRule()]);
    const eve = server.createContact({ name: 'Eve' });
    server.faults.corruptClientCopies(1, { to: eve.phoneJid });
    await say(eve, server.defaultAccount, 'scramble the first copy');
    await until(() => eve.received.length === 1, 10_000, 'the resend to be decrypted');
    const [reply, ...others] = await replies(core);
    expect(others).toEqual([]);
    expect(reply!.status).toBe('sent');
    expect(reply!.statusHistory.map((h) => h.status)).not.toContain('failed');
    expect(server.record.retryRequests).toMatchObject([{ id: reply!.id, to: eve.phoneJid, count: 1 }]);
    expect(server.record.decryptErrors.map((e) => e.id)).toEqual([reply!.id]);
    // Two stanzas with the reply's id (the first send and the answer to the retry), one copy read.
    expect(server.record.clientMessages.filter((m) => m.id === reply!.id)).toHaveLength(2);
    expectDeliveredOnce(server, eve, reply!.id, 'Re: scramble the first copy');
    expect(eve.texts()).toEqual(['Re: scramble the first copy']);
  });

  it('a contact asks again long after: the reply has left the outbox and the socket was replaced, and it still goes out once', async () => {
    // No finished entries kept: the outbox forgets the reply as soon as it is acked.
    const { core } = await pairedCore({ outbox: { keepFinished: 0 } });
    await useRules(core, [echoRule()]);
    const fay = server.createContact({ name: 'Fay' });
    server.faults.corruptClientCopies(1, { to: fay.phoneJid });
    server.faults.holdRetryRequests(true);
    await say(fay, server.defaultAccount, 'ask me later');
    const sent = await waitForReply(core, (r) => r.status === 'sent');
    await until(() => core.outbox.get(sent.id) === undefined, 10_000, 'the outbox to forget the reply');
    expect(server.record.retryRequests).toMatchObject([{ id: sent.id, to: fay.phoneJid, count: 1 }]);
    expect(fay.received).toEqual([]);

    const socketA = core.controller.currentSocket()!.id;
    server.faults.closeSocket();
    await until(() => (core.controller.currentSocket()?.id ?? 0) > socketA, 10_000, 'socket B');
    await waitForState(core.controller, 'open');
    expect(server.faults.releaseRetryRequests()).toBe(1);

    await until(() => fay.received.length === 1, 10_000, 'the resend to be decrypted');
    expectDeliveredOnce(server, fay, sent.id, 'Re: ask me later');
    const copies = server.record.clientMessages.filter((m) => m.id === sent.id);
    expect(copies).toHaveLength(2);
    expect(new Set(copies.map((c) => c.connectionId)).size).toBe(2);
    const [reply, ...others] = await replies(core);
    expect(others).toEqual([]);
    expect(reply!.status).toBe('sent');
  });

  it('a 440 with replies queued keeps them queued; "use here" delivers them', async () => {
    const hook = await heldWebhook();
    const { core } = await pairedCore();
    await useRules(core, [webhookRule(hook.url)]);
    const erin = server.createContact({ name: 'Erin' });
    await say(erin, server.defaultAccount, 'while replaced');
    await until(() => hook.waiting() === 1, 10_000, 'the responder to be called');
    server.faults.conflict('replaced');
    await waitForState(core.controller, 'conflict');
    hook.release();
    const queued = await waitForReply(core, (r) => r.status === 'queued');
    await new Promise((r) => setTimeout(r, 300));
    expect((await core.handle('listReplies', {})).ok).toBe(true);
    expect(core.replyLog.get(queued.id)?.status).toBe('queued');

    const used = await core.handle('useHere', undefined);
    expect(used.ok).toBe(true);
    const sent = await waitForReply(core, (r) => r.id === queued.id && r.status === 'sent');
    expectDeliveredOnce(server, erin, sent.id, 'Slow: while replaced');
  });

  it('after a relink to the same account, held replies go out', async () => {
    const hook = await heldWebhook();
    const { core } = await pairedCore();
    await useRules(core, [webhookRule(hook.url)]);
    const fay = server.createContact({ name: 'Fay' });
    await say(fay, server.defaultAccount, 'before relink');
    await until(() => hook.waiting() === 1, 10_000, 'the responder to be called');
    server.faults.conflict('replaced');
    await waitForState(core.controller, 'conflict');
    hook.release();
    const queued = await waitForReply(core, (r) => r.status === 'queued');

    const qr = waitForState(core.controller, 'awaiting-qr');
    expect((await core.handle('relink', undefined)).ok).toBe(true);
    await server.scanQr((await qr).qr, server.defaultAccount);
    const sent = await waitForReply(core, (r) => r.id === queued.id && r.status === 'sent');
    expectDeliveredOnce(server, fay, sent.id, 'Slow: before relink');
  });

  it('after a relink to another account, held replies are cancelled with that reason', async () => {
    const hook = await heldWebhook();
    const { core } = await pairedCore();
    await useRules(core, [webhookRule(hook.url)]);
    const gus = server.createContact({ name: 'Gus' });
    await say(gus, server.defaultAccount, 'for the old account');
    await until(() => hook.waiting() === 1, 10_000, 'the responder to be called');
    server.faults.conflict('replaced');
    await waitForState(core.controller, 'conflict');
    hook.release();
    const queued = await waitForReply(core, (r) => r.status === 'queued');

    const other = server.createAccount({ name: 'Someone else' });
    const qr = waitForState(core.controller, 'awaiting-qr');
    await core.handle('relink', undefined);
    await server.scanQr((await qr).qr, other);
    const cancelled = await waitForReply(core, (r) => r.id === queued.id && r.status === 'cancelled');
    expect(cancelled.lastError).toMatch(/different WhatsApp account/);
    await new Promise((r) => setTimeout(r, 300));
    expect(server.record.messagesWithId(queued.id)).toHaveLength(0);
  });

  it('a responder that takes long while the link drops twice still gets its reply delivered once', async () => {
    const hook = await heldWebhook();
    const { core } = await pairedCore();
    await useRules(core, [webhookRule(hook.url)]);
    const hal = server.createContact({ name: 'Hal' });
    await say(hal, server.defaultAccount, 'think hard');
    await until(() => hook.waiting() === 1, 10_000, 'the responder to be called');
    for (let i = 0; i < 2; i++) {
      const before = core.controller.currentSocket()!.id;
      server.faults.terminateSocket();
      await until(() => (core.controller.currentSocket()?.id ?? 0) > before, 10_000, `reconnect ${i + 1}`);
    }
    hook.release();
    const sent = await waitForReply(core, (r) => r.status === 'sent');
    expectDeliveredOnce(server, hal, sent.id, 'Slow: think hard');
    expect(hook.requests).toBe(1);
  });
});

describe('inbound dedupe', () => {
  it('the same inbound delivered twice, and again after a restart, yields one reply', async () => {
    const { core, dir } = await pairedCore();
    await useRules(core, [echoRule()]);
    const ivy = server.createContact({ name: 'Ivy' });
    await say(ivy, server.defaultAccount, 'only once please', { id: 'DUPLICATE-IN-1' });
    await waitForReply(core, (r) => r.status === 'sent');
    await say(ivy, server.defaultAccount, 'only once please', { id: 'DUPLICATE-IN-1' });
    await new Promise((r) => setTimeout(r, 500));
    expect(core.replyLog.query({})).toHaveLength(1);

    await core.close();
    cores.splice(cores.indexOf(core), 1);
    const again = await startCore(server, dir);
    cores.push(again);
    await waitForState(again.controller, 'open');
    await say(ivy, server.defaultAccount, 'only once please', { id: 'DUPLICATE-IN-1' });
    await new Promise((r) => setTimeout(r, 500));
    expect(again.replyLog.query({})).toHaveLength(1);
    expect(server.record.messagesTo(ivy)).toHaveLength(1);
  });
});

describe('many replies through one outage', () => {
  it('500 queued replies wait on one shared signal and all go out once when the link returns', async () => {
    const { core } = await pairedCore();
    const contacts = Array.from({ length: 5 }, (_, i) => server.createContact({ name: `Bulk ${i}` }));
    // Prime device lists and sessions so the burst measures waiting, not first-contact key fetches.
    server.faults.refuseConnections({ forMs: 60_000 });
    server.faults.closeSocket();
    await waitForState(core.controller, 'reconnecting');
    const readyPromises = core.controller.readyPromiseCount;
    const account = core.controller.account()!;
    const entries = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        core.outbox.enqueue({
          chatJid: contacts[i % 5]!.phoneJid,
          text: `bulk ${i}`,
          account,
        } as Parameters<Core['outbox']['enqueue']>[0]),
      ),
    );
    expect(core.outbox.waiterCount).toBeLessThanOrEqual(1);
    expect(core.controller.readyPromiseCount).toBe(readyPromises);
    server.faults.refuseConnections({ forMs: 0 });
    core.reconnectNow('network');
    // Finished entries are compacted out of the outbox; the contacts' records are the witness.
    await until(() => entries.every((e) => server.record.messagesWithId(e.id).length > 0), 60_000, 'all 500 delivered');
    await until(() => core.outbox.diagnostics().pending === 0 && core.outbox.diagnostics().sending === 0, 10_000, 'outbox drained');
    for (const [i, e] of entries.entries()) expectDeliveredOnce(server, contacts[i % 5]!, e.id, `bulk ${i}`);
  }, 90_000);
});
