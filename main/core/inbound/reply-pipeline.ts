/**
 * The reply pipeline: from a fresh inbound message to a queued reply, with nothing lost or
 * doubled across a crash. For each message:
 *
 *   1. never answer own messages, status, broadcasts or newsletters (whatever the engine says);
 *   2. dedupe: seen before (dedupe set, reply log or missed list) → drop;
 *   3. `engine.decide` (synchronous) → skip: mark seen, done;
 *   4. older than the catch-up window → the "missed while offline" list, mark seen, done;
 *   5. record the decision durably in the reply log as `generating`, with the reply's message
 *      id chosen now and what is needed to generate it again; then mark seen;
 *   6. `engine.renderReply` (may take a minute: webhooks, LLMs);
 *   7. `outbox.enqueue` with the id from step 5 (idempotent per id).
 *
 * After a crash between 5 and 7 the reply log still says `generating`: `start()` generates it
 * again (same id, so never twice) while it is recent, or fails it with a plain reason. A crash
 * between 5 and the dedupe mark is caught by the reply-log lookup in step 2.
 * Replies within one chat are generated and queued in the order their messages were decided.
 *
 * Every message that reaches step 3 gets a decision record in the activity log (replied, or
 * skipped with the reason), written with its dedupe mark.
 *
 * The owner's own messages (sent from their phone or WhatsApp Web, told apart from Replyline's
 * replies by id) pause the chat and cancel the replies still waiting there for older messages;
 * the owner reading a chat cancels replies still in their grace period ("reply only if I don't").
 * A waiting reply is cancelled where it is: before it reaches the outbox (the generation step
 * sees the mark and stops), or in the outbox, which never cancels what it may have sent.
 *
 * When the stores share a commit log (`commits`, as in the core), the records each step writes
 * go as one transaction: the decision, its decision record and the seen mark (step 5); a skip's
 * decision record and seen mark; the missed entry, its record and the seen mark. And when the
 * reply needs no waiting (a template) and nothing of that chat is still being generated, steps 5
 * to 7 are one: the reply-log entry, the decision record, the seen mark and the outbox entry are
 * written in one frame, so after a crash either all of them are there or none is (and the
 * message, not marked seen, is decided again when it comes back). The reply log says `queued`
 * only once the outbox entry is durable (the outbox's change event), as on the slow path.
 */
import * as z from 'zod';
import { kindLabel, type DecisionReason } from '../../contract/conversation.js';
import type { Unsubscribe } from '../connection/link.js';
import { getLogger } from '../logging/logger.js';
import { newMessageId, OutboxError, type NewReply, type Outbox } from '../outbox/index.js';
import type { DeliveryError } from '../outbox/errors.js';
import type { ActivityLog } from '../activity/activity-log.js';
import type { Conversations } from '../conversation/conversations.js';
import { chatKeyOf } from '../autoreply/scope.js';
import { parseJid } from '../connection/jid.js';
import type { ReplyLogEntry } from '../replylog/types.js';
import { assertNever, type AccountIdentity } from '../../contract/api.js';
import { maskPhone } from '../replylog/mask.js';
import type { ReplyLog } from '../replylog/reply-log.js';
import type { Transaction } from '../storage/store-log.js';
import type { DedupeStore } from './dedupe-store.js';
import type { MissedStore } from './missed-store.js';
import type { Decision, InboundMessage, ReceivedMessage, RenderResult, ReplyEngine, Skip } from './types.js';

export interface ReplyPipelineOptions<D extends Decision = Decision> {
  engine: ReplyEngine<D>;
  outbox: Outbox;
  replyLog: ReplyLog;
  dedupe: DedupeStore;
  missed: MissedStore;
  /** The linked account now (`link.account()`): recorded with each decision. */
  account: () => AccountIdentity | undefined;
  now?: () => number;
  /** Messages older than this are not answered automatically (default 15 min). */
  catchUpWindowMs?: number;
  /** After a crash, a reply still being generated is generated again if decided no longer ago than this (default: the catch-up window). */
  regenerateWithinMs?: number;
  /** Time-to-live of a reply from its decision, unless the decision says (default 60 min; null = none). */
  replyTtlMs?: number | null;
  /** Show "typing…" before replies whose rule asks for it (default true). */
  typingIndicator?: boolean;
  /** Decision records for every message that reaches the engine ("why no reply?"). */
  activity?: Pick<ActivityLog, 'record' | 'update' | 'get'>;
  /** Chat keys, LID aliases and the owner's own messages. */
  conversations?: Pick<Conversations, 'chatKey' | 'learnAlias' | 'phoneOf' | 'ownerWrote'>;
  /**
   * Sees each new message once, before it is decided (chat memory for AI replies): `message` for
   * what others write in chats and groups, `own` for what this account wrote (including the
   * replies Replyline sent, which come back this way). Must not throw.
   */
  observe?: { message?(msg: InboundMessage): void; own?(msg: InboundMessage): void };
  /** The stores' shared commit log: what one step writes across stores then goes as one write. */
  commits?: { begin(): Transaction };
}

