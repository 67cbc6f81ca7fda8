/**
 * Shared plumbing for the benchmarks: the fake WhatsApp server, a Replyline core on a fresh
 * folder, a bare Baileys client with in-memory creds, a clock, percentiles and progress lines.
 * Every benchmark runs the real Baileys client against `test/fake-wa`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { FakeWaServer, installFakeCa, connectClient, createMemoryAuth, type MemoryAuth, type TestClient } from '../test/fake-wa/index.js';
import type { AccountInfo } from '../test/fake-wa/index.js';
import { createCoreService, type Core, type CreateCoreOptions } from '../main/core/app/create-core.js';
import { configureLogging } from '../main/core/logging/logger.js';
import { passphraseKeyWrapper } from '../main/core/storage/cipher.js';
import type { ConnectionState, ConnectionStateKind } from '../main/contract/api.js';
import { waitForState as waitForControllerState } from '../test/support/wa-harness.js';

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

export async function startServer(options: Parameters<typeof FakeWaServer.start>[0] = {}): Promise<FakeWaServer> {
  const server = await FakeWaServer.start(options);
  installFakeCa(server);
  return server;
}

/** The key wrapper the tests use (a fixed passphrase): the session is encrypted at rest as in the app. */
export const BENCH_KEY_WRAPPER = passphraseKeyWrapper(Buffer.alloc(32, 7));

export function socketConfig(server: FakeWaServer) {
  return {
    waWebSocketUrl: server.url,
    connectTimeoutMs: 5_000,
    defaultQueryTimeoutMs: 5_000,
    keepAliveIntervalMs: 10_000,
  };
}

/** A Replyline core on `dataDir` (limits raised: the rows measure delivery, not loop protection). */
export function startCore(server: FakeWaServer, dataDir: string, options: Partial<CreateCoreOptions> = {}): Promise<Core> {
  return createCoreService({
    dataDir,
    keyWrapper: BENCH_KEY_WRAPPER,
    timeZone: 'UTC',
    ...options,
    socketConfig: { ...socketConfig(server), ...options.socketConfig },
    controller: { backoff: { baseMs: 50, capMs: 500, random: () => 1 }, ...options.controller },
    outbox: { ackTimeoutMs: 5_000, ...options.outbox },
    rateLimits: {
      global: { max: 10_000, windowMs: 60_000 },
      perConversation: { max: 10_000, windowMs: 60_000 },
      ...options.rateLimits,
    },
  });
}

export function waitForState<K extends ConnectionStateKind>(
  core: Core,
  kind: K,
  timeoutMs = 15_000,
): Promise<Extract<ConnectionState, { kind: K }>> {
  return waitForControllerState(core.controller, kind, timeoutMs);
}

export async function pairCore(server: FakeWaServer, core: Core, account?: AccountInfo): Promise<void> {
  const qr = await waitForState(core, 'awaiting-qr');
  await server.scanQr(qr.qr, account);
  await waitForState(core, 'open');
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

export async function until(cond: () => boolean, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

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
