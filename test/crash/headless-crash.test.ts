/**
 * The promise across a real crash: headless mode runs as a child process with 100 replies
 * pending, is SIGKILLed (no shutdown code runs at all), and is started again on the same data
 * folder. Every reply is then delivered exactly once, with the id it was given before the crash,
 * and each contact decrypted exactly the text it should get.
 *
 * Three ways to be pending at the kill:
 * - written on the socket, never acknowledged (the server withholds acks): the outcome is
 *   uncertain, so the restart sends again with the same id, and WhatsApp drops the copy;
 * - decided and queued while the link is down, never written at all;
 * - decided, the text still being made by a slow responder (a webhook).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeWaServer } from '../fake-wa/index.js';
import type { ReplyStatus, ReplyView } from '../../main/contract/api.js';
import { tempDir } from '../support/temp-dir.js';
import { startFakeWa } from '../support/wa-harness.js';
import { echoRule, startHeldWebhook } from '../support/core-harness.js';
import { registerSecret } from '../setup/log-capture.js';
import { HeadlessProcess } from '../support/headless-process.js';
import { until } from '../support/poll.js';

const N = 100;
/** About 10 s each on an idle 2-core machine; room for a loaded one. */
const TEST_TIMEOUT_MS = 45_000;
/** The global rate limit is 10 a minute by default; 100 replies at once need more. */
const RATE = 1_000;

type Contact = ReturnType<FakeWaServer['createContact']>;

let server: FakeWaServer;
const cleanups: Array<() => Promise<void>> = [];

beforeEach(async () => {
  server = await startFakeWa();
});

afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
  await server.close();
});

async function start(dataDir: string): Promise<HeadlessProcess> {
  const hp = await HeadlessProcess.start({ dataDir, server, maxRepliesPerMinute: RATE });
  cleanups.push(() => hp.kill());
  return hp;
}

/** A headless process on a new folder, paired, with `rules` and auto-reply on. */
async function pairedWithRules(rules: unknown[]): Promise<{ hp: HeadlessProcess; dataDir: string }> {
  const dataDir = tempDir('headless-crash-');
  const hp = await start(dataDir);
  await server.scanQr(await hp.nextQr());
  await hp.waitForState('open');
  await hp.ok('PUT', '/api/rules', { rules });
  expect(await hp.ok('POST', '/api/autoreply', { enabled: true })).toEqual({ enabled: true });
  return { hp, dataDir };
}

/** N contacts, each writing one message; their texts are registered for the log privacy check. */
async function contactsWrite(replyPrefix: string): Promise<Array<{ contact: Contact; text: string; reply: string }>> {
  const people = Array.from({ length: N }, (_, i) => {
    const text = `crash check message ${i}`;
    const reply = `${replyPrefix}${text}`;
    registerSecret(text);
    registerSecret(reply);
    return { contact: server.createContact({ name: `Contact ${i}` }), text, reply };
  });
  await Promise.all(people.map((p) => p.contact.sendText(server.defaultAccount, p.text)));
  return people;
}

const replies = (hp: HeadlessProcess) => hp.ok<ReplyView[]>('GET', `/api/replies?limit=${N * 4}`);

function countBy(list: ReplyView[]): Partial<Record<ReplyStatus, number>> {
  const out: Partial<Record<ReplyStatus, number>> = {};
  for (const r of list) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
}

/** After the restart: all N sent, same ids, each contact got its one text exactly once. */
async function expectEachDeliveredOnce(
  hp: HeadlessProcess,
  people: Array<{ contact: Contact; reply: string }>,
  idsBefore: Set<string>,
): Promise<ReplyView[]> {
  const after = await until(
    async () => {
      const list = await replies(hp);
      return list.length === N && list.every((r) => r.status === 'sent') ? list : undefined;
    },
    30_000,
    `all ${N} replies to be sent`,
    100,
  ).catch(async (err: Error) => {
    throw new Error(`${err.message}; statuses: ${JSON.stringify(countBy(await replies(hp)))}`);
  });
  // The same replies, by the same ids: a retry never became a new message.
  expect(new Set(after.map((r) => r.id))).toEqual(idsBefore);

  const byText = new Map(after.map((r) => [r.text, r]));
  expect(byText.size).toBe(N);
  await server.waitFor(() => people.every((p) => p.contact.received.length >= 1), 10_000, 'every contact to receive its reply');
  for (const { contact, reply } of people) {
    const view = byText.get(reply);
    expect(view, reply).toBeDefined();
    expect(view!.contactName).toBe(contact.name);
    // The contact decrypted exactly this one text, once …
    expect(contact.texts(), contact.name).toEqual([reply]);
    expect(contact.received[0]!.id).toBe(view!.id);
    // … and the server's record holds exactly one delivered copy of that id for it.
    expect(server.record.messagesWithId(view!.id).filter((m) => m.to === contact.phoneJid).map((m) => m.text)).toEqual([reply]);
  }
  return after;
}

