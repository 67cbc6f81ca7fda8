/**
 * Row 4 — memory. The headless core (createCoreService plus the headless HTTP server, in a child
 * process of its own started with --expose-gc) answers messages from 100 contacts while the
 * fake server drops its link again and again (limits raised, 100 keyword rules so that every
 * message gets a reply despite the 10 s per-chat cooldown). Heap and RSS are read after two full collections:
 * once after a warm-up (1,000 messages, 20 reconnects), once after 10,000 more messages and 200
 * more reconnects. Growth = after ÷ warm-up.
 */
import type { FakeContact, AccountInfo, ReceivedMessage } from '../../test/fake-wa/index.js';
import type { FakeWaServer } from '../../test/fake-wa/index.js';
import { silenceConsole, type MemorySample } from '../clients/protocol.js';
import { loadRules, ReplyCounter } from '../lib/load.js';
import { RemoteClient } from '../lib/remote-client.js';
import { emitResult, ratio, type RowResult } from '../lib/result.js';
import { now, progress, round, sleep, startServer, tempDir } from '../support.js';

const QUICK = process.env.BENCH_QUICK === '1';
const CONTACTS = 100;
const RULES = 100;
const WARM_MESSAGES = QUICK ? 200 : 1_000;
const WARM_RECONNECTS = QUICK ? 4 : 20;
const MESSAGES = QUICK ? 2_000 : 10_000;
/** Unanswered messages each contact may have at a time. */
const WINDOW = 5;
const RECONNECTS = Number(process.env.BENCH_MEMORY_RECONNECTS ?? (QUICK ? 40 : 200));

const MB = 1024 * 1024;

export async function runMemory(): Promise<RowResult> {
  const started = now();
  silenceConsole({ errors: true });
  const server = await startServer();
  const account = server.createAccount({ name: 'Bench' });
  const { dir, remove } = await tempDir('memory');
  const kind = (process.env.BENCH_MEMORY_CLIENT ?? 'replyline') as 'replyline' | 'bare';
  const client = await RemoteClient.start(kind, server, { dataDir: dir, rules: loadRules(RULES, false), http: true }, { exposeGc: true });
  try {
    await client.pair(server, account);
    const contacts = Array.from({ length: CONTACTS }, (_, i) => server.createContact({ name: `Contact ${i}` }));
    const counter = new ReplyCounter(server, contacts);
    const before = await client.memory();

    // Warm-up: the last rules of the list (q90…q99), so the main phase meets them again only
    // well after their 10 s cooldown. Each contact's first message goes alone (sessions and device
    // lists are set up then, as for anyone one has talked to); the rest as load.
    const warmPer = WARM_MESSAGES / CONTACTS;
    await introduce(counter, contacts, account, `q${RULES - warmPer}`);
    await phase(server, client, counter, contacts, account, warmPer - 1, (k) => `q${RULES - warmPer + 1 + k}`, WARM_RECONNECTS, CONTACTS);
    const warm = await client.memory();
    const warmStats = kind === 'replyline' ? await client.stats() : {};
    progress(`memory: after warm-up heap ${(warm.heapUsed / MB).toFixed(1)} MB, RSS ${(warm.rss / MB).toFixed(1)} MB`);

    const per = MESSAGES / CONTACTS;
    const t0 = now();
    await phase(server, client, counter, contacts, account, per, (k) => `q${k % RULES}`, RECONNECTS, WARM_MESSAGES);
    const phaseSeconds = (now() - t0) / 1000;
    const after = await client.memory();
    const afterStats = kind === 'replyline' ? await client.stats() : {};
    progress(`memory: after ${MESSAGES} messages heap ${(after.heapUsed / MB).toFixed(1)} MB, RSS ${(after.rss / MB).toFixed(1)} MB`);
    const expected = WARM_MESSAGES + MESSAGES;

    const heapGrowth = after.heapUsed / warm.heapUsed;
    const rssGrowth = after.rss / warm.rss;
    counter.dispose();
    return {
      id: 'memory',
      title: 'Memory of the headless core: after 10,000 messages and 200 reconnects vs after warm-up',
      lines: [
        { name: '4 Heap after load', replyline: mb(after.heapUsed), baseline: `${mb(warm.heapUsed)} (warm-up)`, ratio: ratio(heapGrowth), target: '< 1.10× (< 10 % growth)', met: heapGrowth < 1.1 },
        { name: '4 RSS after load', replyline: mb(after.rss), baseline: `${mb(warm.rss)} (warm-up)`, ratio: ratio(rssGrowth), target: '< 1.10× (< 10 % growth)', met: rssGrowth < 1.1 },
      ],
      data: {
        messages: { warmUp: WARM_MESSAGES, measured: MESSAGES, repliesAcked: counter.acked, repliesExpected: expected },
        reconnects: { warmUp: WARM_RECONNECTS, measured: RECONNECTS, opensSeen: client.opens },
        phaseSeconds: round(phaseSeconds, 1),
        serverDecryptErrors: server.record.decryptErrors.length,
        serverStillQueued: server.pendingDeliveries(account).length,
        serverDecryptErrorKinds: [...new Set(server.record.decryptErrors.map((e) => e.error))].slice(0, 5),
        emptyStanzas: server.record.clientMessages.filter((m) => m.recipients.length === 0).length,
        memory: { beforeWarmUp: inMb(before), afterWarmUp: inMb(warm), afterLoad: inMb(after) },
        stores: { afterWarmUp: warmStats, afterLoad: afterStats },
      },
      notes: [
        ...(counter.acked === expected ? [] : [`Only ${counter.acked} of ${expected} replies reached a contact (see BENCHMARKS.md, "Lost replies").`]),
        `Reply log ${String(afterStats.replyLogEntries ?? '?')} entries after load; the fake contacts failed to decrypt ${server.record.decryptErrors.length} replies.`,
      ],
      seconds: (now() - started) / 1000,
    };
  } finally {
    await client.stop();
    await server.close();
    await remove();
  }
}

