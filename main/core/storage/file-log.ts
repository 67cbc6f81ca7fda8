/**
 * A store's log (StoreLog) in a file of its own: a record log that counts its records and
 * compacts itself to the store's snapshot once finished records dominate (the policy). Ordering
 * between appends and a rewrite is `RecordLog`'s job; this adds the count, the policy and one
 * compaction at a time (the counting and the rewrite are `Journal`'s). The core runs these stores on the shared commit log instead
 * (commit-log.ts); a store on its own file is what the stores' own tests and tools use. (Stores
 * that never join a decision's write use `Journal`, which leaves compaction to them.)
 */
import { Journal } from './journal.js';
import type { RecordLogOptions, RecordLogRecovery } from './record-log.js';
import type { CompactionPolicy, CompactionSource, StoreLog, Transaction } from './store-log.js';

export class FileLog<T> implements StoreLog<T> {
  private source: CompactionSource<T> | undefined;

  private constructor(
    private readonly journal: Journal<T>,
    private readonly policy: CompactionPolicy,
  ) {}

  static async open<T>(
    file: string,
    options: RecordLogOptions<T> & { policy: CompactionPolicy },
  ): Promise<{ journal: FileLog<T>; records: T[]; recovery: RecordLogRecovery }> {
    const { journal, records, recovery } = await Journal.open(file, options);
    return { journal: new FileLog(journal, options.policy), records, recovery };
  }

  get file(): string {
    return this.journal.file;
  }

  /** Records in the file (replayed + appended since the last compaction). */
  get recordCount(): number {
    return this.journal.recordCount;
  }

  get compacting(): boolean {
    return this.journal.compacting;
  }

  /** Append; resolves once durable. Appends made together share one fsync. */
  append(records: readonly T[], tx?: Transaction): Promise<void> {
    if (tx) return Promise.reject(new Error('a store on a file of its own cannot join a transaction'));
    const written = this.journal.append(...records);
    this.maybeCompact();
    return written;
  }

  compactWith(source: CompactionSource<T>): void {
    this.source = source;
    this.maybeCompact();
  }

  /** Wait until everything appended so far is durable. */
  flush(): Promise<void> {
    return this.journal.flush();
  }

  close(): Promise<void> {
    return this.journal.close();
  }

  private maybeCompact(): void {
    const source = this.source;
    if (!source || this.journal.compacting) return;
    if (this.journal.recordCount < Math.max(this.policy.minRecords, this.policy.ratio * source.liveRecords())) return;
    // The snapshot is taken now, synchronously, so it reflects every append made so far.
    void this.journal.compact(source.snapshot());
  }
}
