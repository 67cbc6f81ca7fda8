/**
 * Chaos: 1,000 inbound messages while the fake server kills the link at random points, about
 * every 40 messages, including between a reply's send and its ack. The whole core
 * (createCoreService) drives the real Baileys client; 100 contacts decrypt what arrives.
 *
 * Why 100 contacts × 10 rounds and an injected clock: the auto-reply engine answers a contact
 * with a rule at most once per cooldown (at least 10 s), so the 10 messages of one contact need
 * 10 s of the core's time between them. The core's clock (`now`: engine, pipeline, outbox,
 * reply log) jumps 10 s + a bit between rounds, once every reply of the round is out and the
 * outbox is empty; the connection controller keeps real time (backoff, watchdog). Nothing else is
 * relaxed: the rule is a normal echo rule with the minimum cooldown, every message is a new
 * inbound with a new id, and a round's 100 messages stream in while the faults fire.
 *
 * Faults (picked by a seeded PRNG; CHAOS_SEED replays a run, the seed is printed):
 * - closeSocket / terminateSocket right now (mid-stream: inbound in flight, replies in flight);
 * - dropAfterNextMessage: the next reply the client sends is delivered (or not) and the socket
 *   dies before the ack — the "between send and ack" case;
 * - whenFrame: kill when the client next sends a <message> (swallowed: the reply is lost in the
 *   drop), a <receipt> (swallowed: the inbound stays queued on the server and comes again after
 *   the reconnect, so inbound dedupe is exercised) or an <iq> (mid-login or mid key fetch);
 * - atRandom: one of closeSocket / terminateSocket / stream:error 503 at a random moment.
 *
 * What must hold at the end: every inbound has exactly one reply in the reply log, status sent;
 * each contact decrypted exactly its replies, each once, with exactly the expected text
 * ("Re: <message>"), under the reply's id; nothing left generating, queued or sending; the outbox
 * is empty. The server suppresses a resent copy of an id it already accepted (as WhatsApp does),
 * so a reply resent under a NEW id would show up as an extra message at the contact: that is
 * what "exactly its replies" catches. A round that does not complete fails with, per missing
 * inbound, every frame the server saw for it, its reply-log entry and its receipts.
 *
 * One exception, narrowly matched (`lostInsideBaileys`): Baileys 7 sends an inbound's receipt
 * before it emits the message, and skips the emit when the receipt fails; if the socket dies right
 * after a copy was decrypted, the Signal keys are used up, no receipt goes out, the server sends
 * the same ciphertext again, and the client can only nack it (487). Such an inbound never reached
 * the core. These are printed with their ids; CHAOS_STRICT=1 fails the run on them, and more of
 * them than faults fails it anyway (a kill can catch about one message in the act).
 *
 * Three settings differ from the app's defaults, none of them the core's logic: the controller's
 * backoff is capped at 100 ms (the schedule is controller.test.ts's business, and two dozen kills
 * would wait it out); Baileys' pause after each retry receipt is 20 ms instead of 250 ms (it only
 * paces re-encryption requests); and the run starts in the steady state of a linked device whose
 * first history sync is done (see beforeAll). CHAOS_VERBOSE=1 prints the timeline.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FakeWaServer } from '../fake-wa/index.js';
import type { FakeContact } from '../fake-wa/contact.js';
import type { BinaryNode } from '../fake-wa/binary.js';
import type { Core } from '../../main/core/app/create-core.js';
import { toReplyView } from '../../main/core/replylog/index.js';
import { tempDir } from '../support/temp-dir.js';
import { startFakeWa } from '../support/wa-harness.js';
import { until } from '../support/poll.js';
import { echoRule, expectDeliveredOnce, pairCore, startCore, useRules } from '../support/core-harness.js';
import { registerSecret } from '../setup/log-capture.js';
import { intBetween, mulberry32, pick, seedFromEnv, shuffled, type Random } from './prng.js';

const CONTACTS = 100;
const ROUNDS = 10;
const COOLDOWN_MS = 10_000;
/** Messages between two faults: about 40 on average. */
const FAULT_EVERY: [number, number] = [25, 55];

