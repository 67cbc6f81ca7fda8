/** Small helpers shared by the outbox, inbound and reply-log tests. */
import { Outbox, type OutboxOptions } from '../../../main/core/outbox/index.js';
import type { FakeLink } from './fake-link.js';

// Captured before any test installs fake timers: waiting on real I/O must not depend on them.
// Clocks may be faked too, so the bound is a number of event-loop turns, not a time.
const realImmediate = globalThis.setImmediate;

/** Let real I/O and promise callbacks run until `predicate` holds (or fail after `turns` loop turns). */
export async function until(predicate: () => boolean, what = 'condition', turns = 200_000): Promise<void> {
  for (let i = 0; !predicate(); i++) {
    if (i >= turns) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((r) => realImmediate(r));
  }
}

/** Let pending promise callbacks and quick I/O run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => realImmediate(r));
}

export function openOutbox(dir: string, link: FakeLink, options: Partial<OutboxOptions> = {}): Promise<Outbox> {
  return Outbox.open({ dir, link, ...options });
}
