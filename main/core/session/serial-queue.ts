/**
 * Runs async operations one at a time, in call order. The session store funnels every durable
 * step (key batches, compaction, creds writes, wipe, close) through one of these, so no two of
 * them ever touch the session files at once.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(op: () => Promise<T>): Promise<T> {
    const result = this.tail.then(op);
    // A failed operation must not stall the ones queued after it.
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * Coalesces calls: while one run is queued and not yet started, further calls share it. Used for
 * "make everything so far durable" steps, where one run covers every caller that came before it.
 */
export class CoalescingRunner {
  private queued: Promise<void> | null = null;

  constructor(
    private readonly queue: SerialQueue,
    private readonly op: () => Promise<void>,
  ) {}

  run(): Promise<void> {
    if (this.queued) return this.queued;
    const p = this.queue.run(async () => {
      this.queued = null; // calls from now on need a run that starts after this one
      await this.op();
    });
    this.queued = p;
    return p;
  }
}
