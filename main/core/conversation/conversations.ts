/**
 * What Replyline knows about each chat beyond its messages: whether the person muted it, when
 * they last wrote there themselves (from their phone or WhatsApp Web), the opaque id the window
 * knows it by, and which LID belongs to which phone number (so one contact is one chat whether
 * WhatsApp addresses it by number or by LID).
 *
 * State only: the reply pipeline acts on it (it cancels waiting replies and asks `chatState`
 * through the engine before every decision).
 */
import type { MutedChatView } from '../../contract/api.js';
import type { ChatState } from '../autoreply/engine.js';
import { chatKeyOf } from '../autoreply/scope.js';
import { normalizeJid, parseJid } from '../connection/jid.js';
import type { Unsubscribe } from '../connection/link.js';
import { getLogger } from '../logging/logger.js';
import type { ChatIds } from './chat-ids.js';
import { lidBookInMemory, type LidBook } from './lid-links.js';
import type { MuteEntry, MuteStore } from './mute-store.js';
import type { OwnerActivity } from './owner-activity.js';

export interface ConversationsOptions {
  chatIds: ChatIds;
  mutes: MuteStore;
  owner: OwnerActivity;
  /** LID → phone number links; durable in the app (`LidLinks`), in memory by default. */
  links?: LidBook;
  now?: () => number;
}

export class Conversations {
  private readonly links: LidBook;
  private readonly now: () => number;

  constructor(private readonly o: ConversationsOptions) {
    this.now = o.now ?? (() => Date.now());
    this.links = o.links ?? lidBookInMemory();
  }

  // ---- chat keys and ids --------------------------------------------------------------------

  /** Remember that `lidJid` is the contact with this phone number (from a message carrying both). */
  learnAlias(jid: string | undefined, phone: string | undefined): void {
    // Most messages come from a phone-number JID: no parsing for those.
    if (!phone || !jid?.endsWith('@lid')) return;
    const p = parseJid(jid);
    if (!p || p.server !== 'lid' || !/^\d{5,20}$/.test(phone)) return;
    const lid = `${p.user}@lid`;
    if (this.links.phoneOf(lid) === phone) return;
    // In memory at once; on disk soon (a link lost to a crash is learned again from the next message).
    this.links.learn(lid, phone).catch((err: unknown) => getLogger('conversations').error({ err }, 'remembering a LID link failed'));
  }

  /** The phone number of a LID, when a message told it. */
  phoneOf(jid: string): string | undefined {
    const p = parseJid(jid);
    return p?.server === 'lid' ? this.links.phoneOf(`${p.user}@lid`) : undefined;
  }

  /** The conversation key of a chat, with a LID resolved to its number when known. */
  chatKey(chatJid: string, phone?: string): string {
    return chatKeyOf(normalizeJid(chatJid), phone ?? this.phoneOf(chatJid));
  }

  idOf(chatKey: string): string {
    return this.o.chatIds.idOf(chatKey);
  }

  /** The chat of an id the window holds; `candidates` are chat keys to try when the id is new to this run. */
  keyOf(chatId: string, candidates: () => Iterable<string> = () => []): string | undefined {
    return this.o.chatIds.keyOf(chatId, () => [...this.o.mutes.chatKeys(), ...candidates()]);
  }

  // ---- state the engine checks ----------------------------------------------------------------

  chatState(chatKey: string): ChatState | undefined {
    const mutedUntil = this.o.mutes.mutedUntil(chatKey);
    const ownerWroteAt = this.o.owner.lastWrote(chatKey);
    if (mutedUntil === undefined && ownerWroteAt === undefined) return undefined;
    return {
      ...(mutedUntil !== undefined ? { mutedUntil } : {}),
      ...(ownerWroteAt !== undefined ? { ownerWroteAt } : {}),
    };
  }

  /** The owner wrote in the chat at `at` (in memory at once, durable when resolved). */
  ownerWrote(chatKey: string, at: number): Promise<boolean> {
    return this.o.owner.note(chatKey, at);
  }

  lastOwnerMessage(chatKey: string): number | undefined {
    return this.o.owner.lastWrote(chatKey);
  }

  // ---- mutes ----------------------------------------------------------------------------------

  mutedUntil(chatKey: string): number | null | undefined {
    return this.o.mutes.mutedUntil(chatKey);
  }

  /** Mute a chat for `minutes` (null: until unmuted); resolves once durable. */
  mute(chatKey: string, minutes: number | null, who: Pick<MuteEntry, 'name' | 'masked' | 'isGroup'>): Promise<MuteEntry> {
    const now = this.now();
    return this.o.mutes.mute({ chatKey, ...who, mutedAt: now, until: minutes === null ? null : now + minutes * 60_000 });
  }

  unmute(chatKey: string): Promise<boolean> {
    return this.o.mutes.unmute(chatKey);
  }

  mutedViews(): MutedChatView[] {
    return this.o.mutes.list().map((e) => this.toMutedView(e));
  }

  toMutedView(e: MuteEntry): MutedChatView {
    return { chatId: this.idOf(e.chatKey), name: e.name, masked: e.masked, isGroup: e.isGroup, mutedAt: e.mutedAt, until: e.until };
  }

  onMutesChanged(listener: (views: MutedChatView[]) => void): Unsubscribe {
    return this.o.mutes.on('change', (entries) => listener(entries.map((e) => this.toMutedView(e))));
  }
}
