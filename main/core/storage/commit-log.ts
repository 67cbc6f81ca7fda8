/**
 * The shared commit log: one record log (`commit.log`) that the outbox, the reply log, the
 * inbound dedupe set and the missed list all write to, each through a lane of its own.
 *
 * Why one file: the records of one decision (the reply-log entry, the dedupe mark, the outbox
 * entry) then share one write and one fsync, and so do the records of every decision made at the
 * same moment (group commit across stores). Frames are batched (record-log.ts): everything one
 * write carries is one frame, so a crash leaves all of it or none of it, and a transaction
 * (records staged by several stores, `begin()` … `commit()`) is never half on disk.
 *
 * Replay: each lane gets its own records back, in the order they were written. Compaction is the
 * log's decision, not a lane's: once the file holds `ratio` × the records the lanes' snapshots
 * would hold, every lane gives its snapshot and the file is rewritten atomically. Records of a
 * lane nobody claimed (a store a newer version added) are kept as they are.
 *
 * Upgrading: stores used to keep files of their own. `open()` moves their records into the
 * commit log once (written atomically before the old files are removed; a crash in between leaves
 * the old files, which the next start removes without reading them again).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { RecordLog, type RecordLogRecovery } from './record-log.js';
import type { ByteCipher } from './cipher.js';
import type { CompactionPolicy, CompactionSource, StoreLog, Transaction } from './store-log.js';
import { fsyncDir, writeFileAtomic } from './atomic-file.js';
import { getLogger } from '../logging/logger.js';

/** One record of one lane, as stored: `[lane, record]`. */
type Op = [lane: string, record: unknown];

function parseOp(v: unknown): Op | undefined {
  return Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' ? (v as Op) : undefined;
}

/** A store's own file from before the commit log, to move into its lane. */
export interface LegacyFile {
  lane: string;
  file: string;
}

export interface CommitLogOptions {
  cipher?: ByteCipher;
  /** Default: compact at 3 × the live records, never below 5,000 records. */
  policy?: CompactionPolicy;
  /** Files to move in on first open (see above). */
  legacy?: readonly LegacyFile[];
}

const DEFAULT_POLICY: CompactionPolicy = { minRecords: 5_000, ratio: 3 };

interface LaneState {
  name: string;
  source?: CompactionSource<unknown>;
  count: number;
}

export class CommitLog {
  private readonly log = getLogger('commit-log');
  private readonly lanes = new Map<string, LaneState>();
  /** Replayed records by lane, until the lane is claimed; unclaimed ones survive compaction. */
  private readonly unclaimed: Map<string, unknown[]>;
  private count: number;
  private compaction: Promise<void> | null = null;
  private closed = false;

  private constructor(
    private readonly file: RecordLog<Op>,
    ops: Op[],
    dropped: number,
    private readonly policy: CompactionPolicy,
    readonly recovery: RecordLogRecovery,
  ) {
    this.count = ops.length + dropped;
    this.unclaimed = new Map();
    for (const [lane, record] of ops) {
      let list = this.unclaimed.get(lane);
      if (!list) this.unclaimed.set(lane, (list = []));
      list.push(record);
    }
  }

  static async open(file: string, options: CommitLogOptions = {}): Promise<CommitLog> {
    const legacy = (options.legacy ?? []).filter((l) => l.file !== file);
    await moveLegacyFiles(file, legacy, options.cipher);
    const { log, records, recovery } = await RecordLog.open<Op>(file, { parse: parseOp, cipher: options.cipher, batchFrames: true });
    if (recovery.truncatedBytes > 0 || recovery.quarantinedTo) {
      getLogger('commit-log').warn({ truncatedBytes: recovery.truncatedBytes, quarantined: !!recovery.quarantinedTo }, 'commit log recovered');
    }
    return new CommitLog(log, records, recovery.dropped, options.policy ?? DEFAULT_POLICY, recovery);
  }

  /**
   * Claim a lane: its replayed records (those `parse` accepts, in order) and the handle the store
   * writes through. Each lane may be claimed once.
   */
  lane<T>(name: string, parse: (value: unknown) => T | undefined): { lane: StoreLog<T>; records: T[]; dropped: number } {
    if (this.lanes.has(name)) throw new Error(`commit log lane claimed twice: ${name}`);
    const raw = this.unclaimed.get(name) ?? [];
    this.unclaimed.delete(name);
    const records: T[] = [];
    for (const r of raw) {
      const parsed = parse(r);
      if (parsed !== undefined) records.push(parsed);
    }
    const state: LaneState = { name, count: raw.length };
    this.lanes.set(name, state);
    return { lane: new Lane<T>(this, state), records, dropped: raw.length - records.length };
  }

  /** Start a transaction: records staged through it by any lane share one frame. */
  begin(): CommitTransaction {
    return new CommitTransaction(this);
  }

  /** Records in the file. */
  get recordCount(): number {
    return this.count;
  }

  get compacting(): boolean {
    return this.compaction !== null;
  }

  /** Wait until everything appended so far is durable (a compaction running included). */
  async flush(): Promise<void> {
    if (this.compaction) await this.compaction;
    await this.file.flush();
  }

  /** Close once every lane's store has closed (each lane's `close()` only flushes). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.compaction) await this.compaction;
    await this.file.close();
  }

  // ---- for lanes and transactions -------------------------------------------------------------

  /** @internal */
  write(ops: Op[]): Promise<void> {
    if (ops.length === 0) return Promise.resolve();
    for (const [lane] of ops) this.lanes.get(lane)!.count++;
    this.count += ops.length;
    const written = this.file.append(...ops);
    this.maybeCompact();
    return written;
  }

