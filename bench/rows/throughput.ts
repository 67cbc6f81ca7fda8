/**
 * Row 2 — throughput. 2,000 inbound messages from 50 contacts go through decrypt → rules →
 * outbox → encrypt → fake server; counted from the first message written to the last reply the
 * server acknowledged. Replyline (the whole core, rules on, everything durable and encrypted at
 * rest) vs a bare Baileys echo loop (in-memory creds, nothing persisted). Each client runs in a
 * child process of its own; the fake server and the 50 contacts run in this process. Runs
 * alternate (Replyline, bare, bare, Replyline, …) on a fresh server and a fresh pairing each;
 * the ratio is the median of the per-pair ratios. The client's CPU time per message is reported
 * too: unlike wall time it hardly moves when other work shares the machine.
 */
import { mkdirSync } from 'node:fs';
import { silenceConsole } from '../clients/protocol.js';
import { loadRules, ReplyCounter, writeAll } from '../lib/load.js';
import { RemoteClient, type ClientKind } from '../lib/remote-client.js';
import { runIfMain, ratio, type RowResult } from '../lib/result.js';
import { median, now, progress, round, startServer, tempDir } from '../support.js';

const QUICK = process.env.BENCH_QUICK === '1';
const MESSAGES = 2_000;
const CONTACTS = 50;
const PAIRS = QUICK ? 1 : 3;

interface Run {
  kind: ClientKind;
  seconds: number;
  perSecond: number;
  cpuMsPerMessage: number;
  /** Replies the server acknowledged (of MESSAGES). */
  replies: number;
  /** `<message>` stanzas the client sent with no recipient at all (see BENCHMARKS.md). */
  emptyStanzas: number;
  /** Frames the client sent the server per message in the measured phase, by tag (`iq:usync` …). */
  framesPerMessage: Record<string, number>;
}

/** Count the frames clients send the server, by tag (and first child for iqs), from now on. */
function countFrames(server: Awaited<ReturnType<typeof startServer>>): Map<string, number> {
  const counts = new Map<string, number>();
  const record = server.record;
  const frame = record.frame.bind(record);
  record.frame = (rec, f) => {
    if (f.dir === 'in') {
      const key = f.tag === 'iq' ? `iq:${f.child ?? ''}` : f.tag;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    frame(rec, f);
  };
  return counts;
}

export async function runThroughputOnce(kind: ClientKind, profileFile?: string): Promise<Run> {
  const server = await startServer();
  const frames = countFrames(server);
  const account = server.createAccount({ name: 'Bench' });
  const { dir, remove } = await tempDir('throughput');
  const client = await RemoteClient.start(kind, server, { dataDir: dir, rules: loadRules(MESSAGES / CONTACTS) });
  try {
    await client.pair(server, account);
    const contacts = Array.from({ length: CONTACTS }, (_, i) => server.createContact({ name: `Contact ${i}` }));
    const counter = new ReplyCounter(server, contacts);
    // Warm-up: every contact's first message (sessions are set up both ways).
    await writeAll(contacts, account, 1, () => 'warm');
    await counter.reach(CONTACTS, 60_000);
    if (profileFile) await client.profileStart();
    const frames0 = new Map(frames);
    const cpu0 = await client.cpuMs();
    const t0 = now();
    const writing = writeAll(contacts, account, MESSAGES / CONTACTS, (k) => `q${k}`);
    await counter.settle(CONTACTS + MESSAGES, 20_000, 300_000);
    const replies = counter.acked - CONTACTS;
    // A run that lost replies stalled for 20 s before giving up: count only up to the last reply.
    const seconds = (counter.lastAckAt - t0) / 1000;
    const cpu = (await client.cpuMs()) - cpu0;
    await writing;
    if (profileFile) await client.profileStop(profileFile);
    counter.dispose();
    const emptyStanzas = server.record.clientMessages.filter((m) => m.recipients.length === 0).length;
    const framesPerMessage: Record<string, number> = {};
    for (const [tag, n] of frames) {
      const d = n - (frames0.get(tag) ?? 0);
      if (d > 0) framesPerMessage[tag] = round(d / MESSAGES, 3);
    }
    return { kind, seconds, perSecond: replies / seconds, cpuMsPerMessage: cpu / MESSAGES, replies, emptyStanzas, framesPerMessage };
  } finally {
    await client.stop();
    await server.close();
    await remove();
  }
}

export async function runThroughput(): Promise<RowResult> {
  const started = now();
  silenceConsole({ errors: true });
  const runs: Run[] = [];
  const pairRatios: number[] = [];
  if (process.env.BENCH_PROFILE) mkdirSync(process.env.BENCH_PROFILE, { recursive: true });
  for (let p = 0; p < PAIRS; p++) {
    const order: ClientKind[] = p % 2 === 0 ? ['replyline', 'bare'] : ['bare', 'replyline'];
    const pair: Partial<Record<ClientKind, Run>> = {};
    for (const kind of order) {
      const prof = process.env.BENCH_PROFILE ? `${process.env.BENCH_PROFILE}/throughput-${kind}-${p}.${process.env.BENCH_PROFILE_HEAP === '1' ? 'heapprofile' : 'cpuprofile'}` : undefined;
      const run = await runThroughputOnce(kind, prof);
      runs.push(run);
      pair[kind] = run;
      progress(`throughput: ${kind} ${run.perSecond.toFixed(0)} msg/s, client CPU ${run.cpuMsPerMessage.toFixed(2)} ms/msg`);
    }
    pairRatios.push(pair.replyline!.perSecond / pair.bare!.perSecond);
  }
  const of = (kind: ClientKind) => runs.filter((r) => r.kind === kind);
  const rl = median(of('replyline').map((r) => r.perSecond));
  const bl = median(of('bare').map((r) => r.perSecond));
  const rCpu = median(of('replyline').map((r) => r.cpuMsPerMessage));
  const bCpu = median(of('bare').map((r) => r.cpuMsPerMessage));
  const r = median(pairRatios);
  return {
    id: 'throughput',
    title: 'Throughput: 2,000 messages from 50 contacts, inbound → reply acked',
    lines: [
      { name: '2 Throughput', replyline: `${rl.toFixed(0)} msg/s`, baseline: `${bl.toFixed(0)} msg/s`, ratio: ratio(r), target: '≥ 0.8×', met: r >= 0.8 },
      {
        name: '2 Client CPU per message',
        replyline: `${rCpu.toFixed(2)} ms`,
        baseline: `${bCpu.toFixed(2)} ms`,
        ratio: ratio(bCpu / rCpu),
        target: '(info: bare ÷ Replyline)',
        met: null,
      },
    ],
    data: {
      messages: MESSAGES,
      contacts: CONTACTS,
      runs: runs.map((x) => ({ ...x, seconds: round(x.seconds, 3), perSecond: round(x.perSecond, 1), cpuMsPerMessage: round(x.cpuMsPerMessage, 3) })),
      pairRatios: pairRatios.map((x) => round(x, 3)),
    },
    notes: [
      `Per-pair throughput ratios: ${pairRatios.map((x) => x.toFixed(2)).join(', ')}.`,
      ...runs.filter((x) => x.replies < MESSAGES).map((x) => `A ${x.kind} run got only ${x.replies} of ${MESSAGES} replies acked (${x.emptyStanzas} empty stanzas).`),
    ],
    seconds: (now() - started) / 1000,
  };
}

runIfMain(import.meta.url, runThroughput);
