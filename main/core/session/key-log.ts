/**
 * Baileys' signal keys (every `SignalDataTypeMap` type) in memory, made durable through one
 * append-only `RecordLog`.
 *
 * - Everything is loaded at open (a few thousand entries), so `get` never touches the disk. A
 *   caller mutating what it got cannot change the store behind its back: values come back as
 *   fresh objects, except Signal sessions, which come back as the stored tree itself, frozen.
 *   Baileys reads and writes each session three times per message, and a session is plain data
 *   (libsignal serializes it to strings and numbers), so decoding it into a copy on every read
 *   was pure cost (see `sharedSession`).
 * - `set` applies to memory and returns; the changed keys are written as ONE log record per
 *   batch, the batch being everything set since the last write started (at the latest on the
 *   next event-loop turn). A burst of 1,000 sets costs one append and one fsync, a key set ten
 *   times in a burst is written once, and a key already in the log is written as a diff against
 *   its logged value (`tree-diff.ts`). `flush()` waits until all is durable.
 * - A record is applied whole or not at all on replay, so what survives a crash is always a
 *   prefix of the batches, never half of one `set`.
 * - When the log has grown to 4× its last compacted size (and past `compactEveryBytes`), it is
 *   rewritten atomically as a snapshot of the current keys.
 *
 * Record: `{ v: 1, snap?: 1, d: { [type]: { [id]: change | null } } }` with `null` = deleted
 * and `change` a full tree or a diff (`tree-diff.ts`).
 */
import { promises as fs } from 'node:fs';
import { proto, type SignalDataSet, type SignalDataTypeMap } from '@whiskeysockets/baileys';
import { RecordLog } from '../storage/record-log.js';
import { quarantineFile } from '../storage/atomic-file.js';
import type { ByteCipher } from '../storage/cipher.js';
import { getLogger } from '../logging/logger.js';
import { logCodec } from './frame-codec.js';
import { CoalescingRunner, SerialQueue } from './serial-queue.js';
import { decodeValue, encodeValue, freezeTree, isObject, setOwn, type Tree, type TreeObject } from './tree-codec.js';
import { applyChange, diffTree, UNCHANGED } from './tree-diff.js';

type KeyType = keyof SignalDataTypeMap;
type Changes = Record<string, TreeObject>;

interface LogRecord {
  v: 1;
  /** Written by compaction (a snapshot), not by a batch of updates. */
  snap?: 1;
  d: Changes;
}

/** Split records above this (approximate JSON size) so none nears RecordLog's 16 MB record cap. */
const CHUNK_BYTES = 4 * 1024 * 1024;
/** Compact once the log is this many times the size of its last snapshot. */
const GROWTH_FACTOR = 4;
const RETRY_MS = 1000;

export const DEFAULT_COMPACT_EVERY_BYTES = 2 * 1024 * 1024;

/** The key log could not be read back; the damaged file has been moved aside. */
export class KeyLogDamage extends Error {
  constructor(
    message: string,
    readonly quarantinedTo: string,
  ) {
    super(message);
  }
}

export interface KeyLogStats {
  /** Batches appended (each one write + one fsync) since open. */
  batches: number;
  /** Key changes (sets and deletes, after coalescing) appended since open. */
  entriesWritten: number;
  /** Bytes appended to the log since open. */
  bytesAppended: number;
  compactions: number;
  /** Bytes written by compactions since open. */
  bytesCompacted: number;
}

export interface KeyLogOptions {
  cipher?: ByteCipher;
  compactEveryBytes?: number;
}

const logger = () => getLogger('session-store');

export class KeyLog {
  /** type → id → current value (encoded; never mutated, so it can be shared with `dirty`). */
  private readonly entries = new Map<string, Map<string, Tree>>();
  /** type → id → the value the log holds for a key changed since (undefined: none). */
  private dirty = new Map<string, Map<string, Tree | undefined>>();
  private readonly queue = new SerialQueue();
  private readonly drainer = new CoalescingRunner(this.queue, () => this.drain());
  private drainScheduled = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private snapshotBytes = 0;
  private closing = false;
  private readonly compactEveryBytes: number;
  /** Session trees already looked at: true when `get` hands the tree out as is. Weak, so it holds no tree the store dropped. */
  private readonly sharedSessions = new WeakMap<TreeObject, boolean>();
  readonly stats: KeyLogStats = { batches: 0, entriesWritten: 0, bytesAppended: 0, compactions: 0, bytesCompacted: 0 };

  private constructor(
    private readonly log: RecordLog<LogRecord>,
    options: KeyLogOptions,
  ) {
    this.compactEveryBytes = options.compactEveryBytes ?? DEFAULT_COMPACT_EVERY_BYTES;
  }