  /** @internal */
  setSource(lane: LaneState, source: CompactionSource<unknown>): void {
    lane.source = source;
    this.maybeCompact();
  }

  private maybeCompact(): void {
    if (this.compaction || this.closed) return;
    if (this.count < this.policy.minRecords) return;
    let live = 0;
    for (const lane of this.lanes.values()) live += lane.source ? lane.source.liveRecords() : lane.count;
    for (const list of this.unclaimed.values()) live += list.length;
    if (this.count < this.policy.ratio * live) return;
    this.compact();
  }

  /** Rewrite the file to every lane's snapshot, taken now (so it reflects every append so far). */
  private compact(): void {
    // Every lane must be able to give its snapshot (a store still opening cannot yet).
    for (const lane of this.lanes.values()) if (!lane.source) return;
    const ops: Op[] = [];
    const counts = new Map<LaneState, number>();
    for (const lane of this.lanes.values()) {
      const snapshot = lane.source!.snapshot();
      counts.set(lane, snapshot.length);
      for (const r of snapshot) ops.push([lane.name, r]);
    }
    for (const [name, list] of this.unclaimed) for (const r of list) ops.push([name, r]);
    const appendedBefore = this.count;
    const laneBefore = new Map([...counts.keys()].map((l) => [l, l.count]));
    this.log.debug({ records: this.count, kept: ops.length }, 'compacting the commit log');
    const run = async () => {
      try {
        await this.file.rewrite(ops);
        // Appends made while the rewrite ran landed after the snapshot.
        this.count = ops.length + (this.count - appendedBefore);
        for (const [lane, n] of counts) lane.count = n + (lane.count - laneBefore.get(lane)!);
      } catch (err) {
        this.log.error({ err }, 'compaction failed; the commit log keeps its old records');
      } finally {
        this.compaction = null;
      }
    };
    this.compaction = run();
  }
}

/** A store's view of the commit log. */
class Lane<T> implements StoreLog<T> {
  constructor(
    private readonly commitLog: CommitLog,
    private readonly state: LaneState,
  ) {}

  append(records: readonly T[], tx?: Transaction): Promise<void> {
    const ops = records.map((r): Op => [this.state.name, r]);
    if (tx) {
      if (!(tx instanceof CommitTransaction) || !tx.belongsTo(this.commitLog)) {
        return Promise.reject(new Error('the transaction belongs to another log'));
      }
      return tx.stage(ops);
    }
    return this.commitLog.write(ops);
  }

  compactWith(source: CompactionSource<T>): void {
    this.commitLog.setSource(this.state, source as CompactionSource<unknown>);
  }

  get recordCount(): number {
    return this.state.count;
  }

  flush(): Promise<void> {
    return this.commitLog.flush();
  }

  /** The commit log stays open for the other lanes; `CommitLog.close()` closes the file. */
  close(): Promise<void> {
    return this.commitLog.flush();
  }
}

class CommitTransaction implements Transaction {
  private readonly ops: Op[] = [];
  private committed = false;
  private settle!: { resolve: () => void; reject: (err: unknown) => void };
  readonly done: Promise<void>;

  constructor(private readonly commitLog: CommitLog) {
    this.done = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    // A caller that never awaits `done` directly must not see an unhandled rejection.
    this.done.catch(() => undefined);
  }

  belongsTo(log: CommitLog): boolean {
    return log === this.commitLog;
  }

  stage(ops: Op[]): Promise<void> {
    if (this.committed) return Promise.reject(new Error('the transaction was already committed'));
    this.ops.push(...ops);
    return this.done;
  }

  commit(): Promise<void> {
    if (!this.committed) {
      this.committed = true;
      this.commitLog.write(this.ops).then(this.settle.resolve, this.settle.reject);
    }
    return this.done;
  }
}

/**
 * Move the records of stores' own files into the commit log, once: only while the commit log
 * does not exist yet. Written atomically (all lanes in one file) before the old files go.
 */
async function moveLegacyFiles(file: string, legacy: readonly LegacyFile[], cipher: ByteCipher | undefined): Promise<void> {
  const present = (await Promise.all(legacy.map(async (l) => ((await exists(l.file)) ? l : undefined)))).filter(
    (l): l is LegacyFile => l !== undefined,
  );
  if (present.length === 0) return;
  if (!(await exists(file))) {
    const ops: Op[] = [];
    for (const l of present) {
      // Opening cuts a torn tail or sets a damaged file aside, as the store itself would have.
      const { log, records } = await RecordLog.open<unknown>(l.file, { parse: (v) => v, cipher });
      await log.close();
      for (const r of records) ops.push([l.lane, r]);
    }
    const frames = RecordLog.encodeAll(ops, { cipher, batchFrames: true });
    await writeFileAtomic(file, frames);
    getLogger('commit-log').info({ files: present.length, records: ops.length }, 'store files moved into the commit log');
  }
  // The commit log holds them (now, or since a start that crashed before this step).
  await Promise.all(present.map((l) => fs.rm(l.file, { force: true })));
  await Promise.all([...new Set(present.map((l) => path.dirname(l.file)))].map((d) => fsyncDir(d).catch(() => undefined)));
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.stat(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
