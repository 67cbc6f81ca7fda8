/**
 * A record log that counts its records, for the compaction policies of the outbox, the inbound
 * stores and the reply log (they compact when finished records dominate). Ordering between
 * appends and a rewrite is `RecordLog`'s job; this adds the count and one compaction at a time.
 */
import { RecordLog, type RecordLogOptions, type RecordLogRecovery } from './record-log.js';
import { getLogger } from '../logging/logger.js';

export class Journal<T> {
  private compaction: Promise<void> | null = null;
  private count: number;

  private constructor(
    private readonly log: RecordLog<T>,
    initialCount: number,
  ) {
    this.count = initialCount;
  }

  static async open<T>(
    file: string,
    options: RecordLogOptions<T>,
  ): Promise<{ journal: Journal<T>; records: T[]; recovery: RecordLogRecovery }> {
    const { log, records, recovery } = await RecordLog.open(file, options);
    return { journal: new Journal(log, records.length + recovery.dropped), records, recovery };
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
  append(...records: T[]): Promise<void> {
    this.count += records.length;
    return this.log.append(...records);
  }

  /**
   * Replace the file with `records` (a snapshot the caller took synchronously, so it already
   * reflects every append made before this call). A compaction already running wins.
   */
  compact(records: readonly T[]): Promise<void> {
    if (this.compaction) return this.compaction;
    const appendedBefore = this.count;
    const run = async () => {
      try {
        await this.log.rewrite(records);
        // Appends made while the rewrite ran landed after the snapshot.
        this.count = records.length + (this.count - appendedBefore);
      } catch (err) {
        getLogger('journal').error({ err }, 'compaction failed; the log keeps its old records');
      } finally {
        this.compaction = null;
      }
    };
    this.compaction = run();
    return this.compaction;
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
}