  /** Open (or create) the log and load every key. Throws `KeyLogDamage`, or the I/O error. */
  static async open(file: string, options: KeyLogOptions = {}): Promise<KeyLog> {
    const codec = logCodec(options.cipher);
    const { log: recordLog, records, recovery } = await RecordLog.open<LogRecord>(file, { parse: parseRecord, cipher: codec });
    const keyLog = new KeyLog(recordLog, options);
    if (recovery.quarantinedTo) {
      // RecordLog kept the good prefix in place; a session missing later keys is not usable.
      await recordLog.close();
      await fs.rm(file, { force: true });
      throw new KeyLogDamage('key log damaged in the middle', recovery.quarantinedTo);
    }
    try {
      if (recovery.dropped > 0) throw new Error(`${recovery.dropped} records of an unknown shape`);
      for (const record of records) keyLog.replay(record);
    } catch (err) {
      await recordLog.close();
      throw new KeyLogDamage(`key log unreadable: ${(err as Error).message}`, await quarantineFile(file));
    }
    keyLog.snapshotBytes = recordLog.sizeBytes;
    const onlySnapshot = records.every((r) => r.snap === 1);
    if (codec.sawPlain) {
      // Written before encryption was on: no key may stay in clear, so this one must succeed.
      await keyLog.queue.run(() => keyLog.compact()).catch(async (err: unknown) => {
        await recordLog.close().catch(() => undefined);
        throw err;
      });
    } else if (!onlySnapshot && recordLog.sizeBytes >= keyLog.compactEveryBytes) {
      // Shed the garbage of earlier runs; if that fails the log is merely longer.
      await keyLog.queue
        .run(() => keyLog.compact())
        .catch((err: unknown) => logger().warn({ err: (err as Error).message }, 'key log compaction failed'));
    }
    return keyLog;
  }

  /** Number of keys held. */
  get size(): number {
    let n = 0;
    for (const m of this.entries.values()) n += m.size;
    return n;
  }

  get sizeBytes(): number {
    return this.log.sizeBytes;
  }

  get<T extends KeyType>(type: T, ids: string[]): { [id: string]: SignalDataTypeMap[T] } {
    const out: { [id: string]: SignalDataTypeMap[T] } = {};
    const byId = this.entries.get(type);
    if (!byId) return out;
    for (const id of ids) {
      const tree = byId.get(id);
      if (tree === undefined) continue;
      let value = type === 'session' && this.sharedSession(tree) ? tree : decodeValue(tree);
      // As useMultiFileAuthState does: Baileys expects a protobuf message here.
      if (type === 'app-state-sync-key') value = proto.Message.AppStateSyncKeyData.fromObject(value as object);
      setOwn(out, id, value);
    }
    return out;
  }

  /**
   * Whether a session's tree can be handed out as its value: plain data (true of every record
   * libsignal serializes) in the current record version, frozen all the way down. libsignal's
   * `SessionRecord.deserialize` only reads what it gets, except a record of an older version,
   * which it migrates in place: those are decoded into a copy as before. Trees are never mutated
   * (a set makes a new one), so freezing costs the store nothing.
   */
  private sharedSession(tree: Tree): boolean {
    if (!isObject(tree)) return false;
    let shared = this.sharedSessions.get(tree);
    if (shared === undefined) {
      shared = freezeTree(tree) && tree.version === 'v1';
      this.sharedSessions.set(tree, shared);
    }
    return shared;
  }

  /** Apply in memory now; durable with the next batch (see `flush`). `null` deletes. */
  set(data: SignalDataSet): void {
    if (this.closing) throw new Error('session key store is closed');
    // Encode everything first: a value that cannot be stored must leave the store unchanged.
    const updates: Array<[string, string, Tree | undefined]> = [];
    for (const type of Object.keys(data)) {
      const byId = data[type as KeyType];
      if (!byId) continue;
      const current = this.entries.get(type);
      for (const id of Object.keys(byId)) {
        const value = byId[id];
        // Shares what did not change with the key's current tree (most of a session).
        updates.push([type, id, value === null || value === undefined ? undefined : encodeValue(value, current?.get(id))]);
      }
    }
    for (const [type, id, tree] of updates) {
      let byId = this.entries.get(type);
      let bases = this.dirty.get(type);
      if (!bases) this.dirty.set(type, (bases = new Map()));
      if (!bases.has(id)) bases.set(id, byId?.get(id));
      if (tree === undefined) {
        byId?.delete(id);
      } else {
        if (!byId) this.entries.set(type, (byId = new Map()));
        byId.set(id, tree);
      }
    }
    if (updates.length) this.scheduleDrain();
  }

  /** Resolves once every `set` made before the call is durable. */
  flush(): Promise<void> {
    return this.drainer.run();
  }