type FaultKind =
  | 'closeSocket'
  | 'terminateSocket'
  | 'dropAfterNextMessage'
  | 'kill on the next reply frame'
  | 'kill on the next receipt'
  | 'kill on the next iq'
  | 'atRandom';
const FAULT_KINDS: FaultKind[] = [
  'closeSocket',
  'terminateSocket',
  'dropAfterNextMessage',
  'kill on the next reply frame',
  'kill on the next receipt',
  'kill on the next iq',
  'atRandom',
];

const SEED = seedFromEnv('CHAOS_SEED');

let server: FakeWaServer;
let core: Core;
let clockOffset = 0;
const coreNow = () => Date.now() + clockOffset;

beforeAll(async () => {
  // libsignal prints "Closing session" objects with console.info/warn: library noise, test keys only.
  vi.spyOn(console, 'info').mockImplementation(() => undefined);
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  server = await startFakeWa();
  core = await startCore(server, tempDir('chaos-'), {
    now: coreNow,
    // Real time for the controller; a short backoff cap, since the schedule is not what is under
    // test here (controller.test.ts covers it) and two dozen kills would otherwise wait it out.
    controller: { now: Date.now, backoff: { baseMs: 20, capMs: 100, random: () => 1 } },
    outbox: { ackTimeoutMs: 2_000 },
    // Baileys pauses 250 ms after each retry receipt, one at a time; kills make a few dozen of
    // them (a contact's message that arrives on a session the reconnect replaced). The pause only
    // paces how fast contacts are asked to re-encrypt; 20 ms keeps the run short.
    socketConfig: { retryRequestDelayMs: 20 },
  });
  await pairCore(server, core);
  await useRules(core, [echoRule({ cooldownMs: COOLDOWN_MS })]);
  // Steady state, not the first minute after pairing: right after pairing Baileys holds every
  // event back until the phone's history sync arrives, or for 20 s (the fake sends none), and
  // starts that wait again on each reconnect until it once ran out. A linked device that has
  // synced has accountSyncCounter > 0 and skips it (see the report: Replyline never uses the
  // history, and `shouldSyncHistoryMessage: () => false` would skip it for good).
  core.controller.session!.state.creds.accountSyncCounter = 1;
  const first = core.controller.currentSocket()!.id;
  server.faults.closeSocket();
  await until(() => (core.controller.currentSocket()?.id ?? 0) > first, 10_000, 'the first reconnect');
});

afterAll(async () => {
  server?.faults.reset();
  await core?.close();
  await server?.close();
});

interface Sent {
  contact: FakeContact;
  inboundId: string;
  text: string;
}

/** Arms or fires one fault; returns what it did, for the log of the run. */
function fault(random: Random, kind: FaultKind): string {
  const f = server.faults;
  switch (kind) {
    case 'closeSocket':
      return `closeSocket (${f.closeSocket()} live)`;
    case 'terminateSocket':
      return `terminateSocket (${f.terminateSocket()} live)`;
    case 'dropAfterNextMessage': {
      const deliver = random() < 0.5;
      const how = random() < 0.5 ? 'terminate' : 'close';
      f.dropAfterNextMessage(undefined, { deliver, how });
      return `dropAfterNextMessage(deliver: ${deliver}, how: ${how})`;
    }
    case 'kill on the next reply frame':
      f.whenFrame((frame: BinaryNode) => frame.tag === 'message', pick(random, ['terminateSocket', 'closeSocket'] as const), {
        swallow: true,
      });
      return 'whenFrame(message, swallow)';
    case 'kill on the next receipt':
      f.whenFrame((frame: BinaryNode) => frame.tag === 'receipt', 'terminateSocket', { swallow: true });
      return 'whenFrame(receipt, swallow)';
    case 'kill on the next iq':
      f.whenFrame((frame: BinaryNode) => frame.tag === 'iq', 'closeSocket');
      return 'whenFrame(iq)';
    case 'atRandom': {
      const withinMs: [number, number] = [0, intBetween(random, 50, 400)];
      // Its own PRNG, so when it fires does not shift the rest of the schedule.
      f.atRandom({ withinMs, faults: ['closeSocket', 'terminateSocket', 'streamError503'], random: mulberry32(Math.floor(random() * 2 ** 32)) });
      return `atRandom(within ${withinMs[1]} ms)`;
    }
  }
}

