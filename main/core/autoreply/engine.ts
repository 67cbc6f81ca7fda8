/**
 * The auto-reply engine: decides whether and how to answer one inbound message, then (as a
 * separate, possibly slow step) produces the reply text.
 *
 * `decide` is synchronous and quick so the caller can write "a reply is owed" to the outbox
 * before `renderReply` waits on a webhook or an LLM for 5–60 s. Both are deterministic given
 * the injected clock, random source, time zone and locale; nothing here sleeps or sends.
 */
import {
  DEFAULT_RULE_KINDS,
  isAnswerableKind,
  KIND_WORDS,
  kindLabel,
  type DecisionReason,
  type InboundKind,
  type MessageKind,
} from '../../contract/conversation.js';
import { isPaused } from '../../contract/api.js';
import { selectContext, speakerOf, type ChatTurn } from './context.js';
import { replyError, type ReplyError } from './errors.js';
import type { InboundMessage } from './inbound.js';
import { DEFAULT_RATE_LIMITS, ReplyLimiter, type LimiterState, type RateLimits, type WindowLimit } from './limits.js';
import { evaluateMatch, MatchText } from './match.js';
import { describeSchedule } from './describe.js';
import { callChatCompletion } from './responders/openai.js';
import type { FetchLike, ResponderResult, SecretGetter } from './responders/http.js';
import { callWebhook } from './responders/webhook.js';
import { scheduleActive, isValidTimeZone } from './schedule.js';
import { MAX_REPLY_TEXT, type OpenAiReply, type ReplySource, type Rule, type WebhookReply } from './schema.js';
import { conversationKey, inScope, isGroupMessage, senderKeys } from './scope.js';
import { renderTemplate, type TemplateContext } from './template.js';

/** Remembers which contacts have ever written, and when last (persisted elsewhere). */

/** Why a message in the same second as the owner's own message in that chat is not answered. */
export const SAME_SECOND_WORDS =
  'You wrote in this chat in the same second as this message; Replyline counts that as you answering it.';

export interface ContactMemory {
  hasSeen(contactKey: string): boolean;
  /** `at`: the message's time (default: now). */
  markSeen(contactKey: string, at?: number): void;
  /** When the chat with this contact last had a message; undefined: never, or not known. */
  lastSeen?(contactKey: string): number | undefined;
}

/** A chat's state, checked before the rules: muted, or you wrote there yourself. */
export interface ChatState {
  /** Muted until then; null: until unmuted. Absent: not muted. */
  mutedUntil?: number | null;
  /** When you last wrote in this chat from another device (your phone, WhatsApp Web). */
  ownerWroteAt?: number;
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
  /** After you write in a chat yourself, auto-replies there pause this long (default 0: no pause). */
  takeoverPauseMs?: number;
  /** A chat's state by its conversation key (see `conversationKey`). */
  chatState?: (conversationKey: string) => ChatState | undefined;
}

