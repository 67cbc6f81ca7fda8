import { describe, expect, it } from 'vitest';
import { ReplyLimiter } from '../../../main/core/autoreply/limits.js';

const T0 = 1_750_000_000_000;
const MIN = 60_000;
const HOUR = 3_600_000;

describe('cooldown per conversation and rule', () => {
  it('blocks the same rule in the same chat until the cooldown ends', () => {
    const limiter = new ReplyLimiter();
    limiter.record(T0, 'p:1', 'away', T0 + MIN);
    expect(limiter.check(T0 + MIN - 1, 'p:1', 'away')).toEqual({ ok: false, reason: 'cooldown', until: T0 + MIN });
    expect(limiter.check(T0 + MIN, 'p:1', 'away')).toEqual({ ok: true });
  });

  it('does not block another rule or another chat', () => {
    const limiter = new ReplyLimiter();
    limiter.record(T0, 'p:1', 'away', T0 + MIN);
    expect(limiter.check(T0 + 1, 'p:1', 'price')).toEqual({ ok: true });
    expect(limiter.check(T0 + 1, 'p:2', 'away')).toEqual({ ok: true });
  });
});

describe('per-conversation cap (sliding window)', () => {
  it('caps replies to one chat across rules', () => {
    const limiter = new ReplyLimiter({ perConversation: { max: 3, windowMs: HOUR } });
    limiter.record(T0, 'p:1', 'a', T0 + 10_000);
    limiter.record(T0 + MIN, 'p:1', 'b', T0 + MIN + 10_000);
    limiter.record(T0 + 2 * MIN, 'p:1', 'c', T0 + 2 * MIN + 10_000);
    expect(limiter.check(T0 + 3 * MIN, 'p:1', 'd')).toMatchObject({
      ok: false,
      reason: 'conversation-limit',
      until: T0 + HOUR,
    });
    expect(limiter.check(T0 + 3 * MIN, 'p:2', 'd')).toEqual({ ok: true });
    // The window slides: once the first reply is an hour old there is room for one more.
    expect(limiter.check(T0 + HOUR, 'p:1', 'd')).toEqual({ ok: true });
  });
});

describe('global rate (sliding window)', () => {
  it('allows max replies per window over all chats', () => {
    const limiter = new ReplyLimiter({ global: { max: 3, windowMs: MIN } });
    for (let i = 0; i < 3; i++) {
      expect(limiter.check(T0 + i * 1_000, `p:${i}`, 'a')).toEqual({ ok: true });
      limiter.record(T0 + i * 1_000, `p:${i}`, 'a', T0 + i * 1_000 + 10_000);
    }
    expect(limiter.check(T0 + 5_000, 'p:9', 'a')).toMatchObject({ ok: false, reason: 'rate-limit', until: T0 + MIN });
    expect(limiter.check(T0 + MIN - 1, 'p:9', 'a')).toMatchObject({ ok: false, reason: 'rate-limit' });
    expect(limiter.check(T0 + MIN, 'p:9', 'a')).toEqual({ ok: true });
  });

  it('has no burst at a window edge', () => {
    const limiter = new ReplyLimiter({ global: { max: 2, windowMs: MIN } });
    limiter.record(T0 + MIN - 2, 'p:1', 'a', T0 + MIN - 2 + 10_000);
    limiter.record(T0 + MIN - 1, 'p:2', 'a', T0 + MIN - 1 + 10_000);
    expect(limiter.check(T0 + MIN + 1, 'p:3', 'a')).toMatchObject({ ok: false, reason: 'rate-limit' });
  });

  it('defaults to 10 per minute and 6 per chat per hour', () => {
    const limiter = new ReplyLimiter();
    expect(limiter.limits).toEqual({
      global: { max: 10, windowMs: MIN },
      perConversation: { max: 6, windowMs: HOUR },
    });
  });

  it('refuses nonsense limits', () => {
    expect(() => new ReplyLimiter({ global: { max: 0, windowMs: MIN } })).toThrow(/Invalid global rate limit/);
  });
});

describe('state export and import', () => {
  it('round-trips through JSON', () => {
    const a = new ReplyLimiter({ global: { max: 2, windowMs: MIN } });
    a.record(T0, 'p:1', 'away', T0 + 10 * MIN);
    a.record(T0 + 1_000, 'p:2', 'away', T0 + 1_000 + 10 * MIN);
    const b = new ReplyLimiter({ global: { max: 2, windowMs: MIN } });
    expect(b.importState(JSON.parse(JSON.stringify(a.exportState())), T0 + 2_000)).toBe(true);
    expect(b.check(T0 + 2_000, 'p:3', 'x')).toMatchObject({ reason: 'rate-limit' });
    expect(b.check(T0 + 2 * MIN, 'p:1', 'away')).toMatchObject({ reason: 'cooldown', until: T0 + 10 * MIN });
  });

  it('rejects invalid state and keeps what it had', () => {
    const limiter = new ReplyLimiter();
    limiter.record(T0, 'p:1', 'away', T0 + MIN);
    expect(limiter.importState({ version: 2 }, T0)).toBe(false);
    expect(limiter.importState('garbage', T0)).toBe(false);
    expect(limiter.check(T0 + 1, 'p:1', 'away')).toMatchObject({ reason: 'cooldown' });
  });

  it('prunes what has expired, so state stays small', () => {
    const limiter = new ReplyLimiter();
    for (let i = 0; i < 100; i++) limiter.record(T0 + i, `p:${i}`, 'a', T0 + i + MIN);
    limiter.check(T0 + 2 * HOUR, 'p:x', 'a');
    expect(limiter.exportState()).toEqual({ version: 1, global: [], conversations: {}, cooldowns: {} });
  });

  it('a clock set back does not unblock a loop', () => {
    const limiter = new ReplyLimiter({ perConversation: { max: 1, windowMs: HOUR } });
    limiter.record(T0, 'p:1', 'a', T0 + MIN);
    // The clock jumps back a day: the reply "from the future" still counts.
    expect(limiter.check(T0 - 24 * HOUR, 'p:1', 'a')).toMatchObject({ ok: false });
    expect(limiter.check(T0 - 24 * HOUR, 'p:1', 'b')).toMatchObject({ ok: false, reason: 'conversation-limit' });
  });
});
