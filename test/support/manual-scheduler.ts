/** A scheduler the test drives by hand: it records each wait and runs it when told. */
import type { Scheduler } from '../../main/core/connection/controller.js';

export class ManualScheduler implements Scheduler {
  private nextId = 1;
  readonly pending = new Map<number, { fn: () => void; ms: number }>();
  /** Every delay ever requested, in order. */
  readonly requested: number[] = [];
  /** The manual clock, advanced by the delays that are run. */
  now = 1_000_000;

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { fn, ms });
    this.requested.push(ms);
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Run the one pending wait, advancing the clock by its delay. */
  fire(): number {
    const [first] = this.pending.entries();
    if (!first) throw new Error('no pending wait');
    const [id, { fn, ms }] = first;
    this.pending.delete(id);
    this.now += ms;
    fn();
    return ms;
  }
}
