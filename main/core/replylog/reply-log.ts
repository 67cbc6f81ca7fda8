/**
 * The reply log: one entry per decision to reply, with who it was for (name and masked
 * number), the rule, the reply text, the message id, every status with its time, attempts and
 * the last error in plain words. Durable (record log, optionally encrypted), bounded (oldest
 * finished entries dropped beyond `maxEntries`), searchable and exportable as CSV.
 *
 * It mirrors the outbox through `applyOutbox()`; it never sends anything itself.
 */
import path from 'node:path';
import * as z from 'zod';
import type { Unsubscribe } from '../connection/link.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import type { ByteCipher } from '../storage/cipher.js';
import type { CommitLog } from '../storage/commit-log.js';
import { openStoreLog } from '../storage/open-store-log.js';
import type { StoreLog, Transaction } from '../storage/store-log.js';
import { replyContent, type OutboxEntry } from '../outbox/types.js';
import { toCsv } from '../util/csv.js';
import { queryNewestFirst } from '../util/log-query.js';
import {
  isOpenStatus,
  REPLY_STATUSES,
  type NewReplyLogEntry,
  type ReadonlyReplyLogEntry,
  type ReplyLogEntry,
  type ReplyLogPatch,
  type ReplyQuery,
  type ReplyStatus,
} from './types.js';
import { parseWith } from '../storage/parse-with.js';
import { rejectingThrows, SETTLED } from '../util/promise-free.js';

export interface ReplyLogOptions {
  /** Folder holding `replies.log` (without a commit log). */
  dir: string;
  /** Keep the records in this shared log's `replies` lane instead. */
  commitLog?: CommitLog;
  cipher?: ByteCipher;
  now?: () => number;
  /** Entries kept (default 10,000); the oldest finished ones are dropped beyond it. */
  maxEntries?: number;
  /** Never compact below this many records (default 2,000). */
  compactAfterRecords?: number;
}

export interface ReplyLogEvents {
  /**
   * The entry itself, not a copy (a reply changes about five times; most of the time nobody
   * keeps it): read it during the call, copy what you keep.
   */
  change: ReadonlyReplyLogEntry;
}

const statusSchema = z.enum(REPLY_STATUSES as [ReplyStatus, ...ReplyStatus[]]);
const entrySchema = z.object({
  id: z.string().min(1),
  at: z.number(),
  contactName: z.string(),
  contactMasked: z.string(),
  contactJid: z.string(),
  chatJid: z.string(),
  inboundId: z.string(),
  inboundKey: z.string(),
  rule: z.object({ id: z.string(), name: z.string() }),
  text: z.string(),
  status: statusSchema,
  statusHistory: z.array(z.object({ status: statusSchema, at: z.number() })),
  attempts: z.number().int().min(0),
  lastError: z.string().optional(),
  chatKey: z.string().optional(),
  inboundAt: z.number().optional(),
  graceMs: z.number().optional(),
  job: z.unknown().optional(),
});
const recordSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('put'), e: entrySchema }),
  z.object({
    t: z.literal('upd'),
    id: z.string(),
    at: z.number(),
    status: statusSchema.optional(),
    text: z.string().optional(),
    attempts: z.number().int().min(0).optional(),
    lastError: z.string().optional(),
    clearJob: z.boolean().optional(),
  }),
]);
type ReplyLogRecord = z.infer<typeof recordSchema>;
type UpdateRecord = Extract<ReplyLogRecord, { t: 'upd' }>;

const CSV_HEADER = ['Time', 'Contact', 'Number', 'Rule', 'Status', 'Attempts', 'Last error', 'Reply', 'Reply id', 'Inbound id'];

export class ReplyLog {
  private readonly events = new TypedEmitter<ReplyLogEvents>();
  /** In decision order (oldest first). */
  private readonly entries = new Map<string, ReplyLogEntry>();
  private readonly byInbound = new Map<string, string>();
  private readonly now: () => number;
  private readonly maxEntries: number;