/** The settings the pipeline applies to each message; `configure()` changes them at once. */
export type PipelineSettings = Pick<ReplyPipelineOptions, 'catchUpWindowMs' | 'replyTtlMs' | 'typingIndicator'>;

/** Why a waiting reply is called back. */
export type CancelReason = Extract<DecisionReason, 'owner-answered' | 'owner-read' | 'muted'>;

/** A reply cancelled because the owner wrote in the same second as the message it answers. */
export const SAME_SECOND_CANCEL_WORDS =
  'Cancelled: you wrote in this chat in the same second as this message, which counts as you answering it';

export const CANCEL_WORDS: Record<CancelReason, string> = {
  'owner-answered': 'Cancelled: you answered this chat yourself before it went out',
  'owner-read': 'Cancelled: you read the message on another device during its grace period',
  muted: 'Cancelled: you muted this chat',
};

export type HandleOutcome =
  | { kind: 'ignored'; reason: 'own' | 'status' | 'broadcast' | 'newsletter' }
  | { kind: 'duplicate' }
  | { kind: 'skipped'; reason: string }
  | { kind: 'missed'; missedId: string }
  | GenerateOutcome;

export type GenerateOutcome =
  | { kind: 'queued'; replyId: string }
  /** Called back before it reached the outbox (you answered, read, muted). */
  | { kind: 'cancelled'; replyId: string }
  | { kind: 'failed'; replyId: string; error: string }
  /** The app is shutting down: the reply stays `generating` and resumes at the next start. */
  | { kind: 'interrupted'; replyId: string };

export type MissedActionResult =
  | { ok: true; replyId?: string }
  | { ok: false; error: { kind: 'not-found' | 'unreadable'; message: string } };

/** What the reply log keeps while a reply is generated, to generate it again after a crash. */
interface GenerationJob<D extends Decision = Decision> {
  decision: D;
  account?: AccountIdentity;
  /** When the reply was committed to (the decision, or the person's "send" on a missed message). */
  decidedAt: number;
  notBefore: number;
}

const accountSchema = z.object({ phoneJid: z.string(), lid: z.string().optional(), name: z.string().optional() });
/**
 * The fields of a stored decision the pipeline relies on; the rest is the engine's and kept as is.
 * `satisfies` ties it to `Decision` (picked from the engine's type): a field the engine renames or
 * retypes fails to compile here.
 */
const decisionSchema = z.looseObject({
  kind: z.literal('reply'),
  rule: z.looseObject({ id: z.string(), name: z.string() }),
  chatJid: z.string(),
  decidedAt: z.number(),
  notBefore: z.number(),
  typing: z.boolean(),
  inbound: z.looseObject({
    id: z.string(),
    chatJid: z.string(),
    senderJid: z.string(),
    senderPhone: z.string().optional(),
    senderName: z.string().optional(),
    text: z.string(),
    timestamp: z.number(),
    isGroup: z.boolean(),
  }),
}) satisfies z.ZodType<Decision>;
const jobSchema = z.object({
  decision: decisionSchema,
  account: accountSchema.optional(),
  decidedAt: z.number(),
  notBefore: z.number(),
});

const notMissed: MissedActionResult = {
  ok: false,
  error: { kind: 'not-found', message: 'This message is no longer in the missed list' },
};

/** What the activity log says about a message this computer could not read. */
export const UNREADABLE_WORDS =
  'This message could not be read on this computer — open WhatsApp on your phone to see it. It was not answered.';

export const REASONS = {
  tooOld: 'Replyline stopped while this reply was being written, and it is now too old to send',
  unreadable: 'Replyline stopped while this reply was being written, and it could not be picked up again',
  lost: 'Replyline lost track of this reply after a restart; it may or may not have been sent',
  render: (error: string) => `The reply could not be written: ${error}`,
};

export class ReplyPipeline<D extends Decision = Decision> {
  private readonly log = getLogger('reply-pipeline');
  private readonly now: () => number;
  private catchUpWindowMs: number;
  private readonly regenerateWithinMs: number;
  private replyTtlMs: number | null;
  private typingIndicator: boolean;
  /** Dedupe keys being handled right now (before the seen mark is written). */
  private readonly handling = new Set<string>();
  /** Per chat, the tail of its generation chain. */
  private readonly chains = new Map<string, Promise<unknown>>();
  /** Replies being generated: still rendering, or being handed to the outbox. */
  private readonly phase = new Map<string, 'rendering' | 'enqueuing'>();
  private readonly running = new Set<Promise<unknown>>();
  private unsubscribe: Unsubscribe | undefined;

