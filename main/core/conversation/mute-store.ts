/**
 * Muted chats: auto-replies stay quiet in a muted chat for an hour, eight hours, or until the
 * person unmutes it. Durable (an encrypted record log: the store holds chat addresses). A mute
 * that has run out is dropped, and the change announced, when it runs out: one timer, armed for
 * the next mute to end, so the window's lists follow without a reload.
 */
import path from 'node:path';
import * as z from 'zod';
import type { Unsubscribe } from '../connection/link.js';
import type { ByteCipher } from '../storage/cipher.js';
import { KeyedJournal } from '../storage/keyed-journal.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { WakeTimer } from '../outbox/wake-timer.js';

export interface MuteEntry {
  /** The conversation key (see `chatKeyOf`). */
  chatKey: string;
  /** Shown in the muted list: the contact's name and masked number at the time of muting. */
  name: string;
  masked: string;
  isGroup: boolean;
  mutedAt: number;
  /** null: until unmuted. */
  until: number | null;
}

export interface MuteStoreOptions {
  /** Folder holding `mutes.log`. */
  dir: string;
  cipher?: ByteCipher;
  now?: () => number;
  /** Most mutes kept (default 5,000; the oldest are dropped). */
  maxEntries?: number;
}

export interface MuteStoreEvents {
  change: MuteEntry[];
}

const entrySchema = z.object({
  chatKey: z.string().min(1),
  name: z.string(),
  masked: z.string(),
  isGroup: z.boolean(),
  mutedAt: z.number(),
  until: z.number().nullable(),
});
const recordSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('mute'), e: entrySchema }),
  z.object({ t: z.literal('unmute'), chatKey: z.string(), at: z.number() }),
]);
type MuteRecord = z.infer<typeof recordSchema>;

export class MuteStore {
  private readonly events = new TypedEmitter<MuteStoreEvents>();
  private readonly now: () => number;
  /** Wakes when the next mute ends. */
  private readonly expiry: WakeTimer;

  private constructor(
    private readonly store: KeyedJournal<MuteEntry, MuteRecord>,
    now: () => number,
  ) {
    this.now = now;
    this.expiry = new WakeTimer(() => this.expired(), this.now);
  }

  static async open(options: MuteStoreOptions): Promise<MuteStore> {
    const now = options.now ?? (() => Date.now());
    const inForce = (e: MuteEntry) => e.until === null || e.until > now();
    const store = await KeyedJournal.open<MuteEntry, MuteRecord>({
      file: path.join(options.dir, 'mutes.log'),
      record: recordSchema,
      cipher: options.cipher,
      maxEntries: options.maxEntries ?? 5_000,
      apply: (entries, r) => {
        if (r.t === 'mute') {
          entries.delete(r.e.chatKey);
          entries.set(r.e.chatKey, { ...r.e });
        } else {
          entries.delete(r.chatKey);
        }
      },
      snapshot: (entries) => [...entries.values()].filter(inForce).map((e) => ({ t: 'mute' as const, e: { ...e } })),
    });
    const mutes = new MuteStore(store, now);
    mutes.dropExpired();
    mutes.armExpiry();
    return mutes;
  }

  private get entries(): Map<string, MuteEntry> {
    return this.store.entries;
  }

  on<E extends keyof MuteStoreEvents>(event: E, listener: (payload: MuteStoreEvents[E]) => void): Unsubscribe {
    return this.events.on(event, listener);
  }

  /** Muted until when (null: until unmuted); undefined when the chat is not muted now. */
  mutedUntil(chatKey: string): number | null | undefined {
    const e = this.entries.get(chatKey);
    if (!e) return undefined;
    if (e.until !== null && e.until <= this.now()) return undefined;
    return e.until;
  }

  get(chatKey: string): MuteEntry | undefined {
    const until = this.mutedUntil(chatKey);
    const e = this.entries.get(chatKey);
    return until === undefined || !e ? undefined : { ...e };
  }

  /** Mutes in force, most recent first. */
  list(): MuteEntry[] {
    this.dropExpired();
    return [...this.entries.values()].reverse().map((e) => ({ ...e }));
  }

  /** Every chat key with a mute on record (in force or not yet dropped). */
  chatKeys(): string[] {
    return [...this.entries.keys()];
  }

  /** Mute (or re-mute) a chat; resolves once durable. */
  async mute(entry: MuteEntry): Promise<MuteEntry> {
    const written = this.store.write({ t: 'mute', e: { ...entry } });
    this.changed();
    await written;
    return { ...entry };
  }

  /** Unmute; false when the chat was not muted. Resolves once durable. */
  async unmute(chatKey: string): Promise<boolean> {
    const was = this.mutedUntil(chatKey) !== undefined;
    if (!this.entries.has(chatKey)) return false;
    const written = this.store.write({ t: 'unmute', chatKey, at: this.now() });
    this.changed();
    await written;
    return was;
  }

  flush(): Promise<void> {
    return this.store.flush();
  }

  close(): Promise<void> {
    this.expiry.disarm();
    return this.store.close();
  }

  /** When the next mute in force ends (Infinity: none does). */
  get nextExpiry(): number {
    let next = Infinity;
    for (const e of this.entries.values()) if (e.until !== null && e.until < next) next = e.until;
    return next;
  }

  private changed(): void {
    const list = this.list();
    this.armExpiry();
    this.events.emit('change', list);
  }

  private armExpiry(): void {
    this.expiry.armAt(this.nextExpiry);
  }

  /** The timer woke: mutes that ran out go, and the change is announced (the timer re-arms). */
  private expired(): void {
    const before = this.entries.size;
    this.dropExpired();
    if (this.entries.size !== before) this.changed();
    else this.armExpiry();
  }

  private dropExpired(): void {
    const now = this.now();
    for (const [key, e] of this.entries) if (e.until !== null && e.until <= now) this.entries.delete(key);
  }
}