/**
 * An inbound Baileys consumed without ever handing it over. The client decrypted a copy (its
 * Signal keys are used up) as the socket died: the receipt could not go out, and Baileys sends
 * the receipt before it emits the message and skips the emit when the receipt fails. The server
 * sent the same ciphertext again and the client nacked it with 487 ("key used already or never
 * filled"). The core cannot have seen it: no delivery receipt ever left the client (a `retry`
 * receipt means a copy could NOT be decrypted). Such losses are counted and printed, and fail the
 * run with CHAOS_STRICT=1 (see the suite's header); anything else unanswered fails the run.
 */
interface ClientView {
  /** Inbound ids the client sent a delivery receipt for (any type but `retry`), handled or swallowed. */
  receipted: Set<string>;
  /** Inbound ids the client nacked with 487. */
  nacked487: Set<string>;
}

function clientView(): ClientView {
  // Receipts the server handled (ids in lists too), plus every receipt frame the client sent —
  // including those a fault swallowed, which the server never handled but the frame log keeps.
  const receipted = new Set(server.record.clientReceipts.filter((r) => r.type !== 'retry').map((r) => r.id));
  const nacked487 = new Set<string>();
  for (const c of server.record.connections) {
    for (const f of c.frames) {
      if (f.dir !== 'in' || !f.attrs.id) continue;
      if (f.tag === 'receipt' && f.attrs.type !== 'retry') receipted.add(f.attrs.id);
      if (f.tag === 'ack' && f.attrs.error === '487') nacked487.add(f.attrs.id);
    }
  }
  return { receipted, nacked487 };
}

