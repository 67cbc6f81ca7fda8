/**
 * The auto-reply engine: decides whether and how to answer one inbound message, then (as a
 * separate, possibly slow step) produces the reply text.
 *
 * `decide` is synchronous and quick so the caller can write "a reply is owed" to the outbox
 * before `renderReply` waits on a webhook or an LLM for 5–60 s. Both are deterministic given
 * the injected clock, random source, time zone and locale; nothing here sleeps or sends.
 */
import { isPaused } from '../../contract/api.js';
import { selectContext, type ChatTurn } from './context.js';
import { replyError, type ReplyError } from './errors.js';
import type { InboundMessage } from './inbound.js';
import { DEFAULT_RATE_LIMITS, ReplyLimiter, type LimiterState, type RateLimits, type WindowLimit } from './limits.js';
import { evaluateMatch } from './match.js';
import { callChatCompletion } from './responders/openai.js';
import type { FetchLike, ResponderResult, SecretGetter } from './responders/http.js';
import { callWebhook } from './responders/webhook.js';
import { scheduleActive, isValidTimeZone } from './schedule.js';
import { MAX_REPLY_TEXT, type OpenAiReply, type ReplySource, type Rule, type WebhookReply } from './schema.js';
import { conversationKey, inScope, isGroupMessage, senderKeys } from './scope.js';
import { renderTemplate } from './template.js';

/** Remembers which contacts have ever written (persisted elsewhere). */
export interface ContactMemory {
  hasSeen(contactKey: string): boolean;
  markSeen(contactKey: string): void;
}

export interface EngineOptions {
  /** Ms since epoch. */
  clock: () => number;
  /** Uniform in [0, 1). */
  random: () => number;
  /** IANA zone for schedules, {time} and {date} (e.g. "Europe/Berlin"). */
  timeZone: string;
  /** BCP 47 locale for {time} and {date} (default "en-US"). */
  locale?: string;
  contactMemory: ContactMemory;
  rateLimits?: Partial<RateLimits>;
}

export interface DecideSettings {
  enabled: boolean;
  /** Ms since epoch: no replies before then. */
  pausedUntil?: number;
  rules: readonly Rule[];
}

export interface DecideOptions {
  /** Evaluate only: no cooldown or rate is counted and no contact is marked as seen. */
  dryRun?: boolean;
}

export type SkipReason =
  | 'own-message'
  | 'status'
  | 'broadcast'
  | 'newsletter'
  | 'disabled'
  | 'paused'
  | 'no-rules'
  | 'no-match'
  | 'cooldown'
  | 'conversation-limit'
  | 'rate-limit';

export type RuleMissReason =
  | 'rule-off'
  | 'groups-off'
  | 'not-mentioned'
  | 'not-a-private-chat'
  | 'out-of-scope'
  | 'outside-schedule'
  | 'no-text-match'
  | 'seen-before'
  | 'invalid-pattern';

export interface RuleMiss {
  ruleId: string;
  ruleName: string;
  reason: RuleMissReason;
}

export interface Skip {
  kind: 'skip';
  messageId: string;
  reason: SkipReason;
  /** Plain-language explanation for the person. */
  message: string;
  /** The rule that matched but was held back (cooldown and limits). */
  rule?: { id: string; name: string };
  /** When replying becomes possible again (paused, cooldown, limits). */
  until?: number;
  /** Why each rule did not apply (no-match). */
  misses?: RuleMiss[];
}

/** What the outbox records before the reply text exists. Plain JSON. */
export interface Decision {
  kind: 'reply';
  messageId: string;
  /** Where the reply goes. */
  chatJid: string;
  conversationKey: string;
  rule: Rule;
  responder: ReplySource['type'];
  decidedAt: number;
  /** Send no earlier than this (human-like delay). */
  notBefore: number;
  /** Show "typing…" until the reply is sent. */
  typing: boolean;
  inbound: Pick<
    InboundMessage,
    'id' | 'chatJid' | 'senderJid' | 'senderPhone' | 'senderName' | 'text' | 'timestamp' | 'isGroup'
  >;
}

export type RenderResult =
  | {
      ok: true;
      text: string;
      source: 'template' | 'webhook' | 'openai' | 'fallback';
      /** Set when the fallback text was used: why the responder failed. */
      fallbackReason?: ReplyError;
    }
  | { ok: false; error: ReplyError };

