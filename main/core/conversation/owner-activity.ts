/**
 * When the account's owner last wrote in each chat from another device (their phone, WhatsApp
 * Web): auto-replies pause there for a while after it, and a reply to a message older than it
 * is not sent. Durable, so the pause survives a restart (the owner's message is not delivered
 * again after one); bounded to recent chats, since only recent messages matter.
 */
import path from 'node:path';
import * as z from 'zod';
import type { ByteCipher } from '../storage/cipher.js';
import { Journal } from '../storage/journal.js';
import { parseWith } from '../storage/parse-with.js';

export interface OwnerActivityOptions {
  /** Folder holding `owner-activity.log`. */
  dir: string;
  cipher?: ByteCipher;
  now?: () => number;
  /** Chats remembered (default 5,000; the least recent dropped). */
  maxEntries?: number;
  /** Forgotten after this long (default 8 days: longer than any pause, grace period or catch-up window). */
  maxAgeMs?: number;
}

const recordSchema = z.object({ k: z.string().min(1), at: z.number() });
type OwnerRecord = z.infer<typeof recordSchema>;

export class OwnerActivity {
  /** Chat key → when the owner last wrote there; insertion order is recency order. */
  private readonly latest = new Map<string, number>();
  private readonly now: () => number;
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;

  private constructor(
    private readonly journal: Journal<OwnerRecord>,
    options: OwnerActivityOptions,
  ) {
    this.now = options.now ?? (() => Date.now());
    this.maxEntries = options.maxEntries ?? 5_000;
    this.maxAgeMs = options.maxAgeMs ?? 8 * 24 * 3_600_000;
  }

  static async open(options: OwnerActivityOptions): Promise<OwnerActivity> {
    const { journal, records } = await Journal.open(path.join(options.dir, 'owner-activity.log'), {
      parse: parseWith(recordSchema),
      cipher: options.cipher,
    });
    const store = new OwnerActivity(journal, options);
    for (const r of records) store.remember(r.k, r.at);
    store.prune();
    if (journal.recordCount > Math.max(500, 3 * store.latest.size)) {
      await journal.compact([...store.latest].map(([k, at]) => ({ k, at })));
    }
    return store;
  }

  /** When the owner last wrote in this chat, if recently. */
  lastWrote(chatKey: string): number | undefined {
    return this.latest.get(chatKey);
  }

  /**
   * The owner wrote in a chat at `at` (the message's time). Only a later time than the one known
   * changes anything; resolves once durable. Returns whether it was news.
   */
  async note(chatKey: string, at: number): Promise<boolean> {
    const known = this.latest.get(chatKey);
    if (known !== undefined && known >= at) return false;
    this.remember(chatKey, at);
    this.prune();
    await this.journal.append({ k: chatKey, at });
    if (this.journal.recordCount > Math.max(500, 3 * this.latest.size) && !this.journal.compacting) {
      void this.journal.compact([...this.latest].map(([k, t]) => ({ k, at: t })));
    }
    return true;
  }

  flush(): Promise<void> {
    return this.journal.flush();
  }

  close(): Promise<void> {
    return this.journal.close();
  }

  private remember(chatKey: string, at: number): void {
    const known = this.latest.get(chatKey);
    if (known !== undefined && known >= at) return;
    this.latest.delete(chatKey);
    this.latest.set(chatKey, at);
  }

  private prune(): void {
    const cutoff = this.now() - this.maxAgeMs;
    for (const [k, at] of this.latest) {
      if (at < cutoff || this.latest.size > this.maxEntries) this.latest.delete(k);
    }
  }
}
