/**
 * One timer for a whole component: armed for the earliest moment anything needs a look
 * (a delayed reply's not-before time, an ack deadline), re-armed after each scan. Replies
 * never get timers of their own.
 */

/** setTimeout's ceiling; later wake-ups are re-armed in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;

export class WakeTimer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private armedFor = Infinity;

  constructor(
    private readonly onWake: () => void,
    private readonly now: () => number,
  ) {}

  /** Wake at `at` (ms since epoch); Infinity disarms. Re-arming for the same time is a no-op. */
  armAt(at: number): void {
    if (at === this.armedFor && this.timer !== undefined) return;
    this.disarm();
    if (at === Infinity) return;
    this.armedFor = at;
    const delay = Math.min(Math.max(0, at - this.now()), MAX_DELAY_MS);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.armedFor = Infinity;
      this.onWake();
    }, delay);
  }

  disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
  }

  /** When the timer will fire, or Infinity. */
  get wakeAt(): number {
    return this.armedFor;
  }
}
