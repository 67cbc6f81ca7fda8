/**
 * Which LID is which phone number: WhatsApp may address one contact by either, and a message
 * carrying both (Baileys' `remoteJidAlt` / `participantAlt`, a call's `caller_pn`) tells the link.
 * Kept on disk (encrypted: it pairs numbers with their LIDs), so after a restart a chat that
 * comes in by LID alone (a read on the phone, a call without the number) still is the same chat
 * as before: its pause after you wrote, its mute, its cooldowns.
 */
import path from 'node:path';
import * as z from 'zod';
import type { ByteCipher } from '../storage/cipher.js';
import { KeyedJournal } from '../storage/keyed-journal.js';

export interface LidLinksOptions {
  /** Folder holding `lid-links.log`. */
  dir: string;
  cipher?: ByteCipher;
  /** Most links kept (default 20,000; the least recently learned go first). */
  maxEntries?: number;
}

const recordSchema = z.object({ lid: z.string().regex(/^\d{5,20}@lid$/), phone: z.string().regex(/^\d{5,20}$/) });
type LinkRecord = z.infer<typeof recordSchema>;

/** The book a `Conversations` keeps its links in: on disk (`LidLinks`), or in memory for a run. */
export interface LidBook {
  phoneOf(lid: string): string | undefined;
  /** Remember a link; resolves once durable (at once for a book in memory). */
  learn(lid: string, phone: string): Promise<void>;
}

export class LidLinks implements LidBook {
  private constructor(private readonly store: KeyedJournal<string, LinkRecord>) {}

  static async open(options: LidLinksOptions): Promise<LidLinks> {
    const store = await KeyedJournal.open<string, LinkRecord>({
      file: path.join(options.dir, 'lid-links.log'),
      record: recordSchema,
      cipher: options.cipher,
      maxEntries: options.maxEntries ?? 20_000,
      apply: (entries, r) => {
        entries.delete(r.lid);
        entries.set(r.lid, r.phone);
      },
      snapshot: (entries) => [...entries].map(([lid, phone]) => ({ lid, phone })),
    });
    return new LidLinks(store);
  }

  phoneOf(lid: string): string | undefined {
    return this.store.entries.get(lid);
  }

  async learn(lid: string, phone: string): Promise<void> {
    if (this.store.entries.get(lid) === phone) return;
    await this.store.write({ lid, phone });
  }

  get size(): number {
    return this.store.entries.size;
  }

  flush(): Promise<void> {
    return this.store.flush();
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

/** Links for one run only (tests, tools): a bounded map. */
export function lidBookInMemory(maxEntries = 20_000): LidBook {
  const links = new Map<string, string>();
  return {
    phoneOf: (lid) => links.get(lid),
    learn: (lid, phone) => {
      links.delete(lid);
      links.set(lid, phone);
      if (links.size > maxEntries) links.delete(links.keys().next().value!);
      return Promise.resolve();
    },
  };
}