  /** Flush, then close the file. Later `set`s throw. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearTimeout(this.retryTimer);
    try {
      await this.drainer.run();
    } finally {
      await this.queue.run(() => this.log.close());
    }
  }

  private replay(record: LogRecord): void {
    for (const type of Object.keys(record.d)) {
      const changes = record.d[type]!;
      let byId = this.entries.get(type);
      if (!byId) this.entries.set(type, (byId = new Map()));
      for (const id of Object.keys(changes)) {
        const change = changes[id]!;
        if (change === null) byId.delete(id);
        else byId.set(id, applyChange(byId.get(id), change));
      }
    }
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      // Failures are logged and retried by drain itself; flush() callers see them.
      this.drainer.run().catch(() => undefined);
    });
  }

  private async drain(): Promise<void> {
    if (this.dirty.size === 0) return;
    const taken = this.dirty;
    this.dirty = new Map();
    const { records, count } = this.buildBatch(taken);
    if (!records.length) return;
    const before = this.log.sizeBytes;
    try {
      await this.log.append(...records);
    } catch (err) {
      this.restoreDirty(taken);
      this.scheduleRetry();
      logger().error({ err: (err as Error).message, keys: count }, 'writing signal keys failed; will retry');
      throw err;
    }
    this.stats.batches++;
    this.stats.entriesWritten += count;
    this.stats.bytesAppended += this.log.sizeBytes - before;
    if (this.log.sizeBytes >= Math.max(this.compactEveryBytes, GROWTH_FACTOR * this.snapshotBytes)) {
      // The batch is durable already; a failed compaction only leaves a longer log.
      await this.compact().catch((err: unknown) => logger().warn({ err: (err as Error).message }, 'key log compaction failed'));
    }
  }

  /** The records for the keys in `taken`: diffs against what the log holds, deletes as null. */
  private buildBatch(taken: Map<string, Map<string, Tree | undefined>>): { records: LogRecord[]; count: number } {
    const chunks = new Chunker(false);
    for (const [type, bases] of taken) {
      const byId = this.entries.get(type);
      for (const [id, base] of bases) {
        const next = byId?.get(id);
        let change: Tree | typeof UNCHANGED;
        if (next === undefined) change = base === undefined ? UNCHANGED : null;
        else change = base === undefined ? next : diffTree(base, next);
        if (change !== UNCHANGED) chunks.add(type, id, change);
      }
    }
    return { records: chunks.done(), count: chunks.count };
  }

  /** A failed batch is not in the log: its keys are dirty again, against their older bases. */
  private restoreDirty(taken: Map<string, Map<string, Tree | undefined>>): void {
    for (const [type, bases] of taken) {
      let now = this.dirty.get(type);
      if (!now) this.dirty.set(type, (now = new Map()));
      for (const [id, base] of bases) now.set(id, base);
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.closing) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.drainer.run().catch(() => undefined);
    }, RETRY_MS);
    this.retryTimer.unref();
  }

  /** Rewrite the log as a snapshot of what it holds now. Runs on the queue, between batches. */
  private async compact(): Promise<void> {
    const chunks = new Chunker(true);
    // What the log holds = current values, except keys changed since the last batch: their base.
    for (const [type, byId] of this.entries) {
      const bases = this.dirty.get(type);
      for (const [id, tree] of byId) if (!bases?.has(id)) chunks.add(type, id, tree);
    }
    for (const [type, bases] of this.dirty) {
      for (const [id, base] of bases) if (base !== undefined) chunks.add(type, id, base);
    }
    const before = this.log.sizeBytes;
    await this.log.rewrite(chunks.done());
    this.snapshotBytes = this.log.sizeBytes;
    this.stats.compactions++;
    this.stats.bytesCompacted += this.log.sizeBytes;
    logger().debug({ before, after: this.log.sizeBytes, keys: chunks.count }, 'key log compacted');
  }
}

/** Groups changes into records of bounded size. */
class Chunker {
  private readonly records: LogRecord[] = [];
  private current: Changes = {};
  private bytes = 0;
  count = 0;

  constructor(private readonly snapshot: boolean) {}

  add(type: string, id: string, change: Tree): void {
    setOwn((this.current[type] ??= {}) as Record<string, unknown>, id, change);
    this.count++;
    this.bytes += id.length + approxSize(change);
    if (this.bytes >= CHUNK_BYTES) this.cut();
  }

  done(): LogRecord[] {
    if (this.bytes > 0 || Object.keys(this.current).length) this.cut();
    return this.records;
  }

  private cut(): void {
    this.records.push(this.snapshot ? { v: 1, snap: 1, d: this.current } : { v: 1, d: this.current });
    this.current = {};
    this.bytes = 0;
  }
}

/** About how many bytes a tree takes as JSON (for cutting record chunks). */
export function approxSize(tree: Tree): number {
  if (typeof tree === 'string') return tree.length + 2;
  if (tree === null || typeof tree !== 'object') return 8;
  let n = 2;
  if (Array.isArray(tree)) for (const v of tree) n += approxSize(v) + 1;
  else for (const k of Object.keys(tree)) n += k.length + 4 + approxSize(tree[k]!);
  return n;
}

function parseRecord(value: unknown): LogRecord | undefined {
  if (!isObject(value as Tree) || (value as { v?: unknown }).v !== 1) return undefined;
  const d = (value as { d?: unknown }).d;
  if (!isObject(d as Tree)) return undefined;
  for (const type of Object.keys(d as object)) if (!isObject((d as TreeObject)[type])) return undefined;
  return value as LogRecord;
}
