/**
 * A record log with safe compaction, shared by the outbox, the inbound stores and the reply
 * log. `RecordLog.rewrite()` must not overlap an append, so while a compaction runs, appends
 * are held and issued, in order, right after it; callers never have to think about it.
 * Also counts records since the last compaction, which is what compaction policies look at.
 */
import { RecordLog, type RecordLogOptions, type RecordLogRecovery } from '../storage/record-log.js';
import { getLogger } from '../logging/logger.js';

interface Held<T> {
  records: T[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class Journal<T> {
  private held: Held<T>[] | null = null;
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
    if (this.held) {
      const held = this.held;
      return new Promise((resolve, reject) => held.push({ records, resolve, reject }));
    }
    this.count += records.length;
    return this.log.append(...records);
  }

  /**
   * Replace the file with `records` (a snapshot the caller took synchronously, so it already
   * reflects every append made before this call). A compaction already running wins.
   */
  compact(records: readonly T[]): Promise<void> {
    if (this.compaction) return this.compaction;
    this.held = [];
    const run = async () => {
      try {
        await this.log.rewrite(records);
        this.count = records.length;
      } catch (err) {
        getLogger('journal').error({ err }, 'compaction failed; the log keeps its old records');
      } finally {
        const held = this.held ?? [];
        this.held = null;
        this.compaction = null;
        for (const h of held) {
          this.count += h.records.length;
          this.log.append(...h.records).then(h.resolve, h.reject);
        }
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
