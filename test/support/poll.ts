/**
 * The one way the suites wait for something that has no event to await: Vitest's `vi.waitFor`,
 * polling `fn` until it returns a value other than `false` or `undefined`, and failing with what
 * it waited for. (Outbox tests that run on fake timers wait by event-loop turns instead, in
 * test/core/outbox/helpers.ts: `vi.waitFor` would advance their fake clock as it polls.)
 *
 * Kept out of wa-harness.ts so that the benchmarks, which import the harness, never load Vitest.
 */
import { vi } from 'vitest';

/** Poll `fn` until it returns a value that is not `false`/`undefined`; returns that value. */
export function until<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
  intervalMs = 10,
): Promise<Exclude<T, false | undefined>> {
  return vi.waitFor(
    async () => {
      const value = await fn();
      if (value === false || value === undefined) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      return value as Exclude<T, false | undefined>;
    },
    { timeout: timeoutMs, interval: intervalMs },
  );
}