export interface DecideOptions {
  /** Evaluate only: no cooldown or rate is counted and no contact is marked as seen. */
  dryRun?: boolean;
  /** Try a rule: decide as of this moment instead of the clock. */
  at?: number;
  /** Try a rule: days since the contact's last message (null: never wrote), instead of the contact memory. */
  daysSinceLastMessage?: number | null;
  /**
   * Try a rule: the rules alone. The global switch, the pause, the chat's state and the limits are
   * left out (the caller reports them separately).
   */
  rulesOnly?: boolean;
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
  | 'kind-not-answered'
  | 'muted'
  | 'owner-answered'
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
  | 'kind-not-listed'
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
  /** The reason as the activity log files it (no rule matched because of the schedule, the scope …). */
  decisionReason: DecisionReason;
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
  /** "Reply only if I don't": the reply first waits this long for you (included in `notBefore`). */
  graceMs: number;
  inbound: Pick<
    InboundMessage,
    'id' | 'chatJid' | 'senderJid' | 'senderPhone' | 'senderName' | 'text' | 'timestamp' | 'isGroup' | 'messageKind'
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
    const now = options.at ?? this.clock();
    const dryRun = options.dryRun === true || options.rulesOnly === true;
    const group = isGroupMessage(msg);
    // In a 1:1 chat the chat JID is the contact, also for our own messages.
    const contactKeys = group
      ? []
      : senderKeys({ senderJid: msg.chatJid, senderPhone: msg.fromMe ? undefined : msg.senderPhone });
    const excluded = excludedKind(msg);
    if (excluded) {
      // Writing to someone ourselves means they are no stranger: no greeting later.
      if (excluded === 'own-message' && !dryRun && msg.kind === 'chat') this.markSeen(contactKeys, msg.timestamp);
      return this.skip(msg, excluded, 'kind-not-answered', EXCLUDED_TEXT[excluded]);
    }
    const kind = msg.messageKind ?? 'text';
    if (!isAnswerableKind(kind)) {
      return this.skip(msg, 'kind-not-answered', 'kind-not-answered', NEVER_ANSWERED_TEXT[kind]);
    }
    const quietMs = group ? undefined : this.quietFor(contactKeys, now, options);
    try {
      return this.evaluate(msg, settings, {
        now,
        dryRun,
        rulesOnly: options.rulesOnly === true,
        group,
        kind,
        firstContact: !group && quietMs === undefined,
        quietMs,
      });
    } finally {
      if (!dryRun && !group) this.markSeen(contactKeys, msg.timestamp);
    }
  }

  /**
   * What `tryRules` shows of a decision without calling anything: the exact text of a template
   * (or of a responder's fallback), or which responder would be called.
   */
  previewReply(decision: Decision): { text?: string; responder?: { type: 'webhook' | 'openai'; target: string; fallback?: string } } {
    const context = this.templateContext(decision.inbound, decision.decidedAt);
    const reply = decision.rule.reply;
    if (reply.type === 'template') return { text: finalText(renderTemplate(reply.text, context)) };
    const fallback = reply.fallback === undefined ? undefined : finalText(renderTemplate(reply.fallback, context)) || undefined;
    const target = reply.type === 'webhook' ? describeUrl(reply.url) : `${reply.model} at ${describeUrl(reply.baseUrl)}`;
    return { responder: { type: reply.type, target, ...(fallback !== undefined ? { fallback } : {}) } };
  }

  /** Produce the reply text for a decision. Never throws; failures are typed values. */
  async renderReply(decision: Decision, deps: RenderDeps = {}): Promise<RenderResult> {
    try {
      return await this.render(decision, deps);
    } catch {
      return { ok: false, error: replyError('internal', 'Something went wrong while preparing the reply.') };
    }
  }

  /** The reply text now when the rule answers with a template; undefined for responders that take time. */
  renderInstant(decision: Decision): RenderResult | undefined {
    const reply = decision.rule.reply;
    if (reply.type !== 'template') return undefined;
    try {
      return templateResult(renderTemplate(reply.text, this.templateContext(decision.inbound, decision.decidedAt)));
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

  private evaluate(msg: InboundMessage, settings: DecideSettings, ctx: EvaluationContext): Decision | Skip {
    const { now } = ctx;
    const conversation = conversationKey(msg);
    if (!ctx.rulesOnly) {
      const held = this.heldBack(msg, settings, conversation, now);
      if (held) return held;
    }
    if (settings.rules.length === 0) return this.skip(msg, 'no-rules', 'no-match', 'There are no auto-reply rules.');

    // Why each rule before the one that answers did not: only read when none answers, and then
    // every rule missed, so reason i is rule i's (no object per rule on the answering path).
    const reasons: RuleMissReason[] = [];
    const matchText = new MatchText(msg.text);
    for (const rule of settings.rules) {
      const miss = this.ruleMiss(rule, msg, matchText, ctx);
      if (miss) {
        reasons.push(miss);
        continue;
      }
      if (ctx.rulesOnly) return this.replyDecision(msg, rule, conversation, ctx);
      const verdict = this.limiter.check(now, conversation, rule.id);
      if (!verdict.ok) {
        const ref = { id: rule.id, name: rule.name };
        // Until when travels as a number (`until`): the window shows it in the person's locale.
        const text =
          verdict.reason === 'cooldown'
            ? `Rule “${rule.name}” answered this chat a short while ago, so it waits before answering again.`
            : verdict.reason === 'conversation-limit'
              ? `This chat already had ${verdict.limit!.max} auto-replies in the last ${windowWords(verdict.limit!)}, so the next one waits.`
              : `Auto-replies are going out too fast (${verdict.limit!.max} in the last ${windowWords(verdict.limit!)}), so the next one waits.`;
        return this.skip(msg, verdict.reason, verdict.reason === 'cooldown' ? 'cooldown' : 'rate-limit', text, {
          rule: ref,
          until: verdict.until,
        });
      }
      const decision = this.replyDecision(msg, rule, conversation, ctx);
      if (!ctx.dryRun) {
        // Count the cooldown from the latest moment this reply can go out: after its grace period
        // and delay, or after a slow responder's timeout, so a long wait cannot outlast the cooldown.
        const sendBy = Math.max(decision.notBefore, rule.reply.type === 'template' ? now : now + rule.reply.timeoutMs);
        this.limiter.record(now, conversation, rule.id, sendBy + rule.cooldownMs);
      }
      return decision;
    }
    const misses: RuleMiss[] = settings.rules.map((rule, i) => ({ ruleId: rule.id, ruleName: rule.name, reason: reasons[i]! }));
    return this.noRuleApplies(msg, settings.rules, misses, ctx);
  }

  /** Off, paused, muted, or you are in the chat yourself: no rule is looked at. */
  private heldBack(msg: InboundMessage, settings: DecideSettings, conversation: string, now: number): Skip | undefined {
    if (!settings.enabled) return this.skip(msg, 'disabled', 'disabled', 'Auto-reply is off.');
    if (isPaused(settings, now)) {
      return this.skip(msg, 'paused', 'paused', 'Auto-reply is paused.', {
        until: settings.pausedUntil!,
      });
    }
    const chat = settings.chatState?.(conversation);
    if (chat?.mutedUntil === null) return this.skip(msg, 'muted', 'muted', 'You muted this chat until you unmute it.');
    if (chat?.mutedUntil !== undefined && chat.mutedUntil > now) {
      return this.skip(msg, 'muted', 'muted', 'You muted this chat.', {
        until: chat.mutedUntil,
      });
    }
    if (chat?.ownerWroteAt !== undefined) {
      const resumeAt = chat.ownerWroteAt + (settings.takeoverPauseMs ?? 0);
      // Message times are whole seconds, so which of two messages in the same second came first
      // cannot be known. The rule (the reply pipeline's cancel follows it too): the same second
      // counts as the owner answering it, whatever order they arrive in; nobody gets an
      // auto-reply on top of the person's own answer.
      if (chat.ownerWroteAt === msg.timestamp) {
        return this.skip(msg, 'owner-answered', 'owner-answered', SAME_SECOND_WORDS);
      }
      if (chat.ownerWroteAt > msg.timestamp) {
        return this.skip(msg, 'owner-answered', 'owner-answered', 'You answered this chat yourself after this message.');
      }
      if (resumeAt > now) {
        return this.skip(
          msg,
          'owner-answered',
          'owner-answered',
          'You wrote in this chat yourself, so auto-replies here pause for a while.',
          { until: resumeAt },
        );
      }
    }
    return undefined;
  }

  private replyDecision(msg: InboundMessage, rule: Rule, conversation: string, ctx: EvaluationContext): Decision {
    const { now } = ctx;
    return {
      kind: 'reply',
      messageId: msg.id,
      chatJid: msg.chatJid,
      conversationKey: conversation,
      rule,
      responder: rule.reply.type,
      decidedAt: now,
      notBefore: now + rule.graceMs + this.delay(rule),
      typing: rule.delay.typing,
      graceMs: rule.graceMs,
      inbound: {
        id: msg.id,
        chatJid: msg.chatJid,
        senderJid: msg.senderJid,
        ...(msg.senderPhone !== undefined ? { senderPhone: msg.senderPhone } : {}),
        ...(msg.senderName !== undefined ? { senderName: msg.senderName } : {}),
        text: msg.text,
        timestamp: msg.timestamp,
        isGroup: ctx.group,
        messageKind: ctx.kind,
      },
    };
  }

  /**
   * No rule applies, in the words that help most: a rule whose kind and text match this message
   * but that held back (a group, the contact scope, the schedule) explains it; else no rule
   * answers this kind of message at all; else the message matches no rule's text.
   */
  private noRuleApplies(msg: InboundMessage, rules: readonly Rule[], misses: RuleMiss[], ctx: EvaluationContext): Skip {
    const on = rules.filter((r) => r.enabled);
    if (on.length === 0) return this.skip(msg, 'no-match', 'no-match', 'Every rule is switched off.', { misses });
    for (const miss of misses) {
      const rule = on.find((r) => r.id === miss.ruleId);
      if (!rule || !HELD_BACK.has(miss.reason) || !this.contentMatches(rule, msg, ctx)) continue;
      return this.skip(msg, 'no-match', MISS_DECISION[miss.reason], this.missText(miss.reason, rule, ctx), { misses });
    }
    const forKind = on.filter((r) => ruleKinds(r).includes(ctx.kind));
    if (forKind.length === 0) {
      return this.skip(msg, 'no-match', 'kind-not-answered', `No rule answers a ${KIND_WORDS[ctx.kind]}.`, { misses });
    }
    const only = forKind.length === 1 ? misses.find((m) => m.ruleId === forKind[0]!.id) : undefined;
    const text = only && !HELD_BACK.has(only.reason) ? this.missText(only.reason, forKind[0]!, ctx) : 'No rule applies to this message.';
    return this.skip(msg, 'no-match', 'no-match', text, { misses });
  }

  /** Would this rule's kinds and match take the message, whoever sent it and whenever? */
  private contentMatches(rule: Rule, msg: InboundMessage, ctx: EvaluationContext): boolean {
    if (!ruleKinds(rule).includes(ctx.kind)) return false;
    return evaluateMatch(rule.match, msg.text, { firstContact: ctx.firstContact, quietMs: ctx.quietMs }) === 'match';
  }

  /** A rule's miss in a sentence. */
  missText(reason: RuleMissReason, rule: Rule, ctx: { kind: MessageKind }): string {
    const name = `“${rule.name}”`;
    switch (reason) {
      case 'rule-off':
        return `Rule ${name} is switched off.`;
      case 'groups-off':
        return `Rule ${name} does not answer in groups.`;
      case 'not-mentioned':
        return `Rule ${name} answers in groups only when you are mentioned.`;
      case 'not-a-private-chat':
        return `Rule ${name} greets contacts in private chats only.`;
      case 'out-of-scope':
        return `This contact is not among the contacts rule ${name} answers.`;
      case 'outside-schedule':
        return `Rule ${name} works only ${describeSchedule(rule.schedule!, this.timeZone)}, and this message came at another time.`;
      case 'kind-not-listed':
        return `Rule ${name} does not answer a ${KIND_WORDS[ctx.kind]}.`;
      case 'no-text-match':
        return ctx.kind === 'missed-call' ? `Rule ${name} looks for text, and a missed call has none.` : `The message does not match rule ${name}.`;
      case 'seen-before':
        return rule.match.type === 'greeting'
          ? `Rule ${name} greets a contact's first message, or the first after ${rule.match.quietDays} days of silence, and this contact wrote more recently.`
          : `Rule ${name} answers only a contact's very first message, and this contact wrote before.`;
      case 'invalid-pattern':
        return `Rule ${name} has a pattern that cannot be used.`;
      default:
        return assertNeverMiss(reason);
    }
  }

  private ruleMiss(rule: Rule, msg: InboundMessage, text: MatchText, ctx: EvaluationContext): RuleMissReason | undefined {
    if (!rule.enabled) return 'rule-off';
    const greets = rule.match.type === 'first-message' || rule.match.type === 'greeting';
    if (ctx.group) {
      if (rule.groups === 'off') return 'groups-off';
      if (rule.groups === 'mentioned' && !msg.mentionsMe) return 'not-mentioned';
      if (greets) return 'not-a-private-chat';
    }
    if (!inScope(rule.scope, msg)) return 'out-of-scope';
    if (!scheduleActive(rule.schedule, ctx.now, this.timeZone)) return 'outside-schedule';
    if (!ruleKinds(rule).includes(ctx.kind)) return 'kind-not-listed';
    const outcome = evaluateMatch(rule.match, text, { firstContact: ctx.firstContact, quietMs: ctx.quietMs });
    return outcome === 'match' ? undefined : outcome;
  }

  /** How long the chat with this contact has been quiet; undefined: never a message. */
  private quietFor(keys: readonly string[], now: number, options: DecideOptions): number | undefined {
    if (options.daysSinceLastMessage !== undefined) {
      return options.daysSinceLastMessage === null ? undefined : options.daysSinceLastMessage * DAY_MS;
    }
    let last: number | undefined;
    for (const key of keys) {
      if (!this.memory.hasSeen(key)) continue;
      // A memory without times knows only "seen": count it as just now (never greeted again).
      const at = this.memory.lastSeen ? (this.memory.lastSeen(key) ?? now) : now;
      last = last === undefined ? at : Math.max(last, at);
    }
    return last === undefined ? undefined : Math.max(0, now - last);
  }

  private delay(rule: Rule): number {
    const { minMs, maxMs } = rule.delay;
    const r = this.random();
    const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1 - Number.EPSILON) : 0;
    return minMs + Math.floor(unit * (maxMs - minMs + 1));
  }

  private markSeen(keys: readonly string[], at: number): void {
    for (const key of keys) this.memory.markSeen(key, at);
  }

  private skip(
    msg: InboundMessage,
    reason: SkipReason,
    decisionReason: DecisionReason,
    message: string,
    extra: Partial<Skip> = {},
  ): Skip {
    return { kind: 'skip', messageId: msg.id, reason, decisionReason, message, ...extra };
  }

  /** The placeholders' values for a message: `{message}` of media without a caption is a label. */
  private templateContext(inbound: InboundSummary, decidedAt: number): TemplateContext {
    const kind = inbound.messageKind ?? 'text';
    return {
      ...(inbound.senderName !== undefined ? { name: inbound.senderName } : {}),
      // Media without a caption: a plain label such as "[voice message]", never an empty quote.
      message: inbound.text.trim() === '' ? kindLabel(kind) : inbound.text,
      kind: KIND_WORDS[kind],
      at: decidedAt,
      timeZone: this.timeZone,
      locale: this.locale,
    };
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
    const context = this.templateContext(inbound, decidedAt);
    if (reply.type === 'template') return templateResult(renderTemplate(reply.text, context));

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
          // In a group the model is told who is speaking, as it is for the earlier turns.
          userText: (inbound.isGroup ? `${speakerOf(inbound)}: ` : '') + [...context.message].slice(0, MAX_LLM_INPUT).join(''),
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

function templateResult(rendered: string): RenderResult {
  const text = finalText(rendered);
  if (!text) {
    return {
      ok: false,
      error: replyError('empty-reply', 'The reply text came out empty (is a placeholder such as {name} unknown?).'),
    };
  }
  return { ok: true, text, source: 'template' };
}

const EXCLUDED_TEXT = {
  'own-message': 'This message was sent from your own account.',
  status: 'Status updates are never answered.',
  broadcast: 'Messages from broadcast lists are never answered.',
  newsletter: 'Channel posts are never answered.',
} as const;

const NEVER_ANSWERED_TEXT: Record<Exclude<InboundKind, MessageKind>, string> = {
  reaction: 'Reactions are never answered.',
  edit: 'Edits of earlier messages are never answered.',
  deletion: 'Deleted messages are never answered.',
  system: 'System messages are never answered.',
  other: 'Replyline does not answer this kind of message.',
};

interface EvaluationContext {
  now: number;
  dryRun: boolean;
  rulesOnly: boolean;
  group: boolean;
  kind: MessageKind;
  firstContact: boolean;
  /** How long the chat has been quiet before this message; undefined: never a message. */
  quietMs: number | undefined;
}

const DAY_MS = 24 * 3_600_000;

/** Misses of a rule that would otherwise take the message: it is held back by who, where or when. */
const HELD_BACK = new Set<RuleMissReason>(['groups-off', 'not-mentioned', 'not-a-private-chat', 'out-of-scope', 'outside-schedule']);

/** How the activity log files each miss. */
const MISS_DECISION: Record<RuleMissReason, DecisionReason> = {
  'rule-off': 'no-match',
  'groups-off': 'group',
  'not-mentioned': 'group',
  'not-a-private-chat': 'group',
  'out-of-scope': 'out-of-scope',
  'outside-schedule': 'outside-schedule',
  'kind-not-listed': 'kind-not-answered',
  'no-text-match': 'no-match',
  'seen-before': 'no-match',
  'invalid-pattern': 'no-match',
};

function assertNeverMiss(x: never): never {
  throw new Error(`unexpected miss: ${String(x)}`);
}

/** The kinds of message a rule answers. */
export function ruleKinds(rule: Pick<Rule, 'match' | 'kinds'>): readonly MessageKind[] {
  if (rule.match.type === 'missed-call') return ['missed-call'];
  return rule.kinds ?? DEFAULT_RULE_KINDS;
}

/** A responder's address without credentials or query: "https://example.com/hook". */
function describeUrl(value: string): string {
  try {
    const url = new URL(value);
    return `${url.origin}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return 'an address that cannot be read';
  }
}

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
