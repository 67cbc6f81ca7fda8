/**
 * The reconnect history: every connection transition with its time, close code and plain
 * meaning, attempt, backoff delay, outage length and what brought the link back. Persisted in a
 * record log, bounded to the newest `limit` entries, and it survives a restart.
 *
 * Queries answer what the window shows: the list, counts per cause, and an uptime timeline.
 */
import * as z from 'zod';
import { RecordLog } from '../storage/record-log.js';
import type { CloseCause, ConnectionStateKind } from '../../contract/api.js';
import { parseWith } from '../storage/parse-with.js';

/** What started the attempt that brought the link back. */
export type RecoveredBy = 'startup' | 'backoff' | 'restart' | 'resume' | 'network' | 'user' | 'relink';

export const historyEntrySchema = z.object({
  seq: z.number().int().nonnegative(),
  at: z.number(),
  /** The state entered. */
  state: z.string() as z.ZodType<ConnectionStateKind>,
  /** For a drop: why the socket closed. */
  cause: (z.string() as z.ZodType<CloseCause>).optional(),
  code: z.number().optional(),
  /** Plain words for the person. */
  meaning: z.string(),
  attempt: z.number().int().optional(),
  delayMs: z.number().optional(),
  /** On re-open: how long the link was down, how many attempts it took and what brought it back. */
  outageMs: z.number().optional(),
  recoveredBy: (z.string() as z.ZodType<RecoveredBy>).optional(),
});

export type HistoryEntry = z.infer<typeof historyEntrySchema>;
export type NewHistoryEntry = Omit<HistoryEntry, 'seq'>;

export interface HistoryQuery {
  since?: number;
  until?: number;
  cause?: CloseCause;
  /** Newest first, at most this many. */
  limit?: number;
}

export interface UptimeBucket {
  start: number;
  end: number;
  /** Fraction of the bucket during which the link was open (0..1). */
  up: number;
  /** Fraction of the bucket the history covers (0 before the first record: no data, not "down"). */
  known: number;
}

export class ReconnectHistory {
  private listeners = new Set<(e: HistoryEntry) => void>();

  private constructor(
    private readonly log: RecordLog<HistoryEntry>,
    private entries: HistoryEntry[],
    private readonly limit: number,
  ) {}

  static async open(file: string, options: { limit?: number } = {}): Promise<ReconnectHistory> {
    const { log, records } = await RecordLog.open(file, {
      parse: parseWith(historyEntrySchema),
    });
    const limit = options.limit ?? 2_000;
    const history = new ReconnectHistory(log, records.slice(-limit), limit);
    if (records.length > limit) await log.rewrite(history.entries);
    return history;
  }

  /** Append an entry; durable when the promise resolves. */
  async add(entry: NewHistoryEntry): Promise<HistoryEntry> {
    const full: HistoryEntry = { ...entry, seq: (this.entries.at(-1)?.seq ?? 0) + 1 };
    this.entries.push(full);
    for (const l of this.listeners) l(full);
    await this.log.append(full);
    if (this.entries.length > this.limit * 1.5) {
      this.entries = this.entries.slice(-this.limit);
      await this.log.rewrite(this.entries);
    }
    return full;
  }

  onEntry(listener: (e: HistoryEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Entries matching `q`, newest first. */
  list(q: HistoryQuery = {}): HistoryEntry[] {
    const out: HistoryEntry[] = [];
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i]!;
      if (q.since !== undefined && e.at < q.since) break;
      if (q.until !== undefined && e.at > q.until) continue;
      if (q.cause !== undefined && e.cause !== q.cause) continue;
      out.push(e);
      if (q.limit !== undefined && out.length >= q.limit) break;
    }
    return out;
  }

  /** Drops per cause since `since`. */
  countsByCause(since = 0): Partial<Record<CloseCause, number>> {
    const counts: Partial<Record<CloseCause, number>> = {};
    for (const e of this.entries) {
      // Our own closes and the restart right after linking are not drops.
      if (e.at < since || !e.cause || e.cause === 'user' || e.cause === 'restart-required') continue;
      counts[e.cause] = (counts[e.cause] ?? 0) + 1;
    }
    return counts;
  }

  /** The uptime timeline from `start` to `end` in `buckets` equal slices. */
  uptime(start: number, end: number, buckets: number): UptimeBucket[] {
    const width = (end - start) / buckets;
    const up = new Array<number>(buckets).fill(0);
    const known = new Array<number>(buckets).fill(0);
    const addInterval = (into: number[], a: number, b: number) => {
      const from = Math.max(a, start);
      const to = Math.min(b, end);
      if (to <= from) return;
      for (let i = Math.floor((from - start) / width); i < buckets && start + i * width < to; i++) {
        const bs = start + i * width;
        into[i]! += Math.min(to, bs + width) - Math.max(from, bs);
      }
    };
    // Open intervals from the transitions: open → anything else.
    let openSince: number | undefined;
    for (const e of this.entries) {
      if (e.state === 'open') openSince ??= e.at;
      else if (openSince !== undefined) {
        addInterval(up, openSince, e.at);
        openSince = undefined;
      }
    }
    if (openSince !== undefined) addInterval(up, openSince, end);
    const first = this.entries[0];
    if (first) addInterval(known, first.at, end);
    const fraction = (ms: number) => (width > 0 ? ms / width : 0);
    return up.map((ms, i) => ({
      start: start + i * width,
      end: start + (i + 1) * width,
      up: fraction(ms),
      known: fraction(known[i]!),
    }));
  }

  get size(): number {
    return this.entries.length;
  }

  async close(): Promise<void> {
    await this.log.close();
  }
}
