/**
 * Shared plumbing for the benchmarks. The fake WhatsApp server, a Replyline core on a fresh
 * folder and pairing come from the test harness (test/support/, its Vitest-free part), so the
 * benchmarks drive the core exactly as the integration tests do; what is bench-only lives here:
 * a bare Baileys client with in-memory creds, a clock, percentiles, async temp folders and
 * progress lines. Every benchmark runs the real Baileys client against `test/fake-wa`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { connectClient, createMemoryAuth, type AccountInfo, type FakeWaServer, type MemoryAuth, type TestClient } from '../test/fake-wa/index.js';
import type { Core, CreateCoreOptions } from '../main/core/app/create-core.js';
import { configureLogging } from '../main/core/logging/logger.js';
import { startCore as startHarnessCore } from '../test/support/core-start.js';

export { pairCore } from '../test/support/core-start.js';
export { startFakeWa as startServer, TEST_KEY_WRAPPER as BENCH_KEY_WRAPPER } from '../test/support/wa-harness.js';

export const now = (): number => performance.now();

/** Progress to stderr (stdout of a row process is reserved for its result). */
export function progress(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

export function quietLogs(): void {
  // The controller gives Baileys' logger its own level (default warn).
  process.env.REPLYLINE_BAILEYS_LOG_LEVEL ??= 'silent';
  configureLogging({ level: (process.env.BENCH_LOG_LEVEL as 'error' | undefined) ?? 'silent' });
}

export async function tempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `replyline-bench-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** The harness's core, with a longer ack timeout: a loaded machine must not turn into retries. */
export function startCore(server: FakeWaServer, dataDir: string, options: Partial<CreateCoreOptions> = {}): Promise<Core> {
  return startHarnessCore(server, dataDir, { ...options, outbox: { ackTimeoutMs: 5_000, ...options.outbox } });
}

/** A bare Baileys client paired to `account` and logged in (in-memory creds). */
export async function pairBare(
  server: FakeWaServer,
  account: AccountInfo,
  config: Parameters<typeof connectClient>[2] = {},
): Promise<{ auth: MemoryAuth; client: TestClient }> {
  const auth = createMemoryAuth();
  const reg = connectClient(server.url, auth, config);
  await server.scanQr(await reg.nextQr(), account);
  await reg.closed;
  const client = connectClient(server.url, auth, config);
  await client.opened;
  return { auth, client };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll a condition (the suites wait with Vitest's vi.waitFor, test/support/poll.ts; a benchmark cannot). */
export async function until(cond: () => boolean, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Nearest-rank percentile of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
