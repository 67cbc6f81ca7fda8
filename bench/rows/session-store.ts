/**
 * Row 3 — session store. The same 1,000 signal-key updates, recorded from real Baileys code
 * (lib/key-trace.ts), are written through Replyline's SessionStore (encrypted at rest, as in the
 * app) and through Baileys' useMultiFileAuthState, each in a fresh folder: bytes written (every
 * write counted at the fs layer, lib/fs-meter.ts) and the time until everything is written
 * (for the store: durable, after its fsync; useMultiFileAuthState never fsyncs).
 *
 * Updates are replayed call by call as Baileys made them, yielding to the event loop between
 * calls as a client does between messages, so the store cannot fold all 1,000 into one write.
 * Runs alternate store / multi-file, 5 of each; medians. Also: the same calls with random bytes
 * as values (the store's worst case: nothing to compress or diff).
 */
import { setImmediate as yieldLoop } from 'node:timers/promises';
import { useMultiFileAuthState, type SignalDataSet } from '@whiskeysockets/baileys';
import { SessionStore } from '../../main/core/session/session-store.js';
import { silenceConsole } from '../clients/protocol.js';
import { meterWrites, type FsCounts } from '../lib/fs-meter.js';
import { countByType, countUpdates, randomized, recordTrace, type KeyTrace } from '../lib/key-trace.js';
import { runIfMain, ratio, type RowResult } from '../lib/result.js';
import { BENCH_KEY_WRAPPER, median, now, progress, quietLogs, round, startServer, tempDir } from '../support.js';

const QUICK = process.env.BENCH_QUICK === '1';
const UPDATES = 1_000;
const RUNS = QUICK ? 2 : 5;

interface Replay {
  ms: number;
  cpuMs: number;
  fs: FsCounts;
}

type Target = 'store' | 'multifile';
/**
 * burst: calls back to back as Baileys awaits them, yielding to the event loop in between (a busy
 * minute, or the offline backlog after a reconnect); the store may fold many calls into one write.
 * spread: each call durable before the next (traffic spread out over time, the usual case for a
 * personal account): one write per call.
 */
type Pace = 'burst' | 'spread';

async function replay(trace: KeyTrace, target: Target, pace: Pace): Promise<Replay> {
  const { dir, remove } = await tempDir(`store-${target}`);
  const meter = await meterWrites(dir);
  try {
    let set: (data: SignalDataSet) => Promise<void>;
    let durable: () => Promise<void>;
    let close: () => Promise<void>;
    // Opening is not measured (a store opens once per run of the app).
    if (target === 'store') {
      const store = await SessionStore.open(dir, { keyWrapper: BENCH_KEY_WRAPPER });
      set = async (data) => store.state.keys.set(data);
      durable = () => store.flush();
      close = () => store.close();
    } else {
      const { state } = await useMultiFileAuthState(dir);
      set = async (data) => state.keys.set(data);
      durable = async () => undefined; // its writes are done when set resolves (never fsynced)
      close = async () => undefined;
    }
    const before = { ...meter.counts };
    const cpu0 = process.cpuUsage();
    const t0 = now();
    for (const data of trace) {
      await set(data);
      if (pace === 'spread') await durable();
      else await yieldLoop();
    }
    await durable();
    const ms = now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const after = meter.stop();
    await close();
    return {
      ms,
      cpuMs: (cpu.user + cpu.system) / 1000,
      fs: { bytes: after.bytes - before.bytes, writes: after.writes - before.writes, fsyncs: after.fsyncs - before.fsyncs, opens: after.opens - before.opens },
    };
  } finally {
    meter.stop();
    await remove();
  }
}

interface Summary {
  ms: number;
  cpuMs: number;
  bytes: number;
  writes: number;
  fsyncs: number;
}