export interface RenderDeps {
  /** Defaults to the global fetch. */
  fetch?: FetchLike;
  getSecret?: SecretGetter;
  /** Cancels a slow responder (reported as `aborted`, no fallback). */
  signal?: AbortSignal;
  /** The reply's id: the webhook's idempotency key (the same when a reply is generated again). */
  replyId?: string;
  /** The chat's earlier turns, oldest first, without the message being answered (AI context). */
  history?: (chatJid: string, messageId: string) => readonly ChatTurn[];
}

/** A sample message for trying a responder from the rules editor. */
export interface ResponderSample {
  text: string;
  contactName?: string;
}

type InboundSummary = Decision['inbound'];

const MAX_LLM_INPUT = 8_000;

export class AutoReplyEngine {
  private readonly clock: () => number;
  private readonly random: () => number;
  readonly timeZone: string;
  readonly locale: string;
  private readonly memory: ContactMemory;
  private readonly limiter: ReplyLimiter;

  constructor(options: EngineOptions) {
    if (!isValidTimeZone(options.timeZone)) throw new RangeError(`Unknown time zone: ${options.timeZone}`);
    const locale = options.locale ?? 'en-US';
    Intl.getCanonicalLocales(locale); // throws RangeError for an invalid tag
    this.clock = options.clock;
    this.random = options.random;
    this.timeZone = options.timeZone;
    this.locale = locale;
    this.memory = options.contactMemory;
    this.limiter = new ReplyLimiter({ ...DEFAULT_RATE_LIMITS, ...options.rateLimits });
  }

  /** Decide about one inbound message. Counts the reply against cooldowns and limits (unless dryRun). */
  decide(msg: InboundMessage, settings: DecideSettings, options: DecideOptions = {}): Decision | Skip {
    const now = this.clock();
    const dryRun = options.dryRun === true;
    const group = isGroupMessage(msg);
    // In a 1:1 chat the chat JID is the contact, also for our own messages.
    const contactKeys = group
      ? []
      : senderKeys({ senderJid: msg.chatJid, senderPhone: msg.fromMe ? undefined : msg.senderPhone });
    const excluded = excludedKind(msg);
    if (excluded) {
      // Writing to someone ourselves means they are no stranger: no greeting later.
      if (excluded === 'own-message' && !dryRun && msg.kind === 'chat') this.markSeen(contactKeys);
      return this.skip(msg, excluded, EXCLUDED_TEXT[excluded]);
    }
    const firstContact = !group && !contactKeys.some((k) => this.memory.hasSeen(k));
    try {
      return this.evaluate(msg, settings, { now, dryRun, group, firstContact });
    } finally {
      if (!dryRun && !group) this.markSeen(contactKeys);
    }
  }

  /** Produce the reply text for a decision. Never throws; failures are typed values. */
  async renderReply(decision: Decision, deps: RenderDeps = {}): Promise<RenderResult> {
    try {
      return await this.render(decision, deps);
    } catch {
      return { ok: false, error: replyError('internal', 'Something went wrong while preparing the reply.') };
    }
  }

  /** Cooldowns and rate windows, as plain JSON for persistence. */
  exportState(): LimiterState {
    return this.limiter.exportState();
  }

  /** Restore exported state; false (state unchanged) if it is not valid. */
  importState(state: unknown): boolean {
    return this.limiter.importState(state, this.clock());
  }

  get rateLimits(): RateLimits {
    return this.limiter.limits;
  }

  /** Apply new rate limits to every decision from now on. Throws TypeError when out of bounds. */
  setRateLimits(limits: Partial<RateLimits>): void {
    this.limiter.setLimits(limits);
  }

  // -------------------------------------------------------------------------------------------

