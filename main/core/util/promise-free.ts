/**
 * For hot paths that return a promise without being async functions: each promise an async
 * function adds pays the async hooks Baileys' AsyncLocalStorage installs (BENCHMARKS.md).
 */

/** An already settled promise, shared: what a write that writes nothing returns. */
export const SETTLED: Promise<void> = Promise.resolve();

/** `fn()`, with a synchronous throw turned into a rejection, as an async function would. */
export function rejectingThrows<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (err) {
    return Promise.reject(err as Error);
  }
}
