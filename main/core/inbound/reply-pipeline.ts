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
 */
import { z } from 'zod';
import type { Unsubscribe } from '../connection/link.js';
import { getLogger } from '../logging/logger.js';
import { newMessageId, OutboxError, type Outbox } from '../outbox/index.js';
import { assertNever, type AccountIdentity } from '../../contract/api.js';
import { maskPhone } from '../replylog/mask.js';
import type { ReplyLog } from '../replylog/reply-log.js';
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
  /**
   * Sees each new message once, before it is decided (chat memory for AI replies): `message` for
   * what others write in chats and groups, `own` for what this account wrote (including the
   * replies Replyline sent, which come back this way). Must not throw.
   */
  observe?: { message?(msg: InboundMessage): void; own?(msg: InboundMessage): void };
}

/** The settings the pipeline applies to each message; `configure()` changes them at once. */
export type PipelineSettings = Pick<ReplyPipelineOptions, 'catchUpWindowMs' | 'replyTtlMs' | 'typingIndicator'>;

export type HandleOutcome =
  | { kind: 'ignored'; reason: 'own' | 'status' | 'broadcast' | 'newsletter' }
  | { kind: 'duplicate' }
  | { kind: 'skipped'; reason: string }
  | { kind: 'missed'; missedId: string }
  | GenerateOutcome;

export type GenerateOutcome =
  | { kind: 'queued'; replyId: string }
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
    const msg = received.message;
    const ignored = ignoredReason(msg);
    if (ignored) {
      // Never answered, whatever the engine says; it still sees them (own messages tell it who is no stranger).
      this.decide(msg, false);
      if (ignored === 'own') this.observe('own', msg);
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
        await this.o.dedupe.add(keys);
        return { kind: 'skipped', reason: decision.reason };
      }
      if (missed) {
        await this.o.missed.add({
          id: key,
          at: msg.timestamp,
          receivedAt: now,
          ...contactOf(decision.inbound),
          text: msg.text,
          rule: { id: decision.rule.id, name: decision.rule.name },
          decision,
          account: plainAccount(this.o.account()),
        });
        await this.o.dedupe.add(keys);
        return { kind: 'missed', missedId: key };
      }
      const job: GenerationJob<D> = {
        decision,
        account: plainAccount(this.o.account()),
        decidedAt: decision.decidedAt,
        notBefore: decision.notBefore,
      };
      const replyId = await this.record(key, job);
      await this.o.dedupe.add(keys);
      return await this.inChat(decision.chatJid, () => this.generate(replyId, key, job));
    } finally {
      for (const k of keys) this.handling.delete(k);
    }
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
    const replyId = await this.record(id, job);
    await missed.resolve(id, 'sent');
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
      dedupe.has(keys) || keys.some((k) => this.handling.has(k) || missed.has(k) || replyLog.findByInbound(k) !== undefined)
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
      return { kind: 'skip', reason: 'the auto-reply engine failed' };
    }
  }

  /** Step 5: the decision, durably, before anything slow. Returns the reply's message id. */
  private async record(inboundKey: string, job: GenerationJob<D>): Promise<string> {
    const msg = job.decision.inbound;
    const replyId = newMessageId();
    await this.o.replyLog.add({
      id: replyId,
      at: job.decidedAt,
      ...contactOf(msg),
      chatJid: job.decision.chatJid,
      inboundId: msg.id,
      inboundKey,
      rule: { id: job.decision.rule.id, name: job.decision.rule.name },
      text: '',
      job,
    });
    return replyId;
  }

  /** Steps 6 and 7. Never throws. */
  private async generate(replyId: string, inboundKey: string, job: GenerationJob<D>): Promise<GenerateOutcome> {
    const { decision } = job;
    const result = await this.render(decision, replyId);
    if (!result.ok) return this.fail(replyId, REASONS.render(result.error.message));
    const ttl = this.replyTtlMs;
    try {
      await this.o.outbox.enqueue({
        id: replyId,
        chatJid: decision.chatJid,
        text: result.text,
        notBefore: job.notBefore,
        typing: decision.typing && this.typingIndicator,
        ttlMs: ttl === null ? null : Math.max(0, job.decidedAt + ttl - this.now()),
        ref: inboundKey,
        account: job.account,
      });
      return { kind: 'queued', replyId };
    } catch (err) {
      if (err instanceof OutboxError && err.kind === 'closed') return { kind: 'interrupted', replyId };
      return this.fail(replyId, err instanceof OutboxError ? err.message : 'The reply could not be queued');
    }
  }

  private async render(decision: D, replyId: string): Promise<RenderResult> {
    try {
      const r = await this.o.engine.renderReply(decision, { replyId });
      if (r.ok && r.text.trim() === '') return { ok: false, error: { message: 'the reply came back empty' } };
      return r;
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

function plainAccount(a: AccountIdentity | undefined): AccountIdentity | undefined {
  if (!a) return undefined;
  return a.lid ? { phoneJid: a.phoneJid, lid: a.lid } : { phoneJid: a.phoneJid };
}
