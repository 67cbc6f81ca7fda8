/**
 * The activity log ("why no reply?"): one decision record per inbound message that reached the
 * rules — replied (with the reply's id), skipped with the reason, or cancelled (a reply was
 * decided, then called back before it went out) — with who wrote (name and masked number), what
 * kind of message it was and a preview of it, in plain words.
 *
 * Durable (record log, encrypted at rest like the reply log), bounded by age and count (oldest
 * dropped first), searchable and exportable as CSV. A record is keyed by the inbound message's
 * dedupe key, so a message handled again after a crash keeps its first record.
 */
import path from 'node:path';
import * as z from 'zod';
import {
  ACTIVITY_OUTCOMES,
  DECISION_REASONS,
  INBOUND_KINDS,
  KIND_WORDS,
  REASON_WORDS,
  type ActivityOutcome,
  type DecisionReason,
  type InboundKind,
} from '../../contract/conversation.js';
import type { Unsubscribe } from '../connection/link.js';
import type { ByteCipher } from '../storage/cipher.js';
import type { CommitLog } from '../storage/commit-log.js';
import { openStoreLog } from '../storage/open-store-log.js';
import type { StoreLog, Transaction } from '../storage/store-log.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { toCsv } from '../util/csv.js';
import { queryNewestFirst, type LogQuery } from '../util/log-query.js';
import { randomText } from '../util/random-pool.js';
import { rejectingThrows, SETTLED } from '../util/promise-free.js';
import { parseWith } from '../storage/parse-with.js';

/** Longest preview kept (the view shows at most 200 characters of it; search uses all of it). */
export const MAX_PREVIEW = 1_000;

export interface ActivityEntry {
  /** Opaque id (for the window); random, so it says nothing about the chat. */
  id: string;
  /** The inbound message's dedupe key (chat + message id): the record's identity. */
  key: string;
  /** The message's time. */
  at: number;
  decidedAt: number;
  /** The conversation key (see `chatKeyOf`): what mutes and pauses are keyed by. */
  chatKey: string;
  chatJid: string;
  /** The sender's JID: kept for search, never shown or logged. */
  contactJid: string;
  contactName: string;
  contactMasked: string;
  isGroup: boolean;
  kind: InboundKind;
  /** Text or caption, or a label such as "[voice message]". */
  preview: string;
  outcome: ActivityOutcome;
  reason?: DecisionReason;
  /** The decision in a sentence. */
  explanation: string;
  rule?: { id: string; name: string };
  /** Until when the reason holds. */
  until?: number;
  replyId?: string;
}

export type NewActivityEntry = Omit<ActivityEntry, 'id'>;

/** A record as the log lends it out without copying: read it, copy what you keep. */
export type ReadonlyActivityEntry = Readonly<Omit<ActivityEntry, 'rule'>> & { readonly rule?: Readonly<NonNullable<ActivityEntry['rule']>> };

/** What can change after the decision: a missed message sent after all, a reply called back. */
export type ActivityPatch = Partial<Pick<ActivityEntry, 'outcome' | 'reason' | 'explanation' | 'rule' | 'until' | 'replyId'>>;

/** `search` looks in the preview and the explanation; `since` compares the decision's time. */
export interface ActivityQuery extends Omit<LogQuery, 'until'> {
  outcome?: ActivityOutcome;
  reason?: DecisionReason;
  kind?: InboundKind;
  chatKey?: string;
}

export interface ActivityLogOptions {
  /** Folder holding `activity.log` (without a commit log). */
  dir: string;
  /** Keep the records in this shared log's `activity` lane instead. */
  commitLog?: CommitLog;
  cipher?: ByteCipher;
  now?: () => number;
  /** Records kept (default 20,000); the oldest are dropped beyond it. */
  maxEntries?: number;
  /** Records older than this are dropped (default 30 days). */
  maxAgeMs?: number;
  compactAfterRecords?: number;
}

export interface ActivityLogEvents {
  /** The record itself, not a copy: read it during the call, copy what you keep. */
  change: ReadonlyActivityEntry;
}

