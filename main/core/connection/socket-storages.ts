/**
 * The AsyncLocalStorage Baileys makes for each socket, collected so the controller can let it go.
 *
 * Why: Baileys wraps each socket's Signal keys in a transaction layer built on a new
 * AsyncLocalStorage (`addTransactionCapability` in its auth-utils.js) and never disables it. Node
 * (20, and 22 as Electron ships it: storages there still run on async hooks) keeps every storage
 * that has ever run in one process-wide list and writes a slot for each onto every promise and
 * timer made from then on. So each reconnect made every later promise dearer: after 500
 * reconnects each one carried 500 properties, 100,000 awaits took 4.4 s instead of 33 ms, and the
 * soak's heap grew with the drops (BENCHMARKS.md). A disabled storage costs nothing; if its
 * socket's code runs a transaction again, Node's `run()` enables it again, so nothing breaks.
 */
import type { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire, syncBuiltinESMExports } from 'node:module';

type StorageClass = typeof AsyncLocalStorage;

/** Node's own `async_hooks` exports (the object ES module imports of it are synced from). */
const asyncHooks = createRequire(import.meta.url)('node:async_hooks') as { AsyncLocalStorage: StorageClass };

/**
 * Call `make` and return what it made, with the AsyncLocalStorages constructed while it ran (it
 * must build them synchronously, as `makeWASocket` does). Only for that call is the class
 * replaced, by a subclass that notes each new instance; ES module imports see it through
 * `syncBuiltinESMExports`.
 */
export function collectStorages<T>(make: () => T): { value: T; storages: AsyncLocalStorage<unknown>[] } {
  const original = asyncHooks.AsyncLocalStorage;
  const storages: AsyncLocalStorage<unknown>[] = [];
  class Collected<S> extends original<S> {
    constructor() {
      super();
      storages.push(this as AsyncLocalStorage<unknown>);
    }
  }
  setStorageClass(Collected);
  try {
    return { value: make(), storages };
  } finally {
    setStorageClass(original);
  }
}

function setStorageClass(cls: StorageClass): void {
  asyncHooks.AsyncLocalStorage = cls;
  syncBuiltinESMExports();
}

/**
 * How many storages are enabled in this process: the slots a new timer gets (one symbol each,
 * described `kResourceStore`). For tests and diagnostics.
 */
export function enabledStorageCount(): number {
  const timer = setTimeout(() => undefined, 0);
  clearTimeout(timer);
  return Object.getOwnPropertySymbols(timer).filter((s) => s.description === 'kResourceStore').length;
}
