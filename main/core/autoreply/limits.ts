/**
 * Loop protection: what stops Replyline and another bot from answering each other forever,
 * and a busy day from turning into a flood.
 *
 * Three checks, all against the injected clock, in this order:
 * 1. **Cooldown** per conversation and rule: once a rule has answered a chat it stays quiet in
 *    that chat for the rule's `cooldownMs`, counted from when the reply goes out at the latest.
 *    Two auto-responders facing each other exchange at most one reply each (per matching
 *    rule), then both are in cooldown and nothing new arrives: the loop is over. A bot slower
 *    than the cooldown could restart it; the per-conversation cap below still ends it.
 * 2. **Per-conversation cap** across all rules (default 6 per hour), so several rules cannot
 *    take turns keeping a loop alive.
 * 3. **Global rate** over all chats (default 10 per minute).
 * Windows are sliding (exact timestamps), so there is no burst at a window edge.
 *
 * State is in memory, bounded (old entries are pruned on every use), and can be exported as
 * plain JSON and imported on the next start. A timestamp from the future (the clock was set
 * back) is treated as "now", so a clock change can delay replies but never unblock a loop.
 */
import * as z from 'zod';

export interface WindowLimit {
  max: number;
  windowMs: number;
}

export interface RateLimits {
  global: WindowLimit;
  perConversation: WindowLimit;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  global: { max: 10, windowMs: 60_000 },
  perConversation: { max: 6, windowMs: 3_600_000 },
};

export type LimitReason = 'cooldown' | 'conversation-limit' | 'rate-limit';

export type LimitVerdict = { ok: true } | { ok: false; reason: LimitReason; until: number; limit?: WindowLimit };

const stateSchema = z.object({
  version: z.literal(1),
  global: z.array(z.number()),
  conversations: z.record(z.string(), z.array(z.number())),
  cooldowns: z.record(z.string(), z.number()),
});

export type LimiterState = z.infer<typeof stateSchema>;

const windowLimitSchema = z.object({
  max: z.number().int().min(1).max(10_000),
  windowMs: z.number().int().min(1_000).max(7 * 24 * 3_600_000),
});

function checkedLimit(limit: WindowLimit | undefined, fallback: WindowLimit, what: string): WindowLimit {
  if (limit === undefined) return fallback;
  const parsed = windowLimitSchema.safeParse(limit);
  if (!parsed.success) throw new TypeError(`Invalid ${what} rate limit: ${JSON.stringify(limit)}`);
  return parsed.data;
}

function checkedLimits(limits: Partial<RateLimits>, fallback: RateLimits): RateLimits {
  return {
    global: checkedLimit(limits.global, fallback.global, 'global'),
    perConversation: checkedLimit(limits.perConversation, fallback.perConversation, 'per-conversation'),
  };
}

export class ReplyLimiter {
  private current: RateLimits;
  private global: number[] = [];
  private readonly conversations = new Map<string, number[]>();
  private readonly cooldowns = new Map<string, number>();
  /** When every window and cooldown was last pruned (a full sweep); in between, only what a call reads. */
  private lastSweep = -Infinity;

  constructor(limits: Partial<RateLimits> = {}) {
    this.current = checkedLimits(limits, DEFAULT_RATE_LIMITS);
  }

  get limits(): RateLimits {
    return this.current;
  }

  /**
   * Change the limits from now on (the person changed them in Settings). Replies already counted
   * stay counted, so lowering a limit takes effect at once; only the windows' lengths prune.
   */
  setLimits(limits: Partial<RateLimits>): void {
    this.current = checkedLimits(limits, this.current);
  }

  /** May `ruleId` answer `conversation` now? Does not change anything. */
  check(now: number, conversation: string, ruleId: string): LimitVerdict {
    this.prune(now, conversation);
    const cooledUntil = this.cooldowns.get(cooldownKey(conversation, ruleId));
    if (cooledUntil !== undefined && cooledUntil > now) return { ok: false, reason: 'cooldown', until: cooledUntil };
    const perChat = this.conversations.get(conversation) ?? [];
    const { perConversation, global } = this.limits;
    if (perChat.length >= perConversation.max) {
      return {
        ok: false,
        reason: 'conversation-limit',
        until: perChat[perChat.length - perConversation.max]! + perConversation.windowMs,
        limit: perConversation,
      };
    }
    if (this.global.length >= global.max) {
      return {
        ok: false,
        reason: 'rate-limit',
        until: this.global[this.global.length - global.max]! + global.windowMs,
        limit: global,
      };
    }
    return { ok: true };
  }