const ruleSchema = z.object({ id: z.string(), name: z.string() });
const entrySchema = z.object({
  id: z.string().min(1),
  key: z.string().min(1),
  at: z.number(),
  decidedAt: z.number(),
  chatKey: z.string(),
  chatJid: z.string(),
  contactJid: z.string(),
  contactName: z.string(),
  contactMasked: z.string(),
  isGroup: z.boolean(),
  kind: z.enum(INBOUND_KINDS),
  preview: z.string(),
  outcome: z.enum(ACTIVITY_OUTCOMES),
  reason: z.enum(DECISION_REASONS).optional(),
  explanation: z.string(),
  rule: ruleSchema.optional(),
  until: z.number().optional(),
  replyId: z.string().optional(),
});
const recordSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('put'), e: entrySchema }),
  z.object({
    t: z.literal('upd'),
    key: z.string(),
    outcome: z.enum(ACTIVITY_OUTCOMES).optional(),
    reason: z.enum(DECISION_REASONS).optional(),
    explanation: z.string().optional(),
    rule: ruleSchema.optional(),
    until: z.number().optional(),
    replyId: z.string().optional(),
  }),
]);
type ActivityRecord = z.infer<typeof recordSchema>;
type UpdateRecord = Extract<ActivityRecord, { t: 'upd' }>;

const DAY = 24 * 3_600_000;
const CSV_HEADER = ['Time', 'Contact', 'Number', 'Group', 'Kind', 'Message', 'Outcome', 'Reason', 'Explanation', 'Rule', 'Reply id'];

export class ActivityLog {
  private readonly events = new TypedEmitter<ActivityLogEvents>();
  /** By key, in decision order (oldest first). */
  private readonly entries = new Map<string, ActivityEntry>();
  private readonly now: () => number;
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;

  private constructor(
    private readonly journal: StoreLog<ActivityRecord>,
    options: ActivityLogOptions,
  ) {
    this.now = options.now ?? (() => Date.now());
    this.maxEntries = options.maxEntries ?? 20_000;
    this.maxAgeMs = options.maxAgeMs ?? 30 * DAY;
  }

  static async open(options: ActivityLogOptions): Promise<ActivityLog> {
    const { log, records } = await openStoreLog<ActivityRecord>(
      { file: ActivityLog.file(options.dir), lane: 'activity', commitLog: options.commitLog },
      {
        parse: parseWith(recordSchema),
        cipher: options.cipher,
        policy: { minRecords: options.compactAfterRecords ?? 5_000, ratio: 2 },
      },
    );
    const activity = new ActivityLog(log, options);
    for (const r of records) activity.applyRecord(r);
    activity.trim();
    log.compactWith({
      snapshot: () => [...activity.entries.values()].map((e) => ({ t: 'put' as const, e: { ...e } })),
      liveRecords: () => activity.entries.size,
    });
    return activity;
  }

  /** Where the log keeps its records without a commit log. */
  static file(dir: string): string {
    return path.join(dir, 'activity.log');
  }

  on<E extends keyof ActivityLogEvents>(event: E, listener: (payload: ActivityLogEvents[E]) => void): Unsubscribe {
    return this.events.on(event, listener);
  }

  /**
   * Record a decision; resolves once durable (with `tx`: once it commits). A key already recorded
   * keeps its record (returned), except a message recorded as unreadable: its real decision, once
   * a readable copy came after all, takes that record's place.
   */
  async add(input: NewActivityEntry, tx?: Transaction): Promise<ActivityEntry> {
    const { entry, written } = this.put(input, tx);
    await written;
    return copy(entry);
  }

  /**
   * `add` for a caller that does not read the record back (the reply pipeline, for every
   * message): no copy is made, and no promise beyond the write's own.
   */
  record(input: NewActivityEntry, tx?: Transaction): Promise<void> {
    return rejectingThrows(() => this.put(input, tx).written);
  }

  private put(input: NewActivityEntry, tx: Transaction | undefined): { entry: ActivityEntry; written: Promise<void> } {
    const known = this.entries.get(input.key);
    if (known && !(known.reason === 'unreadable' && input.reason !== 'unreadable')) return { entry: known, written: SETTLED };
    const entry: ActivityEntry = { ...input, id: known?.id ?? randomText(9, 'base64url'), preview: cut(input.preview) };
    this.insert(entry);
    this.trim();
    this.events.emit('change', entry);
    return { entry, written: this.journal.append([{ t: 'put', e: entry }], tx) };
  }

