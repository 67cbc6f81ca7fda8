import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { writeHeapSnapshot } from 'node:v8';
/**
 * The IPC between a benchmark row (which runs the fake server) and a client under test running in
 * a child process of its own, so the client's CPU and heap are its own.
 */
export interface ClientArgs {
  /** The fake server's WebSocket URL. */
  url: string;
  /** The fake server's CA public key (hex); the child installs it as Baileys' noise CA. */
  ca: string;
  /** Replyline: its data folder. */
  dataDir?: string;
  /** Replyline: rules to install (auto-reply is switched on). */
  rules?: Record<string, unknown>[];
  /** Replyline: also start the headless HTTP server, as `npm run headless` does. */
  http?: boolean;
}

export type ToClient =
  | { cmd: 'memory' }
  | { cmd: 'cpu' }
  | { cmd: 'stats'; full?: boolean }
  | { cmd: 'flush' }
  | { cmd: 'profile-start' }
  | { cmd: 'profile-stop'; file: string }
  | { cmd: 'heap-snapshot'; file: string }
  | { cmd: 'stop' };

/** CPU time the client process used so far (user + system, ms). */
export interface CpuSample {
  cpuMs: number;
}

export interface MemorySample {
  heapUsed: number;
  heapTotal: number;
  /** After the collections, once it stopped falling (see `measureMemory`). */
  rss: number;
  /** Read right after the collections. */
  rssAtGc: number;
  rssSettleMs: number;
  external: number;
  arrayBuffers: number;
}

export type FromClient =
  | { type: 'qr'; qr: string }
  | { type: 'open' }
  | { type: 'closed'; code?: number }
  | { type: 'memory'; sample: MemorySample }
  | { type: 'cpu'; sample: CpuSample }
  | { type: 'profiled'; file: string }
  | { type: 'info'; info: Record<string, unknown> }
  | { type: 'stopped' }
  | { type: 'error'; message: string };

/**
 * Silence what libsignal prints on the console: session dumps (info/warn), and in the clients
 * also the decrypt errors it prints for messages the server delivers again after a drop (Baileys
 * answers those with a 487 nack, as expected). Printing them would also slow the run down.
 */
export function silenceConsole(options: { errors?: boolean } = {}): void {
  const quiet = () => undefined;
  console.log = quiet;
  console.info = quiet;
  console.warn = quiet;
  console.debug = quiet;
  if (options.errors) console.error = quiet;
}

/** Both clients skip Baileys' 20 s wait for a history sync the fake server never sends. */
export const NO_HISTORY_SYNC = { shouldSyncHistoryMessage: () => false } as const;

export function send(msg: FromClient): void {
  process.send?.(msg);
}

/**
 * Heap and RSS after two full collections (the child runs with --expose-gc), RSS read once it has
 * stopped falling. V8 hands the pages a collection freed back to the system from a background
 * task: read at once, RSS still counted them (in the soak 100–150 MB, gone 100 ms later).
 */
export async function measureMemory(): Promise<MemorySample> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  const m = process.memoryUsage();
  const started = performance.now();
  let rss = m.rss;
  // Every 50 ms until two readings in a row fall by less than 1 MB, for 2 s at most.
  for (let calm = 0; calm < 2 && performance.now() - started < RSS_SETTLE_MAX_MS; ) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const next = process.memoryUsage.rss();
    calm = rss - next < 1024 * 1024 ? calm + 1 : 0;
    rss = next;
  }
  return {
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    rss,
    rssAtGc: m.rss,
    rssSettleMs: Math.round(performance.now() - started),
    external: m.external,
    arrayBuffers: m.arrayBuffers,
  };
}

const RSS_SETTLE_MAX_MS = 2_000;

let profiler: Session | undefined;
/** BENCH_PROFILE_HEAP=1: the profile is of allocations (a `.heapprofile`), not of CPU time. */
const HEAP_PROFILE = process.env.BENCH_PROFILE_HEAP === '1';

/**
 * The probes both clients answer (memory, CPU time, a V8 CPU profile of a phase). Returns false
 * for commands the client handles itself.
 */
export function handleProbe(msg: ToClient): boolean {
  switch (msg.cmd) {
    case 'memory':
      void measureMemory().then((sample) => send({ type: 'memory', sample }));
      return true;
    case 'cpu': {
      const u = process.cpuUsage();
      send({ type: 'cpu', sample: { cpuMs: (u.user + u.system) / 1000 } });
      return true;
    }
    case 'profile-start':
      void (async () => {
        profiler = new Session();
        profiler.connect();
        if (HEAP_PROFILE) {
          // Sampled allocations (every 32 KiB on average), kept whether or not they were collected.
          await profiler.post('HeapProfiler.startSampling', { samplingInterval: 32_768, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
        } else {
          await profiler.post('Profiler.enable');
          await profiler.post('Profiler.start');
        }
        send({ type: 'info', info: { profiling: true } });
      })();
      return true;
    case 'profile-stop':
      void (async () => {
        const session = profiler;
        profiler = undefined;
        if (session) {
          const { profile } = HEAP_PROFILE ? await session.post('HeapProfiler.stopSampling') : await session.post('Profiler.stop');
          await writeFile(msg.file, JSON.stringify(profile));
          session.disconnect();
        }
        send({ type: 'profiled', file: msg.file });
      })();
      return true;
    case 'heap-snapshot':
      // Synchronous: the client stands still for the seconds it takes (a diagnosis, not a figure).
      writeHeapSnapshot(msg.file);
      send({ type: 'profiled', file: msg.file });
      return true;
    case 'stats':
    case 'flush':
    case 'stop':
      return false;
  }
}

/** A crash in the child is reported to the row (which then fails) instead of a silent exit. */
export function reportCrashes(): void {
  const report = (err: unknown) => {
    send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    setTimeout(() => process.exit(1), 100);
  };
  process.on('uncaughtException', report);
  process.on('unhandledRejection', report);
}