  constructor(private readonly o: ReplyPipelineOptions<D>) {
    this.now = o.now ?? (() => Date.now());
    this.catchUpWindowMs = o.catchUpWindowMs ?? 15 * 60_000;
    this.regenerateWithinMs = o.regenerateWithinMs ?? this.catchUpWindowMs;
    this.replyTtlMs = o.replyTtlMs === undefined ? 60 * 60_000 : o.replyTtlMs;
    this.typingIndicator = o.typingIndicator ?? true;
  }

  /**
   * Apply changed settings (the person saved Settings): they count for every message handled
   * from now on. Replies already queued keep what they were decided with.
   */
  configure(settings: PipelineSettings): void {
    if (settings.catchUpWindowMs !== undefined) this.catchUpWindowMs = settings.catchUpWindowMs;
    if (settings.replyTtlMs !== undefined) this.replyTtlMs = settings.replyTtlMs;
    if (settings.typingIndicator !== undefined) this.typingIndicator = settings.typingIndicator;
  }

  /**
   * Mirror outbox changes into the reply log, bring the reply log up to date with the outbox
   * after a restart, and pick up replies whose generation a crash interrupted.
   */
  async start(): Promise<void> {
    const { outbox, replyLog, missed } = this.o;
    this.unsubscribe ??= outbox.on('change', ({ entry }) => {
      if (!replyLog.has(entry.id)) return;
      replyLog.applyOutbox(entry).catch((err: unknown) => this.log.error({ err }, 'reply log update failed'));
    });
    const now = this.now();
    for (const e of replyLog.open()) {
      const queued = outbox.get(e.id);
      if (queued) {
        await replyLog.applyOutbox(queued);
        continue;
      }
      if (e.status !== 'generating') {
        await replyLog.update(e.id, { status: 'failed', lastError: REASONS.lost, clearJob: true });
        continue;
      }
      const job = this.parseJob(e.job);
      if (!job || now - job.decidedAt > this.regenerateWithinMs) {
        this.log.info({ replyId: e.id, readable: !!job }, 'interrupted reply not generated again');
        await replyLog.update(e.id, { status: 'failed', lastError: job ? REASONS.tooOld : REASONS.unreadable, clearJob: true });
        continue;
      }
      this.log.info({ replyId: e.id }, 'generating an interrupted reply again');
      void this.inChat(job.decision.chatJid, () => this.generate(e.id, e.inboundKey, job));
    }
    for (const m of missed.list()) {
      if (replyLog.findByInbound(m.id)) await missed.resolve(m.id, 'sent');
    }
  }

