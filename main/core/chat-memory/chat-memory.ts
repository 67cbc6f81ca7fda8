/**
 * Chat memory: the recent turns of each chat, kept so an AI responder can see the conversation it
 * answers in — what the contact wrote, the replies that went out, and what the owner wrote
 * themselves. Nothing else reads it.
 *
 * Kept locally in a record log sealed with the data key (like the reply log), and bounded three
 * ways: at most `maxTurnsPerChat` turns per chat, at most `maxChats` chats (the longest quiet ones
 * go first), and no turn older than the retention setting (0 keeps nothing). "Forget this chat"
 * and "forget all" rewrite the file at once, so the forgotten text is gone from disk too, not just
 * hidden; turns that age out are dropped the same way at the next compaction. The file is made
 * only when the first turn is kept: a person who never uses AI replies has none.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import type { ChatMemoryView } from '../../contract/api.js';
import type { ChatTurn } from '../autoreply/context.js';
import type { ByteCipher } from '../storage/cipher.js';
import { Journal } from '../storage/journal.js';
import { getLogger } from '../logging/logger.js';
import { parseWith } from '../storage/parse-with.js';

export const CHAT_MEMORY_FILE = 'chat-memory.log';
export const DEFAULT_MAX_TURNS_PER_CHAT = 50;
export const DEFAULT_MAX_CHATS = 200;
/** A longer message is kept cut to this many characters. */
export const MAX_TURN_CHARS = 2_000;

export interface ChatMemoryOptions {
  /** Folder holding `chat-memory.log`. */
  dir: string;
  cipher?: ByteCipher;
  now?: () => number;
  /** How long turns are kept, in ms (read on every use, so a changed setting counts at once; 0 keeps nothing). */
  retentionMs: () => number;
  maxTurnsPerChat?: number;
  maxChats?: number;
}

/** The person the chat is with, as the window may show them (never a full number). */
export interface ChatContact {
  name: string;
  masked: string;
}

/** A group chat as the window lists it: the app is not told a group's name with its messages. */
export const GROUP_CHAT_CONTACT: ChatContact = { name: 'A group chat', masked: '' };

export interface StoredTurn extends ChatTurn {
  /** The WhatsApp message id, so one message is never kept twice. */
  ref?: string;
}

const turnSchema = z.object({
  role: z.enum(['contact', 'reply', 'owner']),
  text: z.string(),
  at: z.number(),
  ref: z.string().optional(),
  from: z.string().optional(),
});
const recordSchema = z.discriminatedUnion('t', [
  z.object({
    t: z.literal('turn'),
    chat: z.string().min(1),
    turn: turnSchema,
    contact: z.object({ name: z.string(), masked: z.string() }).optional(),
  }),
  z.object({ t: z.literal('forget'), chat: z.string().min(1) }),
  z.object({ t: z.literal('forget-all') }),
]);
type MemoryRecord = z.infer<typeof recordSchema>;

interface Chat {
  turns: StoredTurn[];
  contact?: ChatContact;
  /** Opaque id for the window, valid while the app runs. */
  id: string;
}

export class ChatMemory {
  private readonly chats = new Map<string, Chat>();
  private readonly now: () => number;
  private readonly maxTurns: number;
  private readonly maxChats: number;
  private readonly log = getLogger('chat-memory');

  private journalOpening: Promise<Journal<MemoryRecord>> | undefined;
  private closed = false;

  private constructor(
    private journal: Journal<MemoryRecord> | undefined,
    private readonly o: ChatMemoryOptions,
  ) {
    this.now = o.now ?? Date.now;
    this.maxTurns = o.maxTurnsPerChat ?? DEFAULT_MAX_TURNS_PER_CHAT;
    this.maxChats = o.maxChats ?? DEFAULT_MAX_CHATS;
  }

  static async open(options: ChatMemoryOptions): Promise<ChatMemory> {
    const file = path.join(options.dir, CHAT_MEMORY_FILE);
    const exists = await fs.access(file).then(
      () => true,
      () => false,
    );
    if (!exists) return new ChatMemory(undefined, options);
    const { journal, records } = await ChatMemory.openJournal(options);
    const memory = new ChatMemory(journal, options);
    for (const r of records) memory.apply(r);
    memory.prune();
    // Whatever aged out or was forgotten while the app was closed leaves the disk now.
    if (journal.recordCount > memory.liveCount()) await memory.compact();
    return memory;
  }

  private static openJournal(options: ChatMemoryOptions) {
    return Journal.open<MemoryRecord>(path.join(options.dir, CHAT_MEMORY_FILE), {
      parse: parseWith(recordSchema),
      cipher: options.cipher,
    });
  }

  /** The file, made on first use. */
  private async writer(): Promise<Journal<MemoryRecord>> {
    if (this.journal) return this.journal;
    this.journalOpening ??= ChatMemory.openJournal(this.o).then(({ journal }) => (this.journal = journal));
    return this.journalOpening;
  }

  /**
   * Keep one turn of `chat` (a contact's message, a reply that went out). A message already kept
   * (same `ref`) is ignored. Resolves once it is on disk.
   */
  async record(chat: string, turn: StoredTurn, contact?: ChatContact): Promise<void> {
    if (this.o.retentionMs() <= 0) return;
    const text = cut(turn.text);
    if (!text.trim()) return;
    const existing = this.chats.get(chat);
    if (turn.ref !== undefined && existing?.turns.some((t) => t.ref === turn.ref)) return;
    const record: MemoryRecord = {
      t: 'turn',
      chat,
      turn: {
        role: turn.role,
        text,
        at: turn.at,
        ...(turn.ref !== undefined ? { ref: turn.ref } : {}),
        ...(turn.from !== undefined ? { from: turn.from } : {}),
      },
      ...(contact ? { contact } : {}),
    };
    this.apply(record);
    this.prune();
    if (this.closed) return;
    const journal = await this.writer();
    const written = journal.append(record);
    if (journal.recordCount > 2 * this.liveCount() + 500) void this.compact();
    await written;
  }