function lostInsideBaileys(m: Sent, deliveries: Map<string, number>, view: ClientView): boolean {
  return (
    (deliveries.get(m.inboundId) ?? 0) >= 2 &&
    !view.receipted.has(m.inboundId) &&
    view.nacked487.has(m.inboundId) &&
    !core.replyLog.query({}).some((r) => r.inboundId === m.inboundId)
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const deliveredOnce = (s: Sent) => s.contact.received.some((m) => m.text === `Re: ${s.text}`);

/** Waits until each of the round's inbound has its reply delivered, or was lost inside Baileys; returns the lost ones. */
async function roundDone(round: number, roundSent: Sent[], deliveries: Map<string, number>, faultLog: string[]): Promise<Sent[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const open = roundSent.filter((s) => !deliveredOnce(s));
    if (open.length === 0) return [];
    // Look for the "lost inside Baileys" signature (it scans every recorded frame) only once
    // everything still open has reached the client at least twice.
    if (open.every((s) => (deliveries.get(s.inboundId) ?? 0) >= 2)) {
      const seen = clientView();
      if (open.every((s) => lostInsideBaileys(s, deliveries, seen))) {
        // A late reply would still count: give it a moment.
        await sleep(300);
        const view = clientView();
        if (open.every((s) => !deliveredOnce(s) && lostInsideBaileys(s, deliveries, view))) return open;
      }
      await sleep(80);
    }
    if (Date.now() > deadline) {
      const view = clientView();
      const missing = open.filter((s) => !lostInsideBaileys(s, deliveries, view));
      throw new Error(`round ${round}: ${diagnose(missing, deliveries)}\nfaults: ${faultLog.join('; ')}\nCHAOS_SEED=${SEED}`);
    }
    await sleep(20);
  }
}

function diagnose(missing: Sent[], deliveries: Map<string, number>): string {
  const pending = new Set(server.pendingDeliveries().map((p) => p.id));
  const lines = missing.slice(0, 10).map((m) => {
    const entries = core.replyLog.query({}).filter((r) => r.inboundId === m.inboundId);
    const receipts = server.record.clientReceipts.filter((r) => r.id === m.inboundId).map((r) => r.type ?? 'delivery');
    const frames = server.record.connections.flatMap((c) =>
      c.frames
        .filter((f) => f.attrs.id === m.inboundId)
        .map((f) => `${f.dir === 'in' ? 'client' : 'server'} ${f.tag}${f.attrs.error ? ` error=${f.attrs.error}` : ''}${f.attrs.type ? ` type=${f.attrs.type}` : ''} on #${c.id} (closed ${c.closedReason ?? 'no'})`),
    );
    return `  ${m.contact.name} "${m.text}" (${m.inboundId}): frames [${frames.join('; ')}], reply log [${entries.map((e) => `${e.status}${e.lastError ? ` (${e.lastError})` : ''}`).join(', ')}], receipts [${receipts.join(', ')}], written to the client ${deliveries.get(m.inboundId) ?? 0}×, ${pending.has(m.inboundId) ? 'still queued on the server' : 'not queued'}`;
  });
  return `${missing.length} inbound without a delivered reply (state ${core.controller.state.kind}):\n${lines.join('\n')}`;
}

describe('1,000 inbound messages through random kills', () => {
  it('every inbound gets exactly one reply, delivered once with the exact text; nothing is left queued', async () => {
    const random = mulberry32(SEED);
    const startedAt = Date.now();
    const contacts = Array.from({ length: CONTACTS }, (_, i) => server.createContact({ name: `Chaos ${i}` }));
    const sent: Sent[] = [];
    const lost: Sent[] = [];
    const faultLog: string[] = [];
    const deliveries = new Map<string, number>();
    server.on('delivered', ({ id }: { id: string }) => deliveries.set(id, (deliveries.get(id) ?? 0) + 1));
    const connectionsBefore = server.record.connections.length;
    let nextFaultAt = intBetween(random, ...FAULT_EVERY);
    // Every kind of fault, in a seeded order: each appears three or four times in a run.
    const deck: FaultKind[] = [];

    for (let round = 0; round < ROUNDS; round++) {
      const order = shuffled(random, contacts);
      const roundSent: Sent[] = [];
      for (const contact of order) {
        const text = `chaos r${round} ${contact.name} #${sent.length} ${Math.floor(random() * 1e9).toString(36)}`;
        registerSecret(text);
        registerSecret(`Re: ${text}`);
        const inboundId = await contact.sendText(server.defaultAccount, text);
        const s = { contact, inboundId, text };
        sent.push(s);
        roundSent.push(s);
        if (sent.length >= nextFaultAt) {
          if (deck.length === 0) deck.push(...shuffled(random, FAULT_KINDS));
          const kind = deck.shift()!;
          faultLog.push(`#${sent.length} ${fault(random, kind)}`);
          nextFaultAt = sent.length + intBetween(random, ...FAULT_EVERY);
        }
        // Let the link breathe now and then, so faults land between, not only after, messages.
        if (random() < 0.3) await new Promise((r) => setTimeout(r, intBetween(random, 0, 8)));
      }
      // Barrier: every reply of the round delivered (or its inbound lost inside Baileys), the
      // outbox empty, then the cooldown passes.
      lost.push(...(await roundDone(round, roundSent, deliveries, faultLog)));
      await until(() => core.outbox.diagnostics().pending === 0 && core.outbox.diagnostics().sending === 0, 15_000, 'the outbox to drain');
      await core.pipeline.idle();
      clockOffset += COOLDOWN_MS + 500;
      if (process.env.CHAOS_VERBOSE) console.log(`round ${round} done at ${Date.now() - startedAt} ms; faults so far ${faultLog.length}`);
    }

    // Quiet: no more faults; whatever is armed is cleared. Give late resends a moment to show.
    server.faults.reset();
    await new Promise((r) => setTimeout(r, 500));

    if (lost.length > 0) {
      console.log(
        `chaos: ${lost.length} inbound lost inside Baileys before the core could see them (decrypted as the socket died, ` +
          `no receipt, the redelivery nacked 487): ${lost.map((l) => l.inboundId).join(', ')}; CHAOS_SEED=${SEED}`,
      );
    }
    if (process.env.CHAOS_STRICT) expect(lost, 'inbound lost inside Baileys (CHAOS_STRICT)').toEqual([]);
    // Baileys decrypts one message at a time, so a kill can catch at most about one in the act:
    // more losses than faults would mean something else is eating messages.
    expect(lost.length, 'inbound lost inside Baileys, at most one per fault').toBeLessThanOrEqual(faultLog.length);
    const answered = sent.filter((s) => !lost.includes(s));

    // Every inbound the core saw: exactly one reply in the reply log, sent, with the expected text.
    const log = core.replyLog.query({}).map(toReplyView);
    expect(log).toHaveLength(answered.length);
    const byInbound = new Map<string, typeof log>();
    for (const r of log) byInbound.set(r.inboundId, [...(byInbound.get(r.inboundId) ?? []), r]);
    for (const s of answered) {
      const entries = byInbound.get(s.inboundId) ?? [];
      expect(entries.map((e) => ({ text: e.text, status: e.status })), `reply to "${s.text}"`).toEqual([{ text: `Re: ${s.text}`, status: 'sent' }]);
      // The contact decrypted that reply id exactly once, with exactly this text.
      expectDeliveredOnce(server, s.contact, entries[0]!.id, `Re: ${s.text}`);
    }
    // Each contact got exactly its replies: no copy under another id, nothing extra.
    for (const c of contacts) {
      const expected = answered.filter((s) => s.contact === c).map((s) => `Re: ${s.text}`);
      expect(c.received.map((m) => m.text).sort(), c.name).toEqual(expected.sort());
    }
    // Nothing left behind.
    expect(log.filter((r) => ['generating', 'queued', 'sending'].includes(r.status))).toEqual([]);
    expect(core.outbox.diagnostics()).toMatchObject({ pending: 0, sending: 0 });
    expect(core.outbox.list().filter((e) => e.state === 'queued' || e.state === 'sending')).toEqual([]);
    expect(server.record.decryptErrors).toEqual([]);

    // The run really was chaotic.
    const connections = server.record.connections.slice(connectionsBefore);
    const reasons = new Map<string, number>();
    for (const c of connections) if (c.closedReason) reasons.set(c.closedReason, (reasons.get(c.closedReason) ?? 0) + 1);
    const redelivered = [...deliveries.values()].filter((n) => n > 1).length;
    const replyIds = new Set(log.map((r) => r.id));
    const replyStanzas = server.record.clientMessages.filter((m) => replyIds.has(m.id));
    const resendCount = replyStanzas.length - new Set(replyStanzas.map((m) => m.id)).size;
    console.log(
      `chaos: ${sent.length} inbound, ${faultLog.length} faults, ${connections.length} new connections in ${((Date.now() - startedAt) / 1000).toFixed(1)} s; ` +
        `closes ${JSON.stringify(Object.fromEntries(reasons))}; ${server.record.duplicateSends.length} resent copies suppressed by the server; ` +
        `${resendCount} replies resent under their own id; ${redelivered} inbound delivered to the client more than once; CHAOS_SEED=${SEED}`,
    );
    expect(faultLog.length).toBeGreaterThanOrEqual(15);
    expect(connections.length).toBeGreaterThanOrEqual(10);
    expect(reasons.get('drop after message') ?? 0, 'a socket dropped between send and ack').toBeGreaterThan(0);
  }, 120_000);
});
