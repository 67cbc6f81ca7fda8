/**
 * Row 4 — memory over a long soak. The headless core (createCoreService and the headless HTTP
 * server, as headless mode runs them; compiled, in a child process of its own started with
 * --expose-gc) answers 50,000 messages from 200 contacts while the fake server drops its link 500
 * times. Every 1,000 messages the contacts have written, heap and RSS are read after two forced
 * full collections (RSS once it stopped falling: clients/protocol.ts `measureMemory`), with the
 * sizes of the bounded stores beside them.
 *
 * Each sample is taken at a settled moment: the contacts stop writing and the drops wait until
 * the link is open and every message written so far has its reply acknowledged (or no reply came
 * for SETTLE_QUIET_MS: a reply that will not come, such as one the client lists as missed), for
 * SETTLE_MAX_MS at most; then the client finishes the writes and compactions its stores have
 * started, the memory is read and the load goes on. A sample taken in the middle of a drop and
 * reopen reads the work in flight (hundreds of messages being decrypted, decided and answered at
 * once), not what the core keeps: heap snapshots taken right after such samples held a third of
 * the heap the sample had read (BENCHMARKS.md). Samples that did not settle in time are counted
 * in the result.
 *
 * Pass: over the second half of the run, a least-squares line through the samples grows less than
 * 5 % (heap and RSS each). Then the same soak without drops, as a control: under drops the fake
 * server redelivers messages the client never receipts (BENCHMARKS.md, "Lost replies"), and the
 * control tells that apart from Replyline's own memory. The bench writes bench/soak.svg, the
 * chart BENCHMARKS.md shows.
 *
 * Load: 100 keyword rules (q0 … q99, every message gets a reply despite the 10 s per-chat
 * cooldown); each contact keeps at most three messages unanswered (a reply that never comes
 * releases the next message after 30 s), and the contacts write concurrently. A drop every 100
 * messages the client has taken in (the fake server holds them no more), and the contacts wait
 * whenever the drops fall more than two behind the writing, so the drops are spread over the
 * whole run; messages written while the link is down arrive as offline messages.
 *
 * BENCH_QUICK: 10,000 messages and 100 drops (a smoke run: its second half is not steady state).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FakeContact, AccountInfo, ReceivedMessage, FakeWaServer } from '../../test/fake-wa/index.js';
import { silenceConsole, type MemorySample } from '../clients/protocol.js';
import { lineChartSvg } from '../lib/chart.js';
import { loadRules, ReplyCounter } from '../lib/load.js';
import { RemoteClient } from '../lib/remote-client.js';
import { runIfMain, type RowResult } from '../lib/result.js';
import { fittedGrowth } from '../lib/trend.js';
import { now, progress, round, sleep, startServer, tempDir } from '../support.js';

const QUICK = process.env.BENCH_QUICK === '1';
const CONTACTS = 200;
const RULES = 100;
const MESSAGES = Number(process.env.BENCH_SOAK_MESSAGES ?? (QUICK ? 10_000 : 50_000));
const RECONNECTS = Number(process.env.BENCH_SOAK_RECONNECTS ?? (QUICK ? 100 : 500));
const SAMPLE_EVERY = 1_000;
/** Unanswered messages each contact may have at a time. */
const WINDOW = 3;
/**
 * How long a contact waits for a reply before writing its next message anyway (BENCH_SOAK_REPLY_WAIT_MS).
 * Long enough that replies delayed by a reconnect do not release more messages: with 5 s the
 * contacts wrote ahead of a client catching up after a drop, its backlog grew without bound, and
 * the memory figure measured the backlog rather than Replyline.
 */