  /**
   * The hook for what the owner writes themselves in a chat (from their phone or WhatsApp Web):
   * kept as the owner's turn. Replies Replyline sent must not come here (they are kept as replies).
   */
  recordOwnerMessage(message: { chatJid: string; id: string; text: string; timestamp: number }): Promise<void> {
    return this.record(message.chatJid, { role: 'owner', text: message.text, at: message.timestamp, ref: message.id });
  }

  /**
   * The chat's turns in the order this app saw them (the order of the conversation as it happened
   * here; message timestamps come from other clocks and could reorder it). With `before`, the
   * message being answered is left out, and so are messages the contact sent after it.
   */
  turns(chat: string, before?: string): StoredTurn[] {
    this.prune();
    const list = this.chats.get(chat)?.turns ?? [];
    const at = before === undefined ? -1 : list.findIndex((t) => t.ref === before);
    if (at < 0) return [...list];
    return list.filter((t, i) => i !== at && !(t.role === 'contact' && i > at));
  }

  /** Chats with kept turns, the most recently active first. */
  list(): ChatMemoryView[] {
    this.prune();
    return [...this.chats.values()]
      .map((c) => ({
        id: c.id,
        contactName: c.contact?.name ?? '',
        contactMasked: c.contact?.masked ?? '',
        turns: c.turns.length,
        lastAt: lastAt(c),
      }))
      .sort((a, b) => b.lastAt - a.lastAt);
  }

  /** Forget one chat (by the id `list()` gave); false when unknown. Resolves once it is gone from disk. */
  async forget(id: string): Promise<boolean> {
    const entry = [...this.chats.entries()].find(([, c]) => c.id === id);
    if (!entry) return false;
    this.chats.delete(entry[0]);
    await this.journalOpening; // a first turn being written lands before the forget
    if (this.journal) {
      await this.journal.append({ t: 'forget', chat: entry[0] });
      await this.compact();
    }
    return true;
  }

  /** Forget every chat; resolves once the file holds nothing. */
  async forgetAll(): Promise<void> {
    this.chats.clear();
    await this.journalOpening;
    if (this.journal) {
      await this.journal.append({ t: 'forget-all' });
      await this.compact();
    }
  }

  async flush(): Promise<void> {
    await this.journalOpening;
    await this.journal?.flush();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.journalOpening;
    await this.journal?.close();
  }

  // -------------------------------------------------------------------------------------------

  private apply(r: MemoryRecord): void {
    switch (r.t) {
      case 'turn': {
        let chat = this.chats.get(r.chat);
        if (!chat) this.chats.set(r.chat, (chat = { turns: [], id: randomBytes(9).toString('base64url') }));
        chat.turns.push(r.turn);
        if (chat.turns.length > this.maxTurns) chat.turns.splice(0, chat.turns.length - this.maxTurns);
        if (r.contact) chat.contact = r.contact;
        break;
      }
      case 'forget':
        this.chats.delete(r.chat);
        break;
      case 'forget-all':
        this.chats.clear();
        break;
    }
  }

  /** Drop turns past the retention and the quietest chats past the limit. */
  private prune(): void {
    const retention = this.o.retentionMs();
    const oldest = this.now() - Math.max(0, retention);
    for (const [key, chat] of this.chats) {
      if (retention <= 0) chat.turns = [];
      else if (chat.turns.some((t) => t.at < oldest)) chat.turns = chat.turns.filter((t) => t.at >= oldest);
      if (chat.turns.length === 0) this.chats.delete(key);
    }
    if (this.chats.size > this.maxChats) {
      const quietest = [...this.chats.entries()].sort(([, a], [, b]) => lastAt(a) - lastAt(b));
      for (const [key] of quietest.slice(0, this.chats.size - this.maxChats)) this.chats.delete(key);
    }
  }

  private liveCount(): number {
    let n = 0;
    for (const chat of this.chats.values()) n += chat.turns.length;
    return n;
  }

  /**
   * Rewrite the file with exactly what is kept now. A compaction already running took its snapshot
   * earlier (it may still hold a chat forgotten since), so this one waits for it and runs again.
   */
  private async compact(): Promise<void> {
    const journal = this.journal;
    if (!journal) return;
    if (journal.compacting) await journal.flush();
    const records: MemoryRecord[] = [];
    for (const [key, chat] of this.chats) {
      chat.turns.forEach((turn, i) => {
        const last = i === chat.turns.length - 1;
        records.push({ t: 'turn', chat: key, turn, ...(last && chat.contact ? { contact: chat.contact } : {}) });
      });
    }
    await journal.compact(records);
    this.log.debug({ turns: records.length }, 'chat memory compacted');
  }
}

function lastAt(chat: Chat): number {
  return chat.turns.reduce((max, t) => Math.max(max, t.at), 0);
}

function cut(text: string): string {
  const chars = [...text];
  return chars.length > MAX_TURN_CHARS ? `${chars.slice(0, MAX_TURN_CHARS - 1).join('')}…` : text;
}
