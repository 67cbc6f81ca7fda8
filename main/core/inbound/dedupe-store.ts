/**
 * The durable set of inbound messages already handled, keyed by chat + message id, so a
 * message delivered again (reconnect, offline sync, restart) never yields a second reply.
 * Bounded by age (default 30 days) and size (default 50,000 keys, oldest dropped first).
 */
import path from 'node:path';
import * as z from 'zod';
import type { ByteCipher } from '../storage/cipher.js';
import type { CommitLog } from '../storage/commit-log.js';
import { openStoreLog } from '../storage/open-store-log.js';
import type { StoreLog, Transaction } from '../storage/store-log.js';
import { parseWith } from '../storage/parse-with.js';

export interface DedupeStoreOptions {
  /** Folder holding `inbound-seen.log` (without a commit log). */
  dir: string;
  /** Keep the records in this shared log's `seen` lane instead. */
  commitLog?: CommitLog;
  cipher?: ByteCipher;
  now?: () => number;
  maxEntries?: number;
  maxAgeMs?: number;
  compactAfterRecords?: number;
}

const recordSchema = z.object({ k: z.string().min(1), at: z.number() });
type SeenRecord = z.infer<typeof recordSchema>;

export class DedupeStore {
  /** Key → when it was seen; insertion order is age order. */
  private readonly seen = new Map<string, number>();
  private readonly now: () => number;
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;

  private constructor(
    private readonly journal: StoreLog<SeenRecord>,
    options: DedupeStoreOptions,
  ) {
    this.now = options.now ?? (() => Date.now());
    this.maxEntries = options.maxEntries ?? 50_000;
    this.maxAgeMs = options.maxAgeMs ?? 30 * 24 * 60 * 60_000;
  }

  static async open(options: DedupeStoreOptions): Promise<DedupeStore> {
    const { log, records } = await openStoreLog<SeenRecord>(
      { file: DedupeStore.file(options.dir), lane: 'seen', commitLog: options.commitLog },
      {
        parse: parseWith(recordSchema),
        cipher: options.cipher,
        policy: { minRecords: options.compactAfterRecords ?? 5_000, ratio: 2 },
      },
    );
    const store = new DedupeStore(log, options);
    for (const r of records) store.remember(r.k, r.at);
    store.prune();
    log.compactWith({
      snapshot: () => [...store.seen].map(([k, at]) => ({ k, at })),
      liveRecords: () => store.seen.size,
    });
    return store;
  }

  /** Where the store keeps its records without a commit log. */
  static file(dir: string): string {
    return path.join(dir, 'inbound-seen.log');
  }

  /** Any of the keys was seen. */
  has(keys: readonly string[]): boolean {
    return keys.some((k) => this.seen.has(k));
  }

  /** Mark the keys seen: at once in memory, resolved once durable (with `tx`: once it commits). */
  add(keys: readonly string[], tx?: Transaction): Promise<void> {
    const at = this.now();
    for (const k of keys) this.remember(k, at);
    this.prune();
    return this.journal.append(
      keys.map((k) => ({ k, at })),
      tx,
    );
  }

  get size(): number {
    return this.seen.size;
  }

  flush(): Promise<void> {
    return this.journal.flush();
  }

  close(): Promise<void> {
    return this.journal.close();
  }

  private remember(k: string, at: number): void {
    this.seen.delete(k);
    this.seen.set(k, at);
  }

  private prune(): void {
    const cutoff = this.now() - this.maxAgeMs;
    for (const [k, at] of this.seen) {
      if (this.seen.size <= this.maxEntries && at >= cutoff) break;
      this.seen.delete(k);
    }
  }
}