  private evaluate(
    msg: InboundMessage,
    settings: DecideSettings,
    ctx: { now: number; dryRun: boolean; group: boolean; firstContact: boolean },
  ): Decision | Skip {
    const { now } = ctx;
    if (!settings.enabled) return this.skip(msg, 'disabled', 'Auto-reply is off.');
    if (isPaused(settings, now)) {
      return this.skip(msg, 'paused', `Auto-reply is paused until ${this.moment(settings.pausedUntil!)}.`, {
        until: settings.pausedUntil!,
      });
    }
    if (settings.rules.length === 0) return this.skip(msg, 'no-rules', 'There are no auto-reply rules.');

    const misses: RuleMiss[] = [];
    for (const rule of settings.rules) {
      const miss = this.ruleMiss(rule, msg, ctx);
      if (miss) {
        misses.push({ ruleId: rule.id, ruleName: rule.name, reason: miss });
        continue;
      }
      const conversation = conversationKey(msg);
      const verdict = this.limiter.check(now, conversation, rule.id);
      if (!verdict.ok) {
        const ref = { id: rule.id, name: rule.name };
        const when = this.moment(verdict.until);
        const text =
          verdict.reason === 'cooldown'
            ? `Rule “${rule.name}” answered this chat a short while ago; it can answer again after ${when}.`
            : verdict.reason === 'conversation-limit'
              ? `This chat already had ${verdict.limit!.max} auto-replies in the last ${windowWords(verdict.limit!)}; the next one can go after ${when}.`
              : `Auto-replies are going out too fast (${verdict.limit!.max} in the last ${windowWords(verdict.limit!)}); the next one can go after ${when}.`;
        return this.skip(msg, verdict.reason, text, { rule: ref, until: verdict.until });
      }
      const notBefore = now + this.delay(rule);
      if (!ctx.dryRun) {
        // Count the cooldown from the latest moment this reply can go out: after its delay, or
        // after a slow responder's timeout, so a long delay cannot outlast the cooldown.
        const sendBy = Math.max(notBefore, rule.reply.type === 'template' ? now : now + rule.reply.timeoutMs);
        this.limiter.record(now, conversation, rule.id, sendBy + rule.cooldownMs);
      }
      return {
        kind: 'reply',
        messageId: msg.id,
        chatJid: msg.chatJid,
        conversationKey: conversation,
        rule,
        responder: rule.reply.type,
        decidedAt: now,
        notBefore,
        typing: rule.delay.typing,
        inbound: {
          id: msg.id,
          chatJid: msg.chatJid,
          senderJid: msg.senderJid,
          ...(msg.senderPhone !== undefined ? { senderPhone: msg.senderPhone } : {}),
          ...(msg.senderName !== undefined ? { senderName: msg.senderName } : {}),
          text: msg.text,
          timestamp: msg.timestamp,
          isGroup: ctx.group,
        },
      };
    }
    return this.skip(msg, 'no-match', 'No rule applies to this message.', { misses });
  }

  private ruleMiss(
    rule: Rule,
    msg: InboundMessage,
    ctx: { now: number; group: boolean; firstContact: boolean },
  ): RuleMissReason | undefined {
    if (!rule.enabled) return 'rule-off';
    if (ctx.group) {
      if (rule.groups === 'off') return 'groups-off';
      if (rule.groups === 'mentioned' && !msg.mentionsMe) return 'not-mentioned';
      if (rule.match.type === 'first-message') return 'not-a-private-chat';
    }
    if (!inScope(rule.scope, msg)) return 'out-of-scope';
    if (!scheduleActive(rule.schedule, ctx.now, this.timeZone)) return 'outside-schedule';
    const outcome = evaluateMatch(rule.match, msg.text, { firstContact: ctx.firstContact });
    return outcome === 'match' ? undefined : outcome;
  }

