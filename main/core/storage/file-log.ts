/**
 * A store's log (StoreLog) in a file of its own: a record log that counts its records and
 * compacts itself to the store's snapshot once finished records dominate (the policy). Ordering
 * between appends and a rewrite is `RecordLog`'s job; this adds the count, the policy and one
 * compaction at a time. The core runs these stores on the shared commit log instead
 * (commit-log.ts); a store on its own file is what the stores' own tests and tools use. (Stores
 * that never join a decision's write use `Journal`, which leaves compaction to them.)
 */
import { RecordLog, type RecordLogOptions, type RecordLogRecovery } from './record-log.js';
import type { CompactionPolicy, CompactionSource, StoreLog, Transaction } from './store-log.js';
import { getLogger } from '../logging/logger.js';

export class FileLog<T> implements StoreLog<T> {
  private compaction: Promise<void> | null = null;
  private count: number;
  private source: CompactionSource<T> | undefined;

  private constructor(
    private readonly log: RecordLog<T>,
    initialCount: number,
    private readonly policy: CompactionPolicy,
  ) {
    this.count = initialCount;
  }

  static async open<T>(
    file: string,
    options: RecordLogOptions<T> & { policy: CompactionPolicy },
  ): Promise<{ journal: FileLog<T>; records: T[]; recovery: RecordLogRecovery }> {
    const { log, records, recovery } = await RecordLog.open(file, options);
    return { journal: new FileLog(log, records.length + recovery.dropped, options.policy), records, recovery };
  }

  get file(): string {
    return this.log.file;
  }

  /** Records in the file (replayed + appended since the last compaction). */
  get recordCount(): number {
    return this.count;
  }

  get compacting(): boolean {
    return this.compaction !== null;
  }

  /** Append; resolves once durable. Appends made together share one fsync. */
  append(records: readonly T[], tx?: Transaction): Promise<void> {
    if (tx) return Promise.reject(new Error('a store on a file of its own cannot join a transaction'));
    this.count += records.length;
    const written = this.log.append(...records);
    this.maybeCompact();
    return written;
  }

  compactWith(source: CompactionSource<T>): void {
    this.source = source;
    this.maybeCompact();
  }

  /** Wait until everything appended so far is durable. */
  async flush(): Promise<void> {
    if (this.compaction) await this.compaction;
    await this.log.flush();
  }

  async close(): Promise<void> {
    if (this.compaction) await this.compaction;
    await this.log.close();
  }

  private maybeCompact(): void {
    const source = this.source;
    if (!source || this.compaction) return;
    if (this.count < Math.max(this.policy.minRecords, this.policy.ratio * source.liveRecords())) return;
    this.compact(source.snapshot());
  }

  /** Replace the file with `records`, a snapshot taken synchronously (it reflects every append made so far). */
  private compact(records: readonly T[]): void {
    const appendedBefore = this.count;
    const run = async () => {
      try {
        await this.log.rewrite(records);
        // Appends made while the rewrite ran landed after the snapshot.
        this.count = records.length + (this.count - appendedBefore);
      } catch (err) {
        getLogger('file-log').error({ err }, 'compaction failed; the log keeps its old records');
      } finally {
        this.compaction = null;
      }
    };
    this.compaction = run();
  }
}
