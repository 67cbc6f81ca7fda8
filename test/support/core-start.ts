/**
 * Start the whole core against the fake WhatsApp server and pair it: the part of the test
 * harness the benchmarks share (bench/support.ts), so it must not load Vitest or the log capture
 * (a test in test/bench checks). core-harness.ts re-exports it for the suites.
 */
import type { FakeWaServer } from '../fake-wa/index.js';
import { createCoreService, type Core, type CreateCoreOptions } from '../../main/core/app/create-core.js';
import { socketConfig, TEST_KEY_WRAPPER, waitForState } from './wa-harness.js';

export async function startCore(
  server: FakeWaServer,
  dataDir: string,
  options: Partial<CreateCoreOptions> = {},
): Promise<Core> {
  return createCoreService({
    dataDir,
    keyWrapper: TEST_KEY_WRAPPER,
    timeZone: 'UTC',
    ...options,
    socketConfig: socketConfig(server, options.socketConfig),
    controller: { backoff: { baseMs: 50, capMs: 500, random: () => 1 }, ...options.controller },
    outbox: { ackTimeoutMs: 2_000, ...options.outbox },
    rateLimits: { global: { max: 10_000, windowMs: 60_000 }, perConversation: { max: 10_000, windowMs: 60_000 }, ...options.rateLimits },
  });
}

/** Scan the core's QR with the fake phone (for `account`) and wait for the link to open. */
export async function pairCore(server: FakeWaServer, core: Core, account?: Parameters<FakeWaServer['scanQr']>[1]): Promise<void> {
  const qr = await waitForState(core.controller, 'awaiting-qr');
  await server.scanQr(qr.qr, account);
  await waitForState(core.controller, 'open');
}

/** A rule that answers everything at once with "Re: <message>". */
export function echoRule(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'echo',
    name: 'Echo',
    match: { type: 'any' },
    reply: { type: 'template', text: 'Re: {message}' },
    delay: { minMs: 0, maxMs: 0, typing: false },
    cooldownMs: 10_000,
    ...overrides,
  };
}

export async function useRules(core: Core, rules: Record<string, unknown>[]): Promise<void> {
  const set = await core.handle('setRules', { rules });
  if (!set.ok) throw new Error(`rules rejected: ${JSON.stringify(set.error)}`);
  const on = await core.handle('setAutoReply', { enabled: true });
  if (!on.ok) throw new Error('could not enable auto-reply');
}