  /** Stop mirroring; replies still being generated resume at the next start. */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Wait for every reply being generated now (tests, orderly shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Handle one inbound message. Decides synchronously, in call order; resolves when its reply is queued. */
  async handle(received: ReceivedMessage): Promise<HandleOutcome> {
    const msg = this.withKnownNumber(received.message);
    const ignored = ignoredReason(msg);
    if (ignored) {
      // Never answered, whatever the engine says; it still sees them (own messages tell it who is no stranger).
      this.decide(msg, false);
      if (ignored === 'own') {
        this.observe('own', msg);
        await this.ownerMessage(msg);
      }
      return { kind: 'ignored', reason: ignored };
    }
    const { keys } = received;
    const key = keys[0]!;
    if (this.isKnown(keys)) return { kind: 'duplicate' };
    this.observe('message', msg);
    for (const k of keys) this.handling.add(k);
    try {
      const now = this.now();
      // Too old to answer blindly: ask the engine which rule would answer, without counting it.
      const missed = now - msg.timestamp > this.catchUpWindowMs;
      const decision = this.decide(msg, missed);
      if (decision.kind === 'skip') {
        await this.together([(tx) => this.recordSkip(msg, key, decision, tx), (tx) => this.o.dedupe.add(keys, tx)]);
        return { kind: 'skipped', reason: decision.reason };
      }
      if (missed) {
        const entry = {
          id: key,
          at: msg.timestamp,
          receivedAt: now,
          ...contactOf(decision.inbound),
          text: msg.text,
          rule: { id: decision.rule.id, name: decision.rule.name },
          decision,
          account: plainAccount(this.o.account()),
        };
        const lateMin = Math.max(1, Math.round((now - msg.timestamp) / 60_000));
        const skip: Skip = {
          kind: 'skip',
          reason: 'too-old',
          decisionReason: 'too-old',
          message: `This message arrived ${lateMin} min after it was sent (Replyline was offline); rule “${decision.rule.name}” would answer it, so it waits in “missed while offline” for you to send or skip.`,
          rule: { id: decision.rule.id, name: decision.rule.name },
        };
        await this.together([
          (tx) => this.o.missed.add(entry, tx),
          (tx) => this.recordSkip(msg, key, skip, tx),
          (tx) => this.o.dedupe.add(keys, tx),
        ]);
        return { kind: 'missed', missedId: key };
      }
      const job: GenerationJob<D> = {
        decision,
        account: plainAccount(this.o.account()),
        decidedAt: decision.decidedAt,
        notBefore: decision.notBefore,
      };
      const instant = this.instantReply(decision, job);
      if (instant) return await this.decideAndQueue(key, keys, job, msg, instant);
      const replyId = newMessageId();
      const recorded = this.together([(tx) => this.record(replyId, key, job, msg, tx), (tx) => this.o.dedupe.add(keys, tx)]);
      // Take the chat's place in line now, so a later message of the chat cannot overtake this one.
      return await this.inChat(decision.chatJid, async () => {
        await recorded;
        return this.generate(replyId, key, job);
      });
    } finally {
      for (const k of keys) this.handling.delete(k);
    }
  }

  /**
   * A message this computer could not decrypt, for which no readable copy came (see
   * unreadable-watch.ts): recorded in the activity log in plain words, never answered. Not
   * marked seen: should a readable copy come after all, it is handled as usual and its decision
   * takes the record's place.
   */
  async unreadable(received: ReceivedMessage): Promise<void> {
    const msg = this.withKnownNumber(received.message);
    if (ignoredReason(msg) || this.isKnown(received.keys)) return;
    await this.recordActivity(msg, received.keys[0]!, this.chatKeyOf(msg), {
      outcome: 'skipped',
      reason: 'unreadable',
      explanation: UNREADABLE_WORDS,
    });
  }

  /** Send the rule's reply to a missed message (the person chose to). A second click while the first is handled does nothing. */
  sendMissed(id: string): Promise<MissedActionResult> {
    return this.exclusive(id, () => this.sendMissedNow(id));
  }

  /** Take a missed message off the list without answering it. */
  skipMissed(id: string): Promise<MissedActionResult> {
    return this.exclusive(id, async () => {
      if (await this.o.missed.resolve(id, 'skipped')) return { ok: true };
      return notMissed;
    });
  }

  private async sendMissedNow(id: string): Promise<MissedActionResult> {
    const { missed, replyLog } = this.o;
    const m = missed.get(id);
    if (!m) return notMissed;
    const answered = replyLog.findByInbound(id);
    if (answered) {
      await missed.resolve(id, 'sent');
      return { ok: true, replyId: answered.id };
    }
    const decision = this.parseDecision(m.decision);
    if (!decision) {
      return { ok: false, error: { kind: 'unreadable', message: 'The stored rule decision could not be read' } };
    }
    // The person chose to send it now: the rule's delay counts from now.
    const now = this.now();
    const job: GenerationJob<D> = {
      decision,
      account: m.account ?? plainAccount(this.o.account()),
      decidedAt: now,
      notBefore: now + Math.max(0, decision.notBefore - decision.decidedAt),
    };
    const replyId = newMessageId();
    await this.together([
      (tx) => this.record(replyId, id, job, undefined, tx),
      (tx) => missed.resolve(id, 'sent', tx),
      async (tx) =>
        this.o.activity?.update(
          id,
          { outcome: 'replied', replyId, explanation: `You sent rule “${decision.rule.name}”’s reply from “missed while offline”.` },
          tx,
        ),
    ]);
    void this.inChat(decision.chatJid, () => this.generate(replyId, id, job));
    return { ok: true, replyId };
  }

  /** One action at a time per missed entry (its id is the inbound's dedupe key). */
  private async exclusive(id: string, action: () => Promise<MissedActionResult>): Promise<MissedActionResult> {
    if (this.handling.has(id)) return notMissed;
    this.handling.add(id);
    try {
      return await action();
    } finally {
      this.handling.delete(id);
    }
  }

  // ---- steps --------------------------------------------------------------------------------

  private isKnown(keys: readonly string[]): boolean {
    const { dedupe, replyLog, missed } = this.o;
    return (
      dedupe.has(keys) || keys.some((k) => this.handling.has(k) || missed.has(k) || replyLog.hasInbound(k))
    );
  }

  private observe(which: 'message' | 'own', msg: InboundMessage): void {
    try {
      this.o.observe?.[which]?.(msg);
    } catch (err) {
      this.log.error({ err }, 'a message observer failed');
    }
  }

  private parseDecision(value: unknown): D | undefined {
    const r = decisionSchema.safeParse(value);
    return r.success ? (r.data as unknown as D) : undefined;
  }

  private parseJob(value: unknown): GenerationJob<D> | undefined {
    const r = jobSchema.safeParse(value);
    return r.success ? (r.data as unknown as GenerationJob<D>) : undefined;
  }

  private decide(msg: InboundMessage, dryRun: boolean): D | Skip {
    try {
      return this.o.engine.decide(msg, { dryRun });
    } catch (err) {
      this.log.error({ err }, 'the auto-reply engine failed to decide; message not answered');
      return {
        kind: 'skip',
        reason: 'the auto-reply engine failed',
        decisionReason: 'error',
        message: 'Something went wrong while deciding about this message, so it was not answered.',
      };
    }
  }

  /**
   * Run the writes of one step: as one transaction when the stores share a commit log, else one
   * after the other, in the order given (the order the crash reasoning above relies on).
   */
  private async together(writes: ReadonlyArray<(tx?: Transaction) => Promise<unknown>>): Promise<void> {
    const tx = this.o.commits?.begin();
    if (!tx) {
      for (const write of writes) await write();
      return;
    }
    const staged = writes.map((write) => write(tx));
    await Promise.all([tx.commit(), ...staged]);
  }

  /**
   * Step 5: the decision, durably, before anything slow (and, for a fresh message, its decision
   * record). `entry` overrides what the reply-log entry starts with (default: generating, with the
   * job to generate it again after a crash).
   */
  private async record(
    replyId: string,
    inboundKey: string,
    job: GenerationJob<D>,
    fresh: InboundMessage | undefined,
    tx: Transaction | undefined,
    entry: { status?: 'failed'; text: string; lastError?: string; job?: GenerationJob<D> } = { text: '', job },
  ): Promise<void> {
    const { decision } = job;
    const msg = decision.inbound;
    const graceMs = decision.graceMs ?? 0;
    const chatKey = decision.conversationKey ?? this.chatKeyOf(msg);
    const logged = this.o.replyLog.record(
      {
        id: replyId,
        at: job.decidedAt,
        ...contactOf(msg),
        chatJid: decision.chatJid,
        inboundId: msg.id,
        inboundKey,
        rule: { id: decision.rule.id, name: decision.rule.name },
        chatKey,
        inboundAt: msg.timestamp,
        ...(graceMs > 0 ? { graceMs } : {}),
        ...entry,
      },
      tx,
    );
    const recorded = fresh
      ? this.recordActivity(
          fresh,
          inboundKey,
          chatKey,
          {
            outcome: 'replied',
            explanation:
              `Answered by rule “${decision.rule.name}”` +
              (graceMs > 0 ? `, after waiting ${durationWords(graceMs)} in case you answer yourself.` : '.'),
            rule: { id: decision.rule.id, name: decision.rule.name },
            replyId,
          },
          tx,
        )
      : undefined;
    await Promise.all([logged, recorded]);
  }

  /**
   * The reply's text now, when steps 5–7 can be one write: the stores share a commit log, the
   * responder needs no waiting, nothing of the chat is still being generated (per-chat order),
   * and the outbox can take the reply (open, an account known). Otherwise undefined.
   */
  private instantReply(decision: D, job: GenerationJob<D>): RenderResult | undefined {
    if (!this.o.commits || !this.o.engine.renderInstant || this.chains.has(decision.chatJid)) return undefined;
    if (!this.o.outbox.accepting || !(job.account ?? this.o.account())) return undefined;
    let result: RenderResult | undefined;
    try {
      result = this.o.engine.renderInstant(decision);
    } catch (err) {
      return { ok: false, error: { message: err instanceof Error ? err.message : 'the responder failed' } };
    }
    return result && checkedText(result);
  }

  /**
   * Steps 5–7 as one transaction: the decision, its record, the seen mark and the reply (or the
   * decision as failed). No generation job: the entry and the outbox entry are durable together.
   */
  private async decideAndQueue(
    key: string,
    keys: readonly string[],
    job: GenerationJob<D>,
    msg: InboundMessage,
    result: RenderResult,
  ): Promise<GenerateOutcome> {
    const replyId = newMessageId();
    if (!result.ok) {
      const error = REASONS.render(result.error.message);
      this.log.warn({ replyId }, 'reply not generated');
      await this.together([
        (tx) => this.record(replyId, key, job, msg, tx, { status: 'failed', text: '', lastError: error }),
        (tx) => this.o.dedupe.add(keys, tx),
      ]);
      return { kind: 'failed', replyId, error };
    }
    // Being handed to the outbox: a cancel (you answered, read, muted) goes through it from now on.
    this.phase.set(replyId, 'enqueuing');
    try {
      await this.together([
        (tx) => this.record(replyId, key, job, msg, tx, { text: '' }),
        (tx) => this.o.dedupe.add(keys, tx),
        (tx) => this.o.outbox.enqueue(this.replyFor(replyId, key, job, result.text), tx),
      ]);
    } finally {
      this.phase.delete(replyId);
    }
    return { kind: 'queued', replyId };
  }

  private replyFor(replyId: string, inboundKey: string, job: GenerationJob<D>, text: string): NewReply {
    const { decision } = job;
    const ttl = this.replyTtlMs;
    // A grace period is waiting for the owner, not for the link: the time-to-live counts after it.
    const graceMs = decision.graceMs ?? 0;
    return {
      id: replyId,
      chatJid: decision.chatJid,
      text,
      notBefore: job.notBefore,
      typing: decision.typing && this.typingIndicator,
      ...(graceMs > 0 ? { typingFrom: job.decidedAt + graceMs, waitsForOwner: true } : {}),
      ttlMs: ttl === null ? null : Math.max(0, job.decidedAt + graceMs + ttl - this.now()),
      ref: inboundKey,
      account: job.account,
    };
  }

  // ---- decision records -----------------------------------------------------------------------

  private async recordSkip(msg: InboundMessage, key: string, skip: Skip, tx?: Transaction): Promise<void> {
    await this.recordActivity(
      msg,
      key,
      this.chatKeyOf(msg),
      {
        outcome: 'skipped',
        reason: skip.decisionReason ?? 'no-match',
        explanation: skip.message ?? 'No rule applies to this message.',
        ...(skip.rule ? { rule: { id: skip.rule.id, name: skip.rule.name } } : {}),
        ...(skip.until !== undefined ? { until: skip.until } : {}),
      },
      tx,
    );
  }

  private async recordActivity(
    msg: InboundMessage,
    key: string,
    chatKey: string,
    outcome: Pick<NonNullable<Parameters<NonNullable<ReplyPipelineOptions['activity']>['record']>[0]>, 'outcome' | 'explanation'> &
      Partial<Pick<Parameters<NonNullable<ReplyPipelineOptions['activity']>['record']>[0], 'reason' | 'rule' | 'until' | 'replyId'>>,
    tx?: Transaction,
  ): Promise<void> {
    const activity = this.o.activity;
    if (!activity) return;
    const kind = msg.messageKind ?? 'text';
    const group = msg.isGroup || msg.kind === 'group';
    try {
      await activity.record(
        {
          key,
        at: msg.timestamp,
        decidedAt: this.now(),
        chatKey,
        chatJid: msg.chatJid,
        ...contactOf(msg),
        isGroup: group,
        kind,
          preview: msg.text.trim() === '' ? kindLabel(kind) : msg.text,
          ...outcome,
        },
        tx,
      );
    } catch (err) {
      this.log.error({ err }, 'writing a decision record failed');
    }
  }

  // ---- the owner's own messages and reads --------------------------------------------------------

  /** A reply of Replyline's own (its echo from WhatsApp), not something the owner wrote. */
  isOwnReply(id: string): boolean {
    return this.o.outbox.has(id) || this.o.replyLog.has(id) || this.phase.has(id);
  }

  /**
   * The owner wrote in a chat from another device: the chat pauses (the engine reads the time
   * back), and replies still waiting there for a message older than this one are cancelled, as is
   * such a message on the "missed while offline" list.
   */
  private async ownerMessage(msg: InboundMessage): Promise<void> {
    const conversations = this.o.conversations;
    if (!conversations || this.isOwnReply(msg.id)) return;
    if (msg.kind !== 'chat' && msg.kind !== 'group') return;
    const kind = msg.messageKind ?? 'text';
    if (kind === 'system' || kind === 'other') return;
    const chatKey = this.chatKeyOf(msg);
    this.log.debug({ kind }, 'you wrote in a chat from another device');
    // In memory at once, so a message decided right after this one already sees the pause.
    const noted = conversations.ownerWrote(chatKey, msg.timestamp);
    // The same second counts as an answer (message times are whole seconds; see the engine).
    const cancelled = this.cancelWhere(chatKey, (e) => (e.inboundAt ?? e.at) <= msg.timestamp, 'owner-answered', (e) =>
      (e.inboundAt ?? e.at) === msg.timestamp ? SAME_SECOND_CANCEL_WORDS : undefined,
    );
    await Promise.all([noted, cancelled, this.answeredWhileMissed(chatKey, msg.timestamp)]);
  }

  /**
   * The owner read messages in a chat on another device: replies there still in their grace
   * period, for one of these messages or an older one, are cancelled.
   */
  async ownerRead(chatJid: string, messageIds: readonly string[], readAt: number): Promise<number> {
    const chatKey = this.chatKeyOf({ chatJid, isGroup: chatJid.endsWith('@g.us') });
    const ids = new Set(messageIds);
    return this.cancelWhere(
      chatKey,
      (e) => (e.graceMs ?? 0) > 0 && (ids.has(e.inboundId) || (e.inboundAt ?? e.at) <= readAt),
      'owner-read',
    );
  }

  /** Cancel every reply still waiting in a chat (the person muted it). */
  cancelInChat(chatKey: string, reason: CancelReason): Promise<number> {
    return this.cancelWhere(chatKey, () => true, reason);
  }

  /**
   * Cancel the waiting replies of a chat that `which` picks; resolves with how many were
   * cancelled. Each is called back where it is, synchronously (so a send scan that runs next
   * already skips it): while rendering, by a mark the generation step checks before it hands the
   * reply to the outbox; in the outbox, by `outbox.cancel`, which refuses a reply that is on its
   * way or may have arrived (that one is delivered, once, and the log says so).
   */
  private async cancelWhere(
    chatKey: string,
    which: (e: ReplyLogEntry) => boolean,
    reason: CancelReason,
    /** Other words for one reply (undefined: the reason's own). */
    wordsFor: (e: ReplyLogEntry) => string | undefined = () => undefined,
  ): Promise<number> {
    const pending: Array<Promise<boolean>> = [];
    for (const e of this.o.replyLog.open()) {
      if (this.entryChatKey(e) !== chatKey || !which(e)) continue;
      const words = wordsFor(e) ?? CANCEL_WORDS[reason];
      const error: DeliveryError = { kind: 'cancelled', message: words };
      let called: Promise<boolean> | undefined;
      if (this.phase.get(e.id) === 'enqueuing' || this.o.outbox.get(e.id)) {
        called = this.o.outbox.cancel(e.id, error).then((r) => r.ok);
      } else if (e.status === 'generating') {
        // Not in the outbox yet: the log's status is the mark (in memory at once, durable soon),
        // which the generation step checks before it hands the reply over.
        called = this.o.replyLog.update(e.id, { status: 'cancelled', lastError: words, clearJob: true }).then(() => true);
      }
      if (!called) continue;
      const inboundKey = e.inboundKey;
      pending.push(
        called.then(async (done) => {
          if (!done) return false;
          this.log.info({ replyId: e.id, reason }, 'waiting reply cancelled');
          await this.o.activity?.update(inboundKey, { outcome: 'cancelled', reason, explanation: `${words}.` });
          return true;
        }),
      );
    }
    const results = await Promise.all(pending);
    return results.filter(Boolean).length;
  }

  /** The owner answered a chat whose older messages wait on the missed list: take them off it. */
  private async answeredWhileMissed(chatKey: string, ownerAt: number): Promise<void> {
    for (const m of this.o.missed.list()) {
      if (m.at > ownerAt) continue;
      const chatJid = m.id.slice(0, m.id.lastIndexOf('|'));
      if (this.chatKeyOf({ chatJid, isGroup: chatJid.endsWith('@g.us') }) !== chatKey) continue;
      if (!(await this.o.missed.resolve(m.id, 'skipped'))) continue;
      await this.o.activity?.update(m.id, {
        outcome: 'skipped',
        reason: 'owner-answered',
        explanation: 'You answered this chat yourself, so it was taken off “missed while offline”.',
      });
    }
  }

  // ---- chat keys ---------------------------------------------------------------------------------

  /** A LID chat whose number an earlier message told: the message gets the number (one chat, one key). */
  private withKnownNumber(msg: InboundMessage): InboundMessage {
    const conversations = this.o.conversations;
    if (!conversations || msg.isGroup || msg.kind === 'group') return msg;
    if (msg.senderPhone) {
      conversations.learnAlias(msg.chatJid, msg.senderPhone);
      return msg;
    }
    const phone = conversations.phoneOf(msg.chatJid);
    return phone ? { ...msg, senderPhone: phone } : msg;
  }

  private chatKeyOf(msg: Pick<InboundMessage, 'chatJid' | 'isGroup'> & Partial<Pick<InboundMessage, 'senderPhone' | 'kind'>>): string {
    const phone = msg.isGroup || msg.kind === 'group' ? undefined : msg.senderPhone;
    return this.o.conversations ? this.o.conversations.chatKey(msg.chatJid, phone) : chatKeyOf(msg.chatJid, phone);
  }

  private entryChatKey(e: ReplyLogEntry): string {
    if (e.chatKey) return e.chatKey;
    const contact = parseJid(e.contactJid);
    return this.chatKeyOf({ chatJid: e.chatJid, isGroup: e.chatJid.endsWith('@g.us'), senderPhone: contact?.server === 's.whatsapp.net' ? contact.user : undefined });
  }

  /** Steps 6 and 7. Never throws. */
  private async generate(replyId: string, inboundKey: string, job: GenerationJob<D>): Promise<GenerateOutcome> {
    const { decision } = job;
    // Called back before or while the text was written (you answered, read, muted): stop here.
    const calledBack = () => this.o.replyLog.get(replyId)?.status === 'cancelled';
    if (calledBack()) return { kind: 'cancelled', replyId };
    this.phase.set(replyId, 'rendering');
    try {
      const result = await this.render(decision, replyId);
      if (calledBack()) return { kind: 'cancelled', replyId };
      if (!result.ok) return await this.fail(replyId, REASONS.render(result.error.message));
      // Shutting down: the reply stays `generating` and is made again at the next start.
      if (!this.o.outbox.accepting) return { kind: 'interrupted', replyId };
      this.phase.set(replyId, 'enqueuing');
      // The outbox's change event, once the entry is durable, brings the reply log up to date.
      await this.o.outbox.enqueue(this.replyFor(replyId, inboundKey, job, result.text));
      return { kind: 'queued', replyId };
    } catch (err) {
      if (err instanceof OutboxError && err.kind === 'closed') return { kind: 'interrupted', replyId };
      return this.fail(replyId, err instanceof OutboxError ? err.message : 'The reply could not be queued');
    } finally {
      this.phase.delete(replyId);
    }
  }

  private async render(decision: D, replyId: string): Promise<RenderResult> {
    try {
      return checkedText(await this.o.engine.renderReply(decision, { replyId }));
    } catch (err) {
      return { ok: false, error: { message: err instanceof Error ? err.message : 'the responder failed' } };
    }
  }

  private async fail(replyId: string, error: string): Promise<GenerateOutcome> {
    this.log.warn({ replyId }, 'reply not generated');
    await this.o.replyLog
      .update(replyId, { status: 'failed', lastError: error, clearJob: true })
      .catch((err: unknown) => this.log.error({ err }, 'reply log update failed'));
    return { kind: 'failed', replyId, error };
  }

  /** Run `step` after the chat's previous step (per-chat order), tracked for `idle()`. */
  private inChat<T>(chatJid: string, step: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(chatJid) ?? Promise.resolve();
    const next = previous.then(step, step);
    this.chains.set(chatJid, next);
    this.running.add(next);
    const done = () => {
      this.running.delete(next);
      if (this.chains.get(chatJid) === next) this.chains.delete(chatJid);
    };
    next.then(done, done);
    return next;
  }
}

function checkedText(r: RenderResult): RenderResult {
  return r.ok && r.text.trim() === '' ? { ok: false, error: { message: 'the reply came back empty' } } : r;
}

function ignoredReason(msg: InboundMessage): 'own' | 'status' | 'broadcast' | 'newsletter' | undefined {
  if (msg.fromMe) return 'own';
  switch (msg.kind) {
    case 'status':
    case 'broadcast':
    case 'newsletter':
      return msg.kind;
    case 'chat':
    case 'group':
      return undefined;
    default:
      return assertNever(msg.kind);
  }
}

function contactOf(msg: Pick<InboundMessage, 'senderJid' | 'senderPhone' | 'senderName'>): {
  contactName: string;
  contactMasked: string;
  contactJid: string;
} {
  const phoneJid = msg.senderPhone ? `${msg.senderPhone}@s.whatsapp.net` : undefined;
  return {
    contactName: msg.senderName ?? '',
    contactMasked: maskPhone(phoneJid ?? msg.senderJid),
    contactJid: phoneJid ?? msg.senderJid,
  };
}

/** "30 s", "5 min", "2 h 30 min". */
function durationWords(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  const min = Math.round(ms / 60_000);
  if (min < 60) return `${min} min`;
  return min % 60 === 0 ? `${min / 60} h` : `${Math.floor(min / 60)} h ${min % 60} min`;
}

function plainAccount(a: AccountIdentity | undefined): AccountIdentity | undefined {
  if (!a) return undefined;
  return a.lid ? { phoneJid: a.phoneJid, lid: a.lid } : { phoneJid: a.phoneJid };
}