async function compare(trace: KeyTrace, pace: Pace, label: string): Promise<Record<Target, Summary>> {
  const runs: Record<Target, Replay[]> = { store: [], multifile: [] };
  for (let i = 0; i < RUNS; i++) {
    for (const target of (i % 2 === 0 ? ['store', 'multifile'] : ['multifile', 'store']) as Target[]) {
      runs[target].push(await replay(trace, target, pace));
    }
  }
  const sum = (t: Target): Summary => ({
    ms: round(median(runs[t].map((r) => r.ms)), 1),
    cpuMs: round(median(runs[t].map((r) => r.cpuMs)), 1),
    bytes: median(runs[t].map((r) => r.fs.bytes)),
    writes: median(runs[t].map((r) => r.fs.writes)),
    fsyncs: median(runs[t].map((r) => r.fs.fsyncs)),
  });
  const out = { store: sum('store'), multifile: sum('multifile') };
  progress(
    `session-store [${label}]: store ${kb(out.store.bytes)}, ${out.store.ms.toFixed(0)} ms (CPU ${out.store.cpuMs.toFixed(0)} ms); ` +
      `multi-file ${kb(out.multifile.bytes)}, ${out.multifile.ms.toFixed(0)} ms (CPU ${out.multifile.cpuMs.toFixed(0)} ms)`,
  );
  return out;
}

export async function runSessionStore(): Promise<RowResult> {
  const started = now();
  silenceConsole({ errors: true });
  quietLogs();
  const server = await startServer();
  const { trace, rounds } = await recordTrace(server, UPDATES);
  await server.close();
  const mix = countByType(trace);
  progress(`session-store: recorded ${countUpdates(trace)} key updates in ${trace.length} calls (${rounds} rounds): ${JSON.stringify(mix)}`);

  const burst = await compare(trace, 'burst', 'recorded mix, burst');
  const spread = await compare(trace, 'spread', 'recorded mix, spread out');
  const rand = await compare(randomized(trace), 'spread', 'random bytes, spread out');
  const r = (a: number, b: number) => a / b;
  const lines: RowResult['lines'] = [
    {
      name: '3 Bytes written, recorded mix, spread out',
      replyline: kb(spread.store.bytes),
      baseline: kb(spread.multifile.bytes),
      ratio: ratio(r(spread.store.bytes, spread.multifile.bytes), 3),
      target: '≤ 0.5×',
      met: r(spread.store.bytes, spread.multifile.bytes) <= 0.5,
    },
    {
      name: '3 Bytes written, recorded mix, burst',
      replyline: kb(burst.store.bytes),
      baseline: kb(burst.multifile.bytes),
      ratio: ratio(r(burst.store.bytes, burst.multifile.bytes), 3),
      target: '≤ 0.5×',
      met: r(burst.store.bytes, burst.multifile.bytes) <= 0.5,
    },
    {
      name: '3 Bytes written, random bytes, spread out',
      replyline: kb(rand.store.bytes),
      baseline: kb(rand.multifile.bytes),
      ratio: ratio(r(rand.store.bytes, rand.multifile.bytes), 3),
      target: '(worst case, info)',
      met: null,
    },
    {
      name: '3 Time for 1,000 updates, burst (until durable)',
      replyline: `${burst.store.ms.toFixed(0)} ms`,
      baseline: `${burst.multifile.ms.toFixed(0)} ms`,
      ratio: `${r(burst.multifile.ms, burst.store.ms).toFixed(2)}× faster`,
      target: '≥ 2× faster',
      met: r(burst.multifile.ms, burst.store.ms) >= 2,
    },
    {
      name: '3 CPU time for 1,000 updates, spread out',
      replyline: `${spread.store.cpuMs.toFixed(0)} ms`,
      baseline: `${spread.multifile.cpuMs.toFixed(0)} ms`,
      ratio: `${r(spread.multifile.cpuMs, spread.store.cpuMs).toFixed(2)}× less`,
      target: '≥ 2× faster',
      met: r(spread.multifile.cpuMs, spread.store.cpuMs) >= 2,
    },
  ];
  return {
    id: 'session-store',
    title: 'Session store: 1,000 signal-key updates vs useMultiFileAuthState',
    lines,
    data: { updates: countUpdates(trace), calls: trace.length, rounds, mix, burst, spread, randomSpread: rand },
    notes: [
      `Key mix (updates by type, from ${trace.length} Baileys calls): ${Object.entries(mix).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
      `Spread out, wall time until durable: store ${spread.store.ms.toFixed(0)} ms (${spread.store.fsyncs} fsyncs), multi-file ${spread.multifile.ms.toFixed(0)} ms (no fsync at all).`,
      `Writes per 1,000 updates: store ${burst.store.writes} (burst) / ${spread.store.writes} (spread), multi-file ${spread.multifile.writes}.`,
    ],
    seconds: (now() - started) / 1000,
  };
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

runIfMain(import.meta.url, runSessionStore);