  /**
   * Count a reply that `ruleId` owes `conversation`; the rule stays quiet in that chat until
   * `cooldownUntil` (the engine counts the cooldown from the latest moment the reply can go out).
   */
  record(now: number, conversation: string, ruleId: string, cooldownUntil: number): void {
    this.prune(now, conversation);
    this.cooldowns.set(cooldownKey(conversation, ruleId), cooldownUntil);
    const perChat = this.conversations.get(conversation) ?? [];
    perChat.push(now);
    this.conversations.set(conversation, perChat);
    this.global.push(now);
  }

  exportState(): LimiterState {
    return {
      version: 1,
      global: [...this.global],
      conversations: Object.fromEntries([...this.conversations].map(([k, v]) => [k, [...v]])),
      cooldowns: Object.fromEntries(this.cooldowns),
    };
  }

  /** Replace the state with an exported one. Returns false (and keeps the current state) if it is not valid. */
  importState(state: unknown, now: number): boolean {
    const parsed = stateSchema.safeParse(state);
    if (!parsed.success) return false;
    const sorted = (list: number[]) => list.filter(Number.isFinite).sort((a, b) => a - b);
    this.global = sorted(parsed.data.global);
    this.conversations.clear();
    for (const [key, list] of Object.entries(parsed.data.conversations)) this.conversations.set(key, sorted(list));
    this.cooldowns.clear();
    for (const [key, until] of Object.entries(parsed.data.cooldowns)) {
      if (Number.isFinite(until)) this.cooldowns.set(key, until);
    }
    this.sweep(now);
    return true;
  }

  /**
   * What a check reads must be exact: the global window and this conversation's window. The rest
   * (every other conversation, expired cooldowns) is swept at most once a second, or at once
   * when the clock went back, so a check costs the same with 10 or 10,000 conversations.
   */
  private prune(now: number, conversation: string): void {
    if (now < this.lastSweep || now - this.lastSweep >= SWEEP_EVERY_MS) {
      this.sweep(now);
      return;
    }
    trimFront(this.global, now, this.limits.global.windowMs);
    const list = this.conversations.get(conversation);
    if (list) {
      trimFront(list, now, this.limits.perConversation.windowMs);
      if (list.length === 0) this.conversations.delete(conversation);
    }
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    this.global = pruneWindow(this.global, now, this.limits.global.windowMs);
    for (const [key, list] of this.conversations) {
      const kept = pruneWindow(list, now, this.limits.perConversation.windowMs);
      if (kept.length === 0) this.conversations.delete(key);
      else this.conversations.set(key, kept);
    }
    const longestCooldown = 7 * 24 * 3_600_000;
    for (const [key, until] of this.cooldowns) {
      if (until <= now) this.cooldowns.delete(key);
      // The clock went back: never wait longer than a cooldown can last.
      else if (until > now + longestCooldown) this.cooldowns.set(key, now + longestCooldown);
    }
  }
}

const SWEEP_EVERY_MS = 1_000;

/** Drop the timestamps that left the window from the front of a sorted list, in place. */
function trimFront(list: number[], now: number, windowMs: number): void {
  let expired = 0;
  while (expired < list.length && list[expired]! <= now - windowMs) expired++;
  if (expired > 0) list.splice(0, expired);
}

function cooldownKey(conversation: string, ruleId: string): string {
  return `${conversation}\u0000${ruleId}`;
}

/** Keep the timestamps still inside the window; future ones (clock set back) count as now. */
function pruneWindow(list: number[], now: number, windowMs: number): number[] {
  const kept: number[] = [];
  for (const t of list) {
    const at = Math.min(t, now);
    if (at > now - windowMs) kept.push(at);
  }
  return kept;
}