  private delay(rule: Rule): number {
    const { minMs, maxMs } = rule.delay;
    const r = this.random();
    const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1 - Number.EPSILON) : 0;
    return minMs + Math.floor(unit * (maxMs - minMs + 1));
  }

  private markSeen(keys: readonly string[]): void {
    for (const key of keys) if (!this.memory.hasSeen(key)) this.memory.markSeen(key);
  }

  private skip(msg: InboundMessage, reason: SkipReason, message: string, extra: Partial<Skip> = {}): Skip {
    return { kind: 'skip', messageId: msg.id, reason, message, ...extra };
  }

  /** "14:30" today, else "21 Nov 2025, 14:30" (engine zone and locale). */
  private moment(at: number): string {
    const day = (t: number) =>
      new Intl.DateTimeFormat(this.locale, { timeZone: this.timeZone, dateStyle: 'medium' }).format(t);
    const time = new Intl.DateTimeFormat(this.locale, { timeZone: this.timeZone, timeStyle: 'short' }).format(at);
    return day(at) === day(this.clock()) ? time : `${day(at)}, ${time}`;
  }

  /**
   * Ask a webhook or AI responder about a sample message, as the rules editor's "Test" does: the
   * same request a real message makes (marked as a test), no history, nothing sent anywhere else.
   */
  async testResponder(
    reply: WebhookReply | OpenAiReply,
    sample: ResponderSample,
    deps: RenderDeps & { testId: string },
  ): Promise<RenderResult> {
    const now = this.clock();
    const inbound: InboundSummary = {
      id: deps.testId,
      chatJid: '',
      senderJid: '',
      ...(sample.contactName ? { senderName: sample.contactName } : {}),
      text: sample.text,
      timestamp: now,
      isGroup: false,
    };
    try {
      return await this.renderSource(reply, { id: 'test', name: 'Test' }, inbound, now, { ...deps, replyId: deps.testId }, true);
    } catch {
      return { ok: false, error: replyError('internal', 'Something went wrong while asking the responder.') };
    }
  }

  private render(decision: Decision, deps: RenderDeps): Promise<RenderResult> {
    const { rule } = decision;
    return this.renderSource(rule.reply, { id: rule.id, name: rule.name }, decision.inbound, decision.decidedAt, deps, false);
  }

  private async renderSource(
    reply: ReplySource,
    rule: { id: string; name: string },
    inbound: InboundSummary,
    decidedAt: number,
    deps: RenderDeps,
    test: boolean,
  ): Promise<RenderResult> {
    const context = {
      ...(inbound.senderName !== undefined ? { name: inbound.senderName } : {}),
      message: inbound.text,
      at: decidedAt,
      timeZone: this.timeZone,
      locale: this.locale,
    };
    if (reply.type === 'template') {
      const text = finalText(renderTemplate(reply.text, context));
      if (!text) {
        return {
          ok: false,
          error: replyError('empty-reply', 'The reply text came out empty (is a placeholder such as {name} unknown?).'),
        };
      }
      return { ok: true, text, source: 'template' };
    }

    const responderDeps = {
      fetch: deps.fetch ?? ((input: string, init: RequestInit) => fetch(input, init)),
      now: this.clock,
      ...(deps.getSecret ? { getSecret: deps.getSecret } : {}),
      ...(deps.signal ? { signal: deps.signal } : {}),
    };
    let result: ResponderResult;
    if (reply.type === 'webhook') {
      result = await callWebhook(
        reply,
        {
          ...(deps.replyId !== undefined ? { replyId: deps.replyId } : {}),
          ...(test ? { test: true as const } : {}),
          message: {
            id: inbound.id,
            text: inbound.text,
            timestamp: inbound.timestamp,
            isGroup: inbound.isGroup,
            chatJid: inbound.chatJid,
          },
          contact: { jid: inbound.senderJid, phone: inbound.senderPhone ?? null, name: inbound.senderName ?? null },
          rule,
        },
        responderDeps,
      );
    } else {
      const turns = !test && deps.history && reply.contextTurns > 0 ? deps.history(inbound.chatJid, inbound.id) : [];
      result = await callChatCompletion(
        reply,
        {
          systemPrompt: renderTemplate(reply.systemPrompt, context),
          history: selectContext(turns, reply.contextTurns, reply.contextChars),
          userText: [...inbound.text].slice(0, MAX_LLM_INPUT).join(''),
        },
        responderDeps,
      );
    }
    if (result.ok) {
      const text = finalText(result.text);
      if (text) return { ok: true, text, source: reply.type };
      result = { ok: false, error: replyError('responder-empty', 'The responder answered with an empty reply.') };
    }
    const error = result.error;
    if (error.kind === 'responder-declined' || error.kind === 'aborted' || reply.fallback === undefined) {
      return { ok: false, error };
    }
    const fallback = finalText(renderTemplate(reply.fallback, context));
    if (!fallback) return { ok: false, error };
    return { ok: true, text: fallback, source: 'fallback', fallbackReason: error };
  }
}

const EXCLUDED_TEXT = {
  'own-message': 'This message was sent from your own account.',
  status: 'Status updates are never answered.',
  broadcast: 'Messages from broadcast lists are never answered.',
  newsletter: 'Channel posts are never answered.',
} as const;

function excludedKind(msg: InboundMessage): keyof typeof EXCLUDED_TEXT | undefined {
  const chat = msg.chatJid.trim().toLowerCase();
  if (msg.fromMe) return 'own-message';
  if (msg.kind === 'status' || chat === 'status@broadcast') return 'status';
  if (msg.kind === 'newsletter' || chat.endsWith('@newsletter')) return 'newsletter';
  if (msg.kind === 'broadcast' || chat.endsWith('@broadcast')) return 'broadcast';
  return undefined;
}

/** Trimmed, and cut to the longest reply we send. */
function finalText(text: string): string {
  const trimmed = text.trim();
  const chars = [...trimmed];
  return chars.length > MAX_REPLY_TEXT ? `${chars.slice(0, MAX_REPLY_TEXT - 1).join('')}…` : trimmed;
}

function windowWords(limit: WindowLimit): string {
  if (limit.windowMs % 60_000 !== 0) return `${Math.round(limit.windowMs / 1000)} seconds`;
  const minutes = limit.windowMs / 60_000;
  if (minutes === 1) return 'minute';
  if (minutes === 60) return 'hour';
  if (minutes % 60 === 0) return `${minutes / 60} hours`;
  return `${minutes} minutes`;
}