  private constructor(
    private readonly journal: StoreLog<ReplyLogRecord>,
    options: ReplyLogOptions,
  ) {
    this.now = options.now ?? (() => Date.now());
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  static async open(options: ReplyLogOptions): Promise<ReplyLog> {
    const { log, records } = await openStoreLog<ReplyLogRecord>(
      { file: ReplyLog.file(options.dir), lane: 'replies', commitLog: options.commitLog },
      {
        parse: parseWith(recordSchema),
        cipher: options.cipher,
        policy: { minRecords: options.compactAfterRecords ?? 2_000, ratio: 3 },
      },
    );
    const replyLog = new ReplyLog(log, options);
    for (const r of records) replyLog.applyRecord(r);
    replyLog.trim();
    log.compactWith({
      snapshot: () => [...replyLog.entries.values()].map((e) => ({ t: 'put' as const, e: { ...e } })),
      liveRecords: () => replyLog.entries.size,
    });
    return replyLog;
  }

  /** Where the log keeps its records without a commit log. */
  static file(dir: string): string {
    return path.join(dir, 'replies.log');
  }

  on<E extends keyof ReplyLogEvents>(event: E, listener: (payload: ReplyLogEvents[E]) => void): Unsubscribe {
    return this.events.on(event, listener);
  }

  /**
   * Record a decision. Resolves once durable (with `tx`: once it commits). An id already known
   * returns the known entry.
   */
  async add(input: NewReplyLogEntry, tx?: Transaction): Promise<ReplyLogEntry> {
    const { entry, written } = this.put(input, tx);
    await written;
    return copy(entry);
  }

  /**
   * `add` for a caller that does not read the entry back (the reply pipeline, for every
   * decision): no copy is made, and no promise beyond the write's own.
   */
  record(input: NewReplyLogEntry, tx?: Transaction): Promise<void> {
    return rejectingThrows(() => this.put(input, tx).written);
  }

  private put(input: NewReplyLogEntry, tx: Transaction | undefined): { entry: ReplyLogEntry; written: Promise<void> } {
    const known = this.entries.get(input.id);
    if (known) return { entry: known, written: SETTLED };
    const at = input.at ?? this.now();
    const status = input.status ?? 'generating';
    const entry: ReplyLogEntry = { ...input, at, status, statusHistory: [{ status, at }], attempts: 0 };
    this.insert(entry);
    this.trim();
    this.events.emit('change', entry);
    return { entry, written: this.journal.append([{ t: 'put', e: entry }], tx) };
  }

  /**
   * Change an entry; a new status is added to its history. Unknown ids are ignored. Resolves once
   * durable (with `tx`: once it commits). Not an async function: it runs for every outbox change
   * of every reply, and each extra promise pays the async hooks Baileys installs.
   */
  update(id: string, patch: ReplyLogPatch, tx?: Transaction): Promise<void> {
    return rejectingThrows(() => this.updateNow(id, patch, tx));
  }

  private updateNow(id: string, patch: ReplyLogPatch, tx: Transaction | undefined): Promise<void> {
    const e = this.entries.get(id);
    if (!e) return SETTLED;
    const status = patch.status !== undefined && patch.status !== e.status;
    const text = patch.text !== undefined && patch.text !== e.text;
    const attempts = patch.attempts !== undefined && patch.attempts !== e.attempts;
    const lastError = patch.lastError !== undefined && patch.lastError !== e.lastError;
    const clearJob = patch.clearJob === true && e.job !== undefined;
    if (!status && !text && !attempts && !lastError && !clearJob) return SETTLED; // nothing changed
    const rec: UpdateRecord = { t: 'upd', id, at: this.now() };
    if (status) rec.status = patch.status;
    if (text) rec.text = patch.text;
    if (attempts) rec.attempts = patch.attempts;
    if (lastError) rec.lastError = patch.lastError;
    if (clearJob) rec.clearJob = true;
    this.applyRecord(rec);
    this.events.emit('change', e);
    return this.journal.append([rec], tx);
  }

  /** Mirror an outbox entry (same id) into the log: status, text, attempts, last error. */
  applyOutbox(o: OutboxEntry): Promise<void> {
    return this.update(o.id, {
      status: o.state,
      text: o.text,
      attempts: o.attempts,
      lastError: o.lastError?.message,
      clearJob: true,
    });
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /**
   * The content of a reply that was handed to the socket, for a contact's retry request that
   * comes after the outbox has let the entry go (it keeps only the newest finished ones).
   */
  messageFor(id: string): ReturnType<typeof replyContent> | undefined {
    const e = this.entries.get(id);
    return e && e.attempts > 0 && e.text ? replyContent(e.text) : undefined;
  }

  get(id: string): ReplyLogEntry | undefined {
    const e = this.entries.get(id);
    return e ? copy(e) : undefined;
  }

  /** An entry's status; no copy made (the window's decision records show it with every change). */
  statusOf(id: string): ReplyLogEntry['status'] | undefined {
    return this.entries.get(id)?.status;
  }

  /** Whether an entry answers this inbound message (by its dedupe key); no copy made. */
  hasInbound(inboundKey: string): boolean {
    return this.byInbound.has(inboundKey);
  }

  /** The entry answering an inbound message (by its dedupe key), if any. */
  findByInbound(inboundKey: string): ReplyLogEntry | undefined {
    const id = this.byInbound.get(inboundKey);
    return id ? this.get(id) : undefined;
  }

  /** Entries whose reply was still being generated (for the pipeline at start-up). */
  generating(): ReplyLogEntry[] {
    return [...this.entries.values()].filter((e) => e.status === 'generating').map(copy);
  }

  /** Entries not finished yet (generating, queued, sending). */
  open(): ReplyLogEntry[] {
    return [...this.entries.values()].filter((e) => isOpenStatus(e.status)).map(copy);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Newest first. */
  query(q: ReplyQuery = {}): ReplyLogEntry[] {
    const statuses = q.status === undefined ? undefined : new Set(typeof q.status === 'string' ? [q.status] : q.status);
    return queryNewestFirst(this.entries.values(), q, {
      time: (e) => e.at,
      texts: (e) => [e.text],
      accept: (e) => !statuses || statuses.has(e.status),
      copy,
    });
  }

  /** The entries as CSV (RFC 4180, injection-guarded), oldest first. */
  exportCsv(q: ReplyQuery = {}): string {
    const rows = this.query(q)
      .reverse()
      .map((e) => [
        new Date(e.at).toISOString(),
        e.contactName,
        e.contactMasked,
        e.rule.name,
        e.status,
        e.attempts,
        e.lastError,
        e.text,
        e.id,
        e.inboundId,
      ]);
    return toCsv(CSV_HEADER, rows);
  }

  flush(): Promise<void> {
    return this.journal.flush();
  }

  close(): Promise<void> {
    return this.journal.close();
  }

  // ---- internals ------------------------------------------------------------------------------

  private insert(e: ReplyLogEntry): void {
    this.entries.set(e.id, e);
    this.byInbound.set(e.inboundKey, e.id);
  }

  private applyRecord(r: ReplyLogRecord): void {
    switch (r.t) {
      case 'put':
        this.insert({ ...r.e, statusHistory: [...r.e.statusHistory] });
        break;
      case 'upd': {
        const e = this.entries.get(r.id);
        if (!e) break;
        if (r.status !== undefined) {
          e.status = r.status;
          e.statusHistory.push({ status: r.status, at: r.at });
        }
        if (r.text !== undefined) e.text = r.text;
        if (r.attempts !== undefined) e.attempts = r.attempts;
        if (r.lastError !== undefined) e.lastError = r.lastError;
        if (r.clearJob) delete e.job;
        break;
      }
    }
  }

  /** Keep at most `maxEntries`: drop the oldest finished entries (open ones are never dropped). */
  private trim(): void {
    let excess = this.entries.size - this.maxEntries;
    if (excess <= 0) return;
    for (const e of this.entries.values()) {
      if (excess <= 0) break;
      if (isOpenStatus(e.status)) continue;
      this.entries.delete(e.id);
      if (this.byInbound.get(e.inboundKey) === e.id) this.byInbound.delete(e.inboundKey);
      excess--;
    }
  }
}

function copy(e: ReplyLogEntry): ReplyLogEntry {
  return { ...e, rule: { ...e.rule }, statusHistory: e.statusHistory.map((h) => ({ ...h })) };
}