describe('headless mode across a SIGKILL with 100 replies pending', () => {
  it('replies written but never acknowledged are each delivered once after the restart, with the same ids', async () => {
    const { hp, dataDir } = await pairedWithRules([echoRule()]);
    server.faults.withholdAcks(true);
    const people = await contactsWrite('Re: ');

    // All 100 are on their way ('sending' covers the whole attempt, key fetches included) …
    const before = await until(
      async () => {
        const list = await replies(hp);
        return list.length === N && list.every((r) => r.status === 'sending') ? list : undefined;
      },
      20_000,
      `${N} replies to be sending`,
      50,
    );
    const idsBefore = new Set(before.map((r) => r.id));
    expect(idsBefore.size).toBe(N);
    // … and all 100 stanzas reached the server, which delivered them and withholds the acks.
    const written = () => new Set(server.record.clientMessages.filter((m) => idsBefore.has(m.id)).map((m) => m.id));
    await server.waitFor(() => written().size === N, 20_000, `all ${N} replies to be written`);
    expect(server.record.acks.filter((a) => idsBefore.has(a.id)).every((a) => a.outcome === 'withheld')).toBe(true);
    expect(people.every((p) => p.contact.received.length === 1)).toBe(true);

    await hp.kill();
    expect(hp.exitStatus).toEqual({ code: null, signal: 'SIGKILL' });
    server.faults.withholdAcks(false);

    const again = await start(dataDir);
    await again.waitForState('open');
    expect(again.lines.some((l) => l.type === 'qr')).toBe(false);
    const after = await expectEachDeliveredOnce(again, people, idsBefore);

    // The restart did send each one again, with the same id, and the server dropped those copies
    // as duplicates: two stanzas per id, one delivered copy.
    const resent = new Set(server.record.duplicateSends.map((d) => d.id));
    for (const r of after) {
      expect(resent.has(r.id), r.id).toBe(true);
      expect(server.record.clientMessages.filter((m) => m.id === r.id), r.id).toHaveLength(2);
    }
    // Nothing beyond the replies reached any contact.
    expect(people.reduce((n, p) => n + p.contact.received.length, 0)).toBe(N);

    expect(await again.stop()).toBe(0);
    expect(again.strayStdout).toEqual([]);
  }, TEST_TIMEOUT_MS);

  it('replies queued while the link is down, never written, are each delivered once after the restart', async () => {
    const hook = await startHeldWebhook();
    cleanups.push(hook.close);
    const rule = echoRule({ id: 'hook', name: 'Hook', reply: { type: 'webhook', url: hook.url, timeoutMs: 60_000 } });
    const { hp, dataDir } = await pairedWithRules([rule]);
    const people = await contactsWrite('Slow: ');

    // Every reply is decided; its text is still being made when the link goes down.
    await until(() => hook.waiting() === N, 20_000, `${N} webhook calls`, 50);
    const from = hp.mark();
    server.faults.refuseConnections({ forMs: 120_000 });
    server.faults.closeSocket();
    await hp.waitForState('reconnecting', from);
    hook.release();

    const before = await until(
      async () => {
        const list = await replies(hp);
        return list.length === N && list.every((r) => r.status === 'queued') ? list : undefined;
      },
      20_000,
      `${N} replies to be queued`,
      50,
    );
    const idsBefore = new Set(before.map((r) => r.id));
    expect(idsBefore.size).toBe(N);
    const written = server.record.clientMessages.length;

    await hp.kill();
    expect(hp.exitStatus).toEqual({ code: null, signal: 'SIGKILL' });
    // Nothing was written before the kill.
    expect(server.record.clientMessages.length).toBe(written);
    expect(people.every((p) => p.contact.received.length === 0)).toBe(true);
    server.faults.reset();

    const again = await start(dataDir);
    await again.waitForState('open');
    await expectEachDeliveredOnce(again, people, idsBefore);
    // Exactly one webhook call per message: the restart did not decide (or generate) again.
    expect(hook.requests).toBe(N);

    expect(await again.stop()).toBe(0);
    expect(again.strayStdout).toEqual([]);
  }, TEST_TIMEOUT_MS);

  it('replies still being made by a slow responder are made again after the restart and each delivered once', async () => {
    const hook = await startHeldWebhook();
    cleanups.push(hook.close);
    const rule = echoRule({ id: 'hook', name: 'Hook', reply: { type: 'webhook', url: hook.url, timeoutMs: 60_000 } });
    const { hp, dataDir } = await pairedWithRules([rule]);
    const people = await contactsWrite('Slow: ');

    await until(() => hook.waiting() === N, 20_000, `${N} webhook calls`, 50);
    const before = await until(
      async () => {
        const list = await replies(hp);
        return list.length === N && list.every((r) => r.status === 'generating') ? list : undefined;
      },
      20_000,
      `${N} replies to be generating`,
      50,
    );
    const idsBefore = new Set(before.map((r) => r.id));
    expect(idsBefore.size).toBe(N);

    await hp.kill();
    expect(hp.exitStatus).toEqual({ code: null, signal: 'SIGKILL' });

    const again = await start(dataDir);
    await again.waitForState('open');
    // The restart asks the responder again, once per reply; the answers to the dead process are lost.
    await until(() => hook.requests === 2 * N && hook.waiting() === 2 * N, 20_000, `${N} new webhook calls`, 50);
    hook.release();
    await expectEachDeliveredOnce(again, people, idsBefore);
    expect(hook.requests).toBe(2 * N);

    expect(await again.stop()).toBe(0);
    expect(again.strayStdout).toEqual([]);
  }, TEST_TIMEOUT_MS);
});