const REPLY_WAIT_MS = Number(process.env.BENCH_SOAK_REPLY_WAIT_MS ?? 30_000);
const TARGET_GROWTH = 0.05;
/** The longest a sample waits for the load to settle (see above) before it reads the memory anyway. */
const SETTLE_MAX_MS = Number(process.env.BENCH_SOAK_SETTLE_MAX_MS ?? 60_000);
/** With the load idle, this long without a new reply also counts as settled. */
const SETTLE_QUIET_MS = 3_000;
/** How many drops the schedule may run behind before the contacts wait for them. */
const LAG_DROPS = 2;
/** BENCH_SOAK_CLIENT=bare: the same soak through the bare Baileys echo loop (for comparing lost replies). */
const KIND = (process.env.BENCH_SOAK_CLIENT ?? 'replyline') as 'replyline' | 'bare';
/** Also the same soak without drops (BENCH_SOAK_CONTROL=0 leaves it out). */
const CONTROL = process.env.BENCH_SOAK_CONTROL !== '0';
const MB = 1024 * 1024;

const here = path.dirname(fileURLToPath(import.meta.url));
export const CHART_FILE = path.resolve(here, '../soak.svg');

interface Sample {
  /** Messages the contacts had written. */
  messages: number;
  /** Replies acknowledged by then. */
  replies: number;
  heapMb: number;
  /** V8's heap as committed (used plus free space it keeps). */
  heapTotalMb: number;
  /** RSS once it stopped falling after the collections; `rssAtGcMb` read right after them. */
  rssMb: number;
  rssAtGcMb: number;
  externalMb: number;
  reconnects: number;
  /** How long the sample waited for the load to settle; `settled: false` when it gave up. */
  settleMs: number;
  settled: boolean;
  /** A commit-log compaction still running when the memory was read; key-log compactions so far. */
  commitLogCompacting: boolean;
  keyLogCompactions: number;
  sizes: Record<string, number>;
  atSeconds: number;
}

interface SoakRun {
  drops: number;
  samples: Sample[];
  heap: ReturnType<typeof fittedGrowth>;
  rss: ReturnType<typeof fittedGrowth>;
  half: Sample[];
  repliesAcked: number;
  seconds: number;
  dropsDone: number;
  opensSeen: number;
  storesAtEnd: Record<string, unknown>;
  serverDecryptErrors: number;
  /** The fake parties' decrypt errors of the client's copies, by error message, enc type and recipient. */
  serverDecryptErrorKinds: Record<string, number>;
  serverStillQueued: number;
}

