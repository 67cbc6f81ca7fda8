/** A minimal typed event emitter: listeners are isolated, so one throwing cannot break the rest. */
import { getLogger } from '../logging/logger.js';

export class TypedEmitter<M> {
  private listeners = new Map<keyof M, Set<(payload: never) => void>>();

  on<E extends keyof M>(event: E, listener: (payload: M[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  emit<E extends keyof M>(event: E, payload: M[E]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const l of [...set]) {
      try {
        (l as (p: M[E]) => void)(payload);
      } catch (err) {
        getLogger('events').error({ err, event: String(event) }, 'event listener failed');
      }
    }
  }

  listenerCount(event: keyof M): number {
    return this.listeners.get(event)?.size ?? 0;
  }
}
