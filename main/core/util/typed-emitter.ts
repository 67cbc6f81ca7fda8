/** A minimal typed event emitter: listeners are isolated, so one throwing cannot break the rest. */
import { getLogger } from '../logging/logger.js';

type Listener = (payload: never) => void;

export class TypedEmitter<M> {
  /**
   * Copy-on-write: `on` and its unsubscribe put a new array in place, so an emit walks the array
   * it started with without copying it (emits are many, subscriptions few). A listener added
   * during an emit is called from the next one on; one removed during an emit still gets it.
   */
  private listeners = new Map<keyof M, readonly Listener[]>();

  on<E extends keyof M>(event: E, listener: (payload: M[E]) => void): () => void {
    const l = listener as Listener;
    const current = this.listeners.get(event) ?? [];
    if (!current.includes(l)) this.listeners.set(event, [...current, l]);
    return () => {
      const now = this.listeners.get(event);
      if (!now?.includes(l)) return;
      const rest = now.filter((x) => x !== l);
      if (rest.length > 0) this.listeners.set(event, rest);
      else this.listeners.delete(event);
    };
  }

  emit<E extends keyof M>(event: E, payload: M[E]): void {
    const list = this.listeners.get(event);
    if (!list) return;
    for (const l of list) {
      try {
        (l as (p: M[E]) => void)(payload);
      } catch (err) {
        getLogger('events').error({ err, event: String(event) }, 'event listener failed');
      }
    }
  }

  /**
   * Emit a payload built only when someone listens: what nobody would see is never built (the
   * window's views of each reply while no window is open, say).
   */
  emitIfHeard<E extends keyof M>(event: E, build: () => M[E]): void {
    if (this.listeners.has(event)) this.emit(event, build());
  }

  listenerCount(event: keyof M): number {
    return this.listeners.get(event)?.length ?? 0;
  }
}