/** One soak: a fresh fake server and client, MESSAGES messages, `drops` link drops. */
async function soak(drops: number): Promise<SoakRun> {
  const server = await startServer();
  const account = server.createAccount({ name: 'Bench' });
  const { dir, remove } = await tempDir('soak');
  const client = await RemoteClient.start(KIND, server, { dataDir: dir, rules: loadRules(RULES, false), http: true }, { exposeGc: true });
  try {
    await client.pair(server, account);
    const contacts = Array.from({ length: CONTACTS }, (_, i) => server.createContact({ name: `Contact ${i}` }));
    const counter = new ReplyCounter(server, contacts);
    // Each contact's first message, a few at a time: sessions and device lists are set up, as for
    // anyone one has talked to. Not counted.
    for (let i = 0; i < contacts.length; i += 20) {
      const batch = contacts.slice(i, i + 20);
      await Promise.all(batch.map((c) => c.sendText(account, 'q99')));
      await counter.settle(i + batch.length, 10_000, 60_000);
    }
    const introduced = counter.acked;
    progress(`soak (${drops} drops): ${CONTACTS} contacts introduced`);

    const samples: Sample[] = [];
    // BENCH_SOAK_SNAPSHOT_DIR: heap snapshots for finding what grows or what a high sample holds:
    // one at the first sample of the second half, one at the last sample, and one at the first
    // sample between them whose heap is over 1.4 × the median of the five before it. A diagnosis
    // run only: writing a snapshot takes hundreds of MB outside the heap that the allocator keeps,
    // so RSS from the first snapshot on says nothing about Replyline (the heap figures still do).
    const snapshotDir = process.env.BENCH_SOAK_SNAPSHOT_DIR;
    const taken = new Set<string>();
    const maybeSnapshot = async (s: Sample) => {
      if (!snapshotDir || drops === 0) return;
      const before = samples.slice(-6, -1).map((x) => x.heapMb).sort((a, b) => a - b);
      const high = before.length === 5 && s.heapMb > 1.4 * before[2]!;
      const which =
        !taken.has('base') && s.messages >= MESSAGES / 2
          ? 'base'
          : s.messages >= MESSAGES
            ? 'end'
            : !taken.has('high') && taken.has('base') && high
              ? 'high'
              : undefined;
      if (!which) return;
      taken.add(which);
      const file = path.join(snapshotDir, `soak-${which}-${s.messages}.heapsnapshot`);
      await client.heapSnapshot(file);
      progress(`soak (${drops} drops): heap snapshot at ${s.messages} messages (${s.heapMb} MB): ${file}`);
    };
    let reconnects = 0;
    const t0 = now();
    const load = drive(server, client, contacts, account, drops, (n) => (reconnects = n));
    const sample = async () => {
      const settleStart = now();
      load.pause();
      let acked = counter.acked;
      let quietSince = now();
      const settled = await settledWithin(() => {
        if (counter.acked !== acked || !load.idle()) [acked, quietSince] = [counter.acked, now()];
        return load.idle() && (counter.acked - introduced >= load.written() || now() - quietSince > SETTLE_QUIET_MS);
      }, SETTLE_MAX_MS);
      // Writes and compactions in flight (a compaction holds every record of its store a second time).
      if (KIND === 'replyline') await client.flush();
      const settleMs = round(now() - settleStart, 0);
      const messages = load.written();
      const mem: MemorySample = await client.memory();
      const stats = KIND === 'replyline' ? await client.stats() : {};
      const compaction = (stats.compacting ?? {}) as { commitLog?: boolean; keyLogCompactions?: number };
      const s: Sample = {
        messages,
        replies: counter.acked - introduced,
        heapMb: round(mem.heapUsed / MB, 2),
        heapTotalMb: round(mem.heapTotal / MB, 2),
        rssMb: round(mem.rss / MB, 2),
        rssAtGcMb: round(mem.rssAtGc / MB, 2),
        externalMb: round(mem.external / MB, 2),
        reconnects,
        settleMs,
        settled,
        commitLogCompacting: compaction.commitLog === true,
        keyLogCompactions: compaction.keyLogCompactions ?? 0,
        sizes: (stats.sizes ?? {}) as Record<string, number>,
        atSeconds: round((now() - t0) / 1000, 1),
      };
      samples.push(s);
      await maybeSnapshot(s);
      load.resume();
      if (samples.length % 5 === 1) {
        progress(
          `soak (${drops} drops): ${messages} messages, ${s.replies} replies, ${reconnects} drops: heap ${s.heapMb} MB, RSS ${s.rssMb} MB` +
            ` (settled ${settled ? 'in' : 'NOT in'} ${settleMs} ms)`,
        );
      }
    };
    await sample();
    for (let next = SAMPLE_EVERY; next <= MESSAGES; next += SAMPLE_EVERY) {
      while (load.written() < next) await sleep(20);
      await sample();
    }
    // The tail (the drops still due, then the last replies) is quiet work: said step by step, so a
    // slow tail is told apart from a stuck one.
    progress(`soak (${drops} drops): all ${MESSAGES} written, ${counter.acked - introduced} replies, ${reconnects} drops so far`);
    await load.done;
    progress(`soak (${drops} drops): drops done (${reconnects}), ${counter.acked - introduced} replies; waiting for the rest`);
    await counter.settle(introduced + MESSAGES, 15_000, 300_000);
    progress(`soak (${drops} drops): settled at ${counter.acked - introduced} replies`);
    const stats = KIND === 'replyline' ? await client.stats(true) : {};
    const seconds = (now() - t0) / 1000;
    counter.dispose();
    const half = samples.filter((s) => s.messages >= MESSAGES / 2);
    return {
      drops,
      samples,
      half,
      heap: fittedGrowth(half.map((s) => ({ x: s.messages, y: s.heapMb }))),
      rss: fittedGrowth(half.map((s) => ({ x: s.messages, y: s.rssMb }))),
      repliesAcked: counter.acked - introduced,
      seconds,
      dropsDone: reconnects,
      opensSeen: client.opens,
      storesAtEnd: stats,
      serverDecryptErrors: server.record.decryptErrors.length,
      serverDecryptErrorKinds: countBy(
        server.record.decryptErrors.map((e) => `${e.error} (${e.encType ?? '?'}, ${e.to === account.phoneJid ? 'own phone' : 'contact'})`),
      ),
      serverStillQueued: server.pendingDeliveries(account).length,
    };
  } finally {
    await client.stop();
    await server.close();
    await remove();
  }
}

