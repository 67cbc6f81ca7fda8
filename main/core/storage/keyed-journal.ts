/**
 * A small durable map: entries by key, in insertion order, kept in a journal of records (put /
 * remove, each store's own), replayed at open, bounded (the oldest go first), and compacted to a
 * snapshot when old records dominate. The muted chats and the "missed while offline" list are
 * such stores; each keeps its own meaning (what a record does, what expires) and leaves the
 * file work to this.
 */
import type { ZodType } from 'zod';
import type { ByteCipher } from './cipher.js';
import { Journal } from './journal.js';
import { parseWith } from './parse-with.js';

export interface KeyedJournalOptions<E, R> {
  /** The journal file. */
  file: string;
  /** A record as stored; records that do not parse are skipped at replay. */
  record: ZodType<R>;
  cipher?: ByteCipher;
  /** Apply one record to the entries (at replay, and for each new record written). */
  apply(entries: Map<string, E>, record: R): void;
  /** The records that rebuild `entries` (a compaction's snapshot). */
  snapshot(entries: ReadonlyMap<string, E>): R[];
  /** Most entries kept; the oldest are dropped beyond it. */
  maxEntries: number;
  /** Compact once the file holds this many records, and three times the entries (default 200). */
  compactAfterRecords?: number;
}

export class KeyedJournal<E, R> {
  /** By key, oldest first. The owner reads and may delete entries; it adds them through `write`. */
  readonly entries = new Map<string, E>();

  private constructor(
    private readonly journal: Journal<R>,
    private readonly o: KeyedJournalOptions<E, R>,
  ) {}

  static async open<E, R>(options: KeyedJournalOptions<E, R>): Promise<KeyedJournal<E, R>> {
    const { journal, records } = await Journal.open(options.file, {
      parse: parseWith(options.record),
      cipher: options.cipher,
    });
    const store = new KeyedJournal(journal, options);
    for (const r of records) options.apply(store.entries, r);
    store.trim();
    store.maybeCompact();
    return store;
  }

  /** Apply a record at once (in memory), then write it; resolves once durable. */
  async write(record: R): Promise<void> {
    this.o.apply(this.entries, record);
    this.trim();
    const written = this.journal.append(record);
    this.maybeCompact();
    await written;
  }

  flush(): Promise<void> {
    return this.journal.flush();
  }

  close(): Promise<void> {
    return this.journal.close();
  }

  private trim(): void {
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.o.maxEntries) break;
      this.entries.delete(key);
    }
  }

  private maybeCompact(): void {
    const threshold = Math.max(this.o.compactAfterRecords ?? 200, 3 * this.entries.size);
    if (this.journal.compacting || this.journal.recordCount < threshold) return;
    void this.journal.compact(this.o.snapshot(this.entries));
  }
}