/**
 * Every contact writes `per` messages, keeping up to WINDOW of them unanswered (it waits for the
 * reply to message k − WINDOW before writing message k, or 5 s if that reply never comes); the
 * contacts write concurrently. Every `messages ÷ reconnects` messages written the server drops the
 * link and the driver waits for the client to log in again; messages written meanwhile wait at the server
 * and arrive as offline messages. Then wait until every reply arrived, or none did for 15 s.
 */
async function phase(
  server: FakeWaServer,
  client: RemoteClient,
  counter: ReplyCounter,
  contacts: FakeContact[],
  account: AccountInfo,
  per: number,
  text: (k: number) => string,
  reconnects: number,
  already: number,
): Promise<void> {
  const total = per * contacts.length;
  const waiting = new Map<string, () => void>();
  const onMessage = (m: ReceivedMessage) => {
    const key = `${m.to}|${m.text ?? ''}`;
    waiting.get(key)?.();
    waiting.delete(key);
  };
  server.on('message', onMessage);
  const replyTo = (c: FakeContact, t: string) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5_000);
      waiting.set(`${c.phoneJid}|Re: ${t}`, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  let written = 0;
  const writing = Promise.all(
    contacts.map(async (c) => {
      const replies: Promise<void>[] = [];
      for (let k = 0; k < per; k++) {
        if (k >= WINDOW) await replies[k - WINDOW];
        const t = text(k);
        replies.push(replyTo(c, t));
        await c.sendText(account, t);
        written++;
      }
    }),
  );
  // Drops are spread over the messages written (not the replies: a lost reply must not hold them up).
  const every = total / Math.max(1, reconnects);
  for (let r = 1; r <= reconnects; r++) {
    while (written < Math.floor(r * every) - Math.floor(every / 2)) await sleep(5);
    const opened = client.next('open', 60_000);
    server.faults.closeSocket(account);
    await opened;
    if (r % 50 === 0) progress(`memory: ${r}/${reconnects} reconnects, ${counter.acked - already}/${total} replies`);
  }
  await writing;
  server.off('message', onMessage);
  await counter.settle(already + total, 15_000, 300_000);
  // Let receipts, acks and the stores' writes settle before measuring.
  await sleep(1_000);
}

/** Each contact's first message, a few contacts at a time: sessions and device lists get set up. */
async function introduce(counter: ReplyCounter, contacts: FakeContact[], account: AccountInfo, text: string): Promise<void> {
  for (let i = 0; i < contacts.length; i += 10) {
    const batch = contacts.slice(i, i + 10);
    await Promise.all(batch.map((c) => c.sendText(account, text)));
    await counter.settle(i + batch.length, 10_000, 60_000);
  }
}

function mb(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB`;
}

function inMb(m: MemorySample): Record<string, number> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, round(v / MB, 2)]));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runMemory().then(
    (r) => {
      emitResult(r);
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
