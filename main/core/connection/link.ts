/**
 * What the rest of the core (outbox, inbound handler, UI) sees of the connection: the live
 * socket resolved at the moment of use, one shared "ready" signal, the linked account and a
 * small set of events, each tagged with the id of the socket it came from. Nothing here lets a
 * caller keep a socket: a reply resolves `currentSocket()` (or awaits `whenReady()`) at send time.
 */
import type { BaileysEventMap, WASocket } from '@whiskeysockets/baileys';
import type { AccountIdentity, CloseCause, ConnectionState } from '../../contract/api.js';

/** One Baileys socket and the generation number the controller gave it. */
export interface LiveSocket {
  readonly id: number;
  readonly sock: WASocket;
}

export interface LinkEventMap {
  state: ConnectionState;
  /** A socket reached `open`. */
  open: { socketId: number; account: AccountIdentity };
  /** A socket closed (or was replaced); anything written on it and not acked is uncertain. */
  closed: { socketId: number; cause: CloseCause; code?: number };
  /** The server's `<ack class="message">` for a message this client sent. */
  'message-ack': { socketId: number; id: string; remoteJid?: string; error?: number };
  /** Baileys' `messages.upsert` from the live socket. */
  messages: { socketId: number; upsert: BaileysEventMap['messages.upsert'] };
  /** Baileys' `messages.update` (receipts, status) from the live socket. */
  'messages-update': { socketId: number; updates: BaileysEventMap['messages.update'] };
  /** Baileys' `message-receipt.update` (group receipts, among them your own reads on another device). */
  'message-receipts': { socketId: number; updates: BaileysEventMap['message-receipt.update'] };
  /** Baileys' `call` (offers, and how each call ended). */
  calls: { socketId: number; calls: BaileysEventMap['call'] };
  /**
   * The server has handed over what waited for this login (Baileys' `receivedPendingNotifications`:
   * the offline stanzas are in, though Baileys may still be decrypting the last of them).
   */
  'offline-delivered': { socketId: number };
  /** The account this computer is linked to changed (relink to another account, or logout). */
  'account-changed': { previous?: AccountIdentity; current?: AccountIdentity };
}

export type LinkEventName = keyof LinkEventMap;
export type Unsubscribe = () => void;

export interface Link {
  /** The open socket right now, or undefined while the link is down. */
  currentSocket(): LiveSocket | undefined;
  /**
   * Resolves with the socket the moment the link is open. One shared promise per outage, so any
   * number of waiters costs one promise. Never rejects; stays pending while stopped.
   */
  whenReady(): Promise<LiveSocket>;
  /** The linked account, known from the stored session even while offline. */
  account(): AccountIdentity | undefined;
  on<E extends LinkEventName>(event: E, listener: (payload: LinkEventMap[E]) => void): Unsubscribe;
}
