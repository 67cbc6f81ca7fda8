/**
 * What a store (outbox, reply log, inbound dedupe set, missed list) needs from its durable log,
 * whether that log is a file of its own (`Journal`) or its lane of the shared commit log
 * (`CommitLog`): appends that resolve once durable, optionally joined into a transaction that
 * several stores write as one, and compaction to a snapshot the store provides when the log
 * decides to compact.
 */

/** How a log rebuilds a store when it compacts, and when that pays off. */
export interface CompactionSource<T> {
  /** The records that rebuild the store as it is now, taken synchronously. Must include records whose append is still in flight. */
  snapshot(): T[];
  /** How many records `snapshot()` would return now (cheap: called after every append). */
  liveRecords(): number;
}

export interface CompactionPolicy {
  /** Never compact below this many records. */
  minRecords: number;
  /** Compact once the records in the file reach `ratio` × the live records. */
  ratio: number;
}

/**
 * One durable write shared by several stores: records staged through it by any store on the
 * same commit log land in one frame, written and fsynced once, and after a crash either all of
 * them are there or none. Stage synchronously, then `commit()`.
 */
export interface Transaction {
  /** Resolves once everything staged is durable; rejects if the write failed. */
  readonly done: Promise<void>;
  commit(): Promise<void>;
}

export interface StoreLog<T> {
  /**
   * Append records; resolves once they are durable. Appends made at the same moment share a
   * write and an fsync. With `tx`, the records are staged in that transaction instead (resolves
   * when it commits).
   */
  append(records: readonly T[], tx?: Transaction): Promise<void>;
  /** Let the log compact to the store's snapshot when its policy says so. */
  compactWith(source: CompactionSource<T>): void;
  /** Records in the log for this store (diagnostics). */
  readonly recordCount: number;
  /** Wait until everything appended so far is durable. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