export async function runSoak(): Promise<RowResult> {
  const started = now();
  silenceConsole({ errors: true });
  const pct = (g: number) => `${g >= 0 ? '+' : ''}${(g * 100).toFixed(1)} %`;
  const withDrops = await soak(RECONNECTS);
  // Said now: the control run below takes as long again, and a stopped run keeps this much.
  progress(
    `soak (${RECONNECTS} drops) done: heap ${pct(withDrops.heap.growth)}, RSS ${pct(withDrops.rss.growth)} fitted over the second half; ` +
      `${withDrops.repliesAcked} replies acked; samples ${JSON.stringify(withDrops.samples.map((x) => [x.messages, x.heapMb, x.rssMb]))}`,
  );
  // The same soak without drops: what Replyline's memory does when every message is delivered once.
  const control = CONTROL ? await soak(0) : undefined;
  const runs = [withDrops, ...(control ? [control] : [])];
  const label = (r: SoakRun, g: number) => `${r.drops > 0 ? `${r.drops} drops` : 'no drops'}: ${pct(g)}`;
  const color = (r: SoakRun, which: 'heap' | 'rss') => (r.drops > 0 ? (which === 'heap' ? '#2563eb' : '#db2777') : '#9ca3af');
  await writeFile(
    CHART_FILE,
    lineChartSvg(
      `Headless core over the soak: ${MESSAGES.toLocaleString('en-US')} messages from ${CONTACTS} contacts`,
      'messages written (samples with the load settled, after two forced GCs; dashed: fit over the second half)',
      (['heap', 'rss'] as const).map((which) => ({
        name: which === 'heap' ? 'Heap used' : 'RSS',
        lines: runs.map((r) => ({
          label: label(r, r[which].growth),
          points: r.samples.map((s) => ({ x: s.messages, y: which === 'heap' ? s.heapMb : s.rssMb })),
          fit: r[which].fit,
          fitFrom: r.half[0]!.messages,
          color: color(r, which),
        })),
      })),
    ),
  );
  const line = (r: SoakRun, which: 'heap' | 'rss') => {
    const first = r.half[0]!;
    const last = r.samples[r.samples.length - 1]!;
    const g = r[which];
    const control = r.drops === 0;
    return {
      name: `4 ${which === 'heap' ? 'Heap' : 'RSS'}, second half of the soak${control ? ', no drops (control)' : `, ${r.drops} drops`}`,
      replyline: `${which === 'heap' ? first.heapMb : first.rssMb} → ${which === 'heap' ? last.heapMb : last.rssMb} MB`,
      baseline: `fit ${g.from.toFixed(1)} → ${g.to.toFixed(1)} MB`,
      ratio: pct(g.growth),
      target: control ? '(info: < +5 %)' : '< +5 % (fitted)',
      met: control ? null : g.growth < TARGET_GROWTH,
    };
  };
  const sizesOf = (r: SoakRun) =>
    Object.entries(r.samples[r.samples.length - 1]!.sizes)
      .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
      .join(', ');
  const summary = (r: SoakRun) => {
    const lost = MESSAGES - r.repliesAcked;
    return (
      `${r.drops > 0 ? `With ${r.dropsDone} drops` : 'Without drops'}: ${r.repliesAcked.toLocaleString('en-US')} of ` +
      `${MESSAGES.toLocaleString('en-US')} replies acknowledged${lost > 0 ? ` (${lost.toLocaleString('en-US')} lost; ${r.serverStillQueued.toLocaleString('en-US')} messages still queued at the fake server, never receipted by the client: see BENCHMARKS.md, "Lost replies")` : ''}; ` +
      `${round(r.seconds / 60, 1)} min; ${settling(r)}; bounded stores at the end: ${sizesOf(r)}.`
    );
  };
  const settling = (r: SoakRun) => {
    const waits = r.samples.map((x) => x.settleMs).sort((a, b) => a - b);
    const unsettled = r.samples.filter((x) => !x.settled).length;
    return (
      `samples settled in ${waits[Math.floor(waits.length / 2)]} ms (median), ${waits[waits.length - 1]} ms at most` +
      (unsettled > 0 ? `, ${unsettled} of ${r.samples.length} NOT settled within ${SETTLE_MAX_MS / 1000} s` : '')
    );
  };
  const data = (r: SoakRun) => ({
    drops: { planned: r.drops, done: r.dropsDone, opensSeen: r.opensSeen },
    repliesAcked: r.repliesAcked,
    soakSeconds: round(r.seconds, 1),
    unsettledSamples: r.samples.filter((x) => !x.settled).length,
    fit: {
      heap: { growth: round(r.heap.growth, 4), fromMb: round(r.heap.from, 2), toMb: round(r.heap.to, 2), mbPer10kMessages: round(r.heap.fit.slope * 10_000, 3) },
      rss: { growth: round(r.rss.growth, 4), fromMb: round(r.rss.from, 2), toMb: round(r.rss.to, 2), mbPer10kMessages: round(r.rss.fit.slope * 10_000, 3) },
    },
    samples: r.samples,
    storesAtEnd: r.storesAtEnd,
    serverDecryptErrors: r.serverDecryptErrors,
    serverDecryptErrorKinds: r.serverDecryptErrorKinds,
    serverStillQueued: r.serverStillQueued,
  });
  return {
    id: 'soak',
    title: `Memory of the headless core over ${MESSAGES.toLocaleString('en-US')} messages and ${RECONNECTS} drops`,
    lines: runs.flatMap((r) => [line(r, 'heap'), line(r, 'rss')]),
    data: { messages: MESSAGES, contacts: CONTACTS, client: KIND, withDrops: data(withDrops), ...(control ? { control: data(control) } : {}) },
    notes: [...runs.map(summary), 'Chart: bench/soak.svg.'],
    seconds: (now() - started) / 1000,
  };
}

