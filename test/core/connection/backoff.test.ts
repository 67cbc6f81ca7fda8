import { describe, expect, it } from 'vitest';
import { Backoff } from '../../../main/core/connection/backoff.js';

describe('Backoff', () => {
  it('doubles from 1 s to the 60 s cap with jitter in [50 %, 100 %]', () => {
    const lo = new Backoff({ random: () => 0 });
    const hi = new Backoff({ random: () => 0.999999 });
    const los = Array.from({ length: 10 }, () => lo.nextDelay());
    const his = Array.from({ length: 10 }, () => hi.nextDelay());
    expect(his).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000, 60000]);
    expect(los).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000]);
  });

  it('keeps trying at the cap after many attempts', () => {
    const b = new Backoff({ random: () => 1 });
    for (let i = 0; i < 500; i++) b.nextDelay();
    expect(b.nextDelay()).toBe(60_000);
    expect(b.attempt).toBe(501);
  });

  it('resets only after the link stayed healthy long enough', () => {
    let now = 0;
    const b = new Backoff({ random: () => 1, now: () => now, healthyAfterMs: 60_000 });
    b.nextDelay();
    b.nextDelay();
    expect(b.attempt).toBe(2);
    // Flap: open, then drop a second later: the schedule keeps climbing.
    b.markOpen();
    now += 1_000;
    expect(b.nextDelay()).toBe(4_000);
    // Healthy for a minute: back to the start.
    b.markOpen();
    now += 60_000;
    expect(b.nextDelay()).toBe(1_000);
    expect(b.attempt).toBe(1);
  });
});
