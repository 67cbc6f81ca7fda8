/**
 * "Missed while offline": messages from offline sync older than the catch-up window that a rule
 * would have answered. They wait here, durably, until the person sends the rule's reply or
 * skips them. Bounded (default 1,000; the oldest are dropped).
 */
import type { MissedView } from '../../contract/api.js';
import path from 'node:path';
import { z } from 'zod';
import type { Unsubscribe } from '../connection/link.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import type { ByteCipher } from '../storage/cipher.js';
import { KeyedJournal } from '../storage/keyed-journal.js';

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
  /** Folder holding `missed.log`. */
  dir: string;
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
  private readonly events = new TypedEmitter<MissedEvents>();
  private readonly now: () => number;

  private constructor(
    private readonly store: KeyedJournal<MissedEntry, MissedRecord>,
    now: () => number,
  ) {
    this.now = now;
  }

  static async open(options: MissedStoreOptions): Promise<MissedStore> {
    const store = await KeyedJournal.open<MissedEntry, MissedRecord>({
      file: path.join(options.dir, 'missed.log'),
      record: recordSchema,
      cipher: options.cipher,
      maxEntries: options.maxEntries ?? 1_000,
      apply: (entries, r) => {
        if (r.t === 'add') entries.set(r.e.id, r.e);
        else entries.delete(r.id);
      },
      snapshot: (entries) => [...entries.values()].map((e) => ({ t: 'add' as const, e })),
    });
    return new MissedStore(store, options.now ?? (() => Date.now()));
  }

  private get entries(): Map<string, MissedEntry> {
    return this.store.entries;
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

  /** Add an entry; resolves once durable. A known id is left as it is. */
  async add(entry: MissedEntry): Promise<void> {
    if (this.entries.has(entry.id)) return;
    const written = this.store.write({ t: 'add', e: entry });
    this.changed();
    await written;
  }

  /** Take an entry off the list (sent or skipped); resolves once durable. False if unknown. */
  async resolve(id: string, how: MissedResolution): Promise<boolean> {
    if (!this.entries.has(id)) return false;
    const written = this.store.write({ t: 'done', id, how, at: this.now() });
    this.changed();
    await written;
    return true;
  }

  flush(): Promise<void> {
    return this.store.flush();
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private changed(): void {
    this.events.emit('change', this.list());
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