/** Whether `cond` came true within `ms` (polled every 20 ms). */
async function settledWithin(cond: () => boolean, ms: number): Promise<boolean> {
  const end = now() + ms;
  while (!cond()) {
    if (now() > end) return false;
    await sleep(20);
  }
  return true;
}

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

/**
 * The contacts write MESSAGES messages in all (CONTACTS × per), each keeping at most WINDOW
 * unanswered; the server drops the link every MESSAGES ÷ RECONNECTS messages the client has
 * taken in (receipted or nacked for good) and the driver waits until the client is back.
 */
function drive(
  server: FakeWaServer,
  client: RemoteClient,
  contacts: FakeContact[],
  account: AccountInfo,
  drops: number,
  onReconnect: (n: number) => void,
): { written: () => number; done: Promise<void>; pause: () => void; resume: () => void; idle: () => boolean } {
  const per = Math.ceil(MESSAGES / contacts.length);
  let written = 0;
  // A sample pauses the load (no new message, no new drop) and waits for it to settle.
  let paused = false;
  let dropInProgress = false;
  let sending = 0;
  // Message k of a contact says q<k mod RULES>: rule q<k> answers it, and the same rule comes
  // back in that chat only RULES messages later, well after its 10 s cooldown.
  const text = (k: number) => `q${k % RULES}`;
  const waiting = new Map<string, Array<() => void>>();
  const onMessage = (m: ReceivedMessage) => {
    const key = `${m.to}|${m.text ?? ''}`;
    const list = waiting.get(key);
    const first = list?.shift();
    if (list && list.length === 0) waiting.delete(key);
    first?.();
  };
  server.on('message', onMessage);
  const replyTo = (c: FakeContact, t: string) =>
    new Promise<void>((resolve) => {
      const key = `${c.phoneJid}|Re: ${t}`;
      let list = waiting.get(key);
      if (!list) waiting.set(key, (list = []));
      const timer = setTimeout(resolve, REPLY_WAIT_MS);
      list.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  // The drops keep pace with the writing: a contact does not write on while the drops are more
  // than LAG_DROPS behind the schedule (drop r due once r × every messages are written). Without
  // this, a drop, its reopen and the ½ × every messages taken in before the next one took longer
  // than the contacts took to write every messages, so half the drops came after the last
  // message (and the samples, taken while writing, saw only the other half).
  const every = MESSAGES / Math.max(1, drops);
  let dropsDone = 0;
  const dropsBehind = () => drops > 0 && dropsDone < Math.min(drops, Math.floor(written / every)) - LAG_DROPS;
  const writing = Promise.all(
    contacts.map(async (c) => {
      const replies: Promise<void>[] = [];
      for (let k = 0; k < per && written < MESSAGES; k++) {
        if (k >= WINDOW) await replies[k - WINDOW];
        while (paused || dropsBehind()) await sleep(20);
        if (written >= MESSAGES) break;
        const t = text(k);
        replies.push(replyTo(c, t));
        written++;
        sending++;
        try {
          await c.sendText(account, t);
        } finally {
          sending--;
        }
      }
    }),
  );
  // The drops are paced by the messages the client has taken in (the server holds them no more:
  // receipted, or nacked for good), not by messages written: the contacts keep writing while the
  // link is down or the client is behind, and drops paced by writing come back to back right after
  // each reopen (at the start, 600 messages are written at once: six drops within a second),
  // before the client can take in anything, which no client survives.
  const takenIn = () => written - server.pendingDeliveries(account).length;
  let writingDone = false;
  let takenInAtDrop = 0;
  const dropping = (async () => {
    let last = takenIn();
    let lastChangeAt = now();
    for (let r = 1; r <= drops; r++) {
      // On schedule (drop r at (r - ½) × every taken in), and never sooner than ½ × every after
      // the previous reopen: a client that fell behind and catches up is not dropped back to back.
      const due = Math.max(Math.floor(r * every) - Math.floor(every / 2), takenInAtDrop + Math.floor(every / 2));
      for (;;) {
        const n = takenIn();
        if (n !== last) [last, lastChangeAt] = [n, now()];
        if (n >= due) break;
        // Once everything is written, a client that takes in nothing more for 3 s must not hold
        // up the remaining drops (at 10 s, a client that fell behind the schedule left a
        // hundred or more drops for after the writing: half an hour of waiting).
        // The same while the contacts wait for the drops to catch up.
        if ((writingDone || dropsBehind()) && now() - lastChangeAt > 3_000) break;
        await sleep(50);
      }
      while (paused) await sleep(20);
      dropInProgress = true;
      const opened = client.next('open', 60_000);
      server.faults.closeSocket(account);
      await opened;
      dropInProgress = false;
      takenInAtDrop = takenIn();
      dropsDone = r;
      onReconnect(r);
      if (writingDone && r % 10 === 0) progress(`soak (${drops} drops): drop ${r} of ${drops} after writing`);
    }
  })();
  return {
    written: () => written,
    pause: () => (paused = true),
    resume: () => (paused = false),
    // Every message written is at the server's side and the link is up. (Not "the server holds
    // nothing for the client": a few messages the client nacked for good stay queued there.)
    idle: () => sending === 0 && !dropInProgress,
    done: Promise.all([writing.then(() => (writingDone = true)), dropping]).then(() => {
      server.off('message', onMessage);
    }),
  };
}

runIfMain(import.meta.url, runSoak);
