/**
 * "Missed while offline": messages from offline sync older than the catch-up window that a rule
 * would have answered. They wait here, durably, until the person sends the rule's reply or
 * skips them. Bounded (default 1,000; the oldest are dropped).
 */
import type { MissedView } from '../../contract/api.js';
import path from 'node:path';
import * as z from 'zod';
import type { Unsubscribe } from '../connection/link.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import type { ByteCipher } from '../storage/cipher.js';
import type { CommitLog } from '../storage/commit-log.js';
import { openStoreLog } from '../storage/open-store-log.js';
import type { StoreLog, Transaction } from '../storage/store-log.js';
import { parseWith } from '../storage/parse-with.js';

export interface MissedEntry {
  /** The inbound's dedupe key (chat + id). */
  id: string;
  /** Message time. */
  at: number;
  receivedAt: number;
  contactName: string;
  contactMasked: string;
  /** The message text (shown in the list; encrypted at rest when a cipher is given). */
  text: string;
  rule: { id: string; name: string };
  /** The engine's decision, stored to render the reply if the person sends it (opaque here). */
  decision: unknown;
  /** The account that received it (JSON of `AccountIdentity`). */
  account?: { phoneJid: string; lid?: string };
}

export type MissedResolution = 'sent' | 'skipped';

export interface MissedStoreOptions {
  /** Folder holding `missed.log` (without a commit log). */
  dir: string;
  /** Keep the records in this shared log's `missed` lane instead. */
  commitLog?: CommitLog;
  cipher?: ByteCipher;
  now?: () => number;
  maxEntries?: number;
}

export interface MissedEvents {
  change: MissedEntry[];
}

const entrySchema = z.object({
  id: z.string().min(1),
  at: z.number(),
  receivedAt: z.number(),
  contactName: z.string(),
  contactMasked: z.string(),
  text: z.string(),
  rule: z.object({ id: z.string(), name: z.string() }),
  decision: z.unknown(),
  account: z.object({ phoneJid: z.string(), lid: z.string().optional() }).optional(),
});
const recordSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('add'), e: entrySchema }),
  z.object({ t: z.literal('done'), id: z.string(), how: z.enum(['sent', 'skipped']), at: z.number() }),
]);
type MissedRecord = z.infer<typeof recordSchema>;

export class MissedStore {
  private readonly entries = new Map<string, MissedEntry>();
  private readonly events = new TypedEmitter<MissedEvents>();
  private readonly now: () => number;
  private readonly maxEntries: number;

  private constructor(
    private readonly journal: StoreLog<MissedRecord>,
    options: MissedStoreOptions,
  ) {
    this.now = options.now ?? (() => Date.now());
    this.maxEntries = options.maxEntries ?? 1_000;
  }

  static async open(options: MissedStoreOptions): Promise<MissedStore> {
    const { log, records } = await openStoreLog<MissedRecord>(
      { file: MissedStore.file(options.dir), lane: 'missed', commitLog: options.commitLog },
      {
        parse: parseWith(recordSchema),
        cipher: options.cipher,
        policy: { minRecords: 200, ratio: 3 },
      },
    );
    const store = new MissedStore(log, options);
    for (const r of records) {
      if (r.t === 'add') store.entries.set(r.e.id, r.e);
      else store.entries.delete(r.id);
    }
    store.trim();
    log.compactWith({
      snapshot: () => [...store.entries.values()].map((e) => ({ t: 'add' as const, e })),
      liveRecords: () => store.entries.size,
    });
    return store;
  }

  /** Where the store keeps its records without a commit log. */
  static file(dir: string): string {
    return path.join(dir, 'missed.log');
  }

  on<E extends keyof MissedEvents>(event: E, listener: (payload: MissedEvents[E]) => void): Unsubscribe {
    return this.events.on(event, listener);
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  get(id: string): MissedEntry | undefined {
    const e = this.entries.get(id);
    return e ? { ...e } : undefined;
  }

  /** Oldest first. */
  list(): MissedEntry[] {
    return [...this.entries.values()].map((e) => ({ ...e }));
  }

  /** Add an entry; resolves once durable (with `tx`: once it commits). A known id is left as it is. */
  async add(entry: MissedEntry, tx?: Transaction): Promise<void> {
    if (this.entries.has(entry.id)) return;
    this.entries.set(entry.id, entry);
    this.trim();
    this.changed();
    await this.journal.append([{ t: 'add', e: entry }], tx);
  }

  /** Take an entry off the list (sent or skipped); resolves once durable (with `tx`: once it commits). False if unknown. */
  async resolve(id: string, how: MissedResolution, tx?: Transaction): Promise<boolean> {
    if (!this.entries.delete(id)) return false;
    this.changed();
    await this.journal.append([{ t: 'done', id, how, at: this.now() }], tx);
    return true;
  }

  flush(): Promise<void> {
    return this.journal.flush();
  }

  close(): Promise<void> {
    return this.journal.close();
  }

  private changed(): void {
    this.events.emit('change', this.list());
  }

  private trim(): void {
    for (const id of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(id);
    }
  }
}

/** What the window shows of a missed entry: no decision, no account. */
export type MissedListView = MissedView;

export function toMissedView(e: MissedEntry): MissedListView {
  return {
    id: e.id,
    at: e.at,
    contactName: e.contactName,
    contactMasked: e.contactMasked,
    text: e.text,
    ruleName: e.rule.name,
  };
}