  /** Change a record (by the inbound's key); unknown keys are ignored. Resolves once durable (with `tx`: once it commits). */
  async update(key: string, patch: ActivityPatch, tx?: Transaction): Promise<ActivityEntry | undefined> {
    const e = this.entries.get(key);
    if (!e) return undefined;
    const rec: UpdateRecord = { t: 'upd', key };
    for (const field of ['outcome', 'reason', 'explanation', 'until', 'replyId'] as const) {
      const value = patch[field];
      if (value !== undefined && value !== e[field]) (rec as Record<string, unknown>)[field] = value;
    }
    if (patch.rule && (patch.rule.id !== e.rule?.id || patch.rule.name !== e.rule?.name)) rec.rule = { ...patch.rule };
    if (Object.keys(rec).length === 2) return copy(e);
    this.applyRecord(rec);
    this.events.emit('change', e);
    await this.journal.append([rec], tx);
    return copy(e);
  }

  get(key: string): ActivityEntry | undefined {
    const e = this.entries.get(key);
    return e ? copy(e) : undefined;
  }

  /**
   * The record whose reply is `reply` (its id, and the key of the message it answers: a record's
   * key is its message's); the log's own, no copy made (read it, copy what you keep). Found by
   * key rather than through an index of reply ids: one map fewer of every record's size.
   */
  findForReply(reply: { id: string; inboundKey: string }): ReadonlyActivityEntry | undefined {
    const e = this.entries.get(reply.inboundKey);
    return e?.replyId === reply.id ? e : undefined;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Newest first. */
  query(q: ActivityQuery = {}): ActivityEntry[] {
    return queryNewestFirst(this.entries.values(), q, {
      time: (e) => e.decidedAt,
      texts: (e) => [e.preview, e.explanation],
      accept: (e) =>
        (q.outcome === undefined || e.outcome === q.outcome) &&
        (q.reason === undefined || e.reason === q.reason) &&
        (q.kind === undefined || e.kind === q.kind) &&
        (q.chatKey === undefined || e.chatKey === q.chatKey),
      copy,
    });
  }

  /** The records as CSV (RFC 4180, injection-guarded), oldest first. */
  exportCsv(q: ActivityQuery = {}): string {
    const rows = this.query(q)
      .reverse()
      .map((e) => [
        new Date(e.at).toISOString(),
        e.contactName,
        e.contactMasked,
        e.isGroup ? 'yes' : 'no',
        KIND_WORDS[e.kind],
        e.preview,
        e.outcome,
        e.reason ? REASON_WORDS[e.reason] : '',
        e.explanation,
        e.rule?.name,
        e.replyId,
      ]);
    return toCsv(CSV_HEADER, rows);
  }

  /** The chats of the records, most recent first: the latest record of each. */
  latestPerChat(): ActivityEntry[] {
    const seen = new Set<string>();
    const out: ActivityEntry[] = [];
    const all = [...this.entries.values()];
    for (let i = all.length - 1; i >= 0; i--) {
      const e = all[i]!;
      if (seen.has(e.chatKey)) continue;
      seen.add(e.chatKey);
      out.push(copy(e));
    }
    return out;
  }

  flush(): Promise<void> {
    return this.journal.flush();
  }

  close(): Promise<void> {
    return this.journal.close();
  }

  // ---- internals ------------------------------------------------------------------------------

  private insert(e: ActivityEntry): void {
    // A record that takes another's place moves to its own decision's place in the order.
    this.entries.delete(e.key);
    this.entries.set(e.key, e);
  }

  private applyRecord(r: ActivityRecord): void {
    if (r.t === 'put') {
      this.insert({ ...r.e });
      return;
    }
    const e = this.entries.get(r.key);
    if (!e) return;
    if (r.outcome !== undefined) e.outcome = r.outcome;
    if (r.reason !== undefined) e.reason = r.reason;
    if (r.explanation !== undefined) e.explanation = r.explanation;
    if (r.rule !== undefined) e.rule = r.rule;
    if (r.until !== undefined) e.until = r.until;
    if (r.replyId !== undefined) e.replyId = r.replyId;
  }

  /** Drop records past the age limit, then the oldest beyond the count limit. */
  private trim(): void {
    const cutoff = this.now() - this.maxAgeMs;
    for (const e of this.entries.values()) {
      if (this.entries.size <= this.maxEntries && e.decidedAt >= cutoff) break;
      this.entries.delete(e.key);
    }
  }
}

function cut(text: string): string {
  // No more UTF-16 units than the limit: no more characters either (skips splitting every preview).
  if (text.length <= MAX_PREVIEW) return text;
  const chars = [...text];
  return chars.length > MAX_PREVIEW ? `${chars.slice(0, MAX_PREVIEW - 1).join('')}…` : text;
}

function copy(e: ActivityEntry): ActivityEntry {
  return { ...e, ...(e.rule ? { rule: { ...e.rule } } : {}) };
}
