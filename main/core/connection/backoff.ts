/**
 * Capped exponential backoff with full jitter, in the style of Signal Desktop's BackOff.
 *
 * The attempt counter only resets once the link has stayed healthy for `healthyAfterMs`, so a
 * link that opens and drops at once (flapping) keeps climbing the schedule instead of looping
 * fast. Randomness and clock are injected so tests are deterministic.
 */

export interface BackoffOptions {
  /** First delay, before jitter (default 1 s). */
  baseMs?: number;
  /** Upper bound on any delay (default 60 s). */
  capMs?: number;
  /** Fraction of the delay that is random: delay × (1 − jitter + jitter × random) (default 0.5). */
  jitter?: number;
  /** How long a link must stay open before the attempt counter resets (default 60 s). */
  healthyAfterMs?: number;
  random?: () => number;
  now?: () => number;
}

export class Backoff {
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly jitter: number;
  readonly healthyAfterMs: number;
  private readonly random: () => number;
  private readonly now: () => number;
  private failures = 0;
  private openedAt: number | undefined;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 1_000;
    this.capMs = options.capMs ?? 60_000;
    this.jitter = options.jitter ?? 0.5;
    this.healthyAfterMs = options.healthyAfterMs ?? 60_000;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  /** Consecutive failures counted so far (the attempt number of the next try). */
  get attempt(): number {
    return this.failures;
  }

  /** The link opened; the counter resets only if it then stays open long enough. */
  markOpen(): void {
    this.openedAt = this.now();
  }

  /**
   * Record a failure and return the delay before the next attempt. If the link had been open
   * for at least `healthyAfterMs`, the schedule starts over.
   */
  nextDelay(): number {
    if (this.openedAt !== undefined && this.now() - this.openedAt >= this.healthyAfterMs) {
      this.failures = 0;
    }
    this.openedAt = undefined;
    this.failures++;
    return this.delayFor(this.failures);
  }

  /** The delay for a given attempt number (1-based), with jitter; stays at the cap forever. */
  delayFor(attempt: number): number {
    const exp = Math.min(this.capMs, this.baseMs * 2 ** Math.min(attempt - 1, 30));
    const factor = 1 - this.jitter + this.jitter * this.random();
    return Math.max(0, Math.round(exp * factor));
  }

  /** Forget all failures (after a user-initiated relink, for instance). */
  reset(): void {
    this.failures = 0;
    this.openedAt = undefined;
  }
}
