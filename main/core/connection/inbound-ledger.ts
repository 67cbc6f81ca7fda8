/**
 * The inbound ledger: messages Baileys decrypted but never handed over, found and handed over.
 *
 * Why it exists. Baileys 7 (`handleMessage` in messages-recv.js) decrypts an inbound message,
 * sends the delivery receipt, and only then emits the message; when the receipt cannot be sent
 * because the socket has just closed, it logs the error and skips the emit. The decryption has
 * already used up the Signal keys, so the server's redelivery at the next login cannot be
 * decrypted either (Baileys nacks it with 487 and the server drops it): the message is gone
 * without a trace. A link that closes while a message is being decrypted is enough.
 *
 * What it does, per socket. It records the id of every `<message>` stanza as it arrives (the raw
 * `CB:message` frame), sees each decrypted message through Baileys' recent-message cache
 * (`messageRetryManager.addRecentMessage`, which Baileys calls right after a successful
 * decryption, before the receipt), and notes which messages reached the app
 * (`messages.upsert`). When the socket ends, every message that was decrypted and not handed
 * over is rebuilt from its stanza (key, sender, time, push name: Baileys' own
 * `decodeMessageNode`) and its decrypted content, and handed to the app as an upsert, as Baileys
 * would have; a decryption that finishes after the end is handed over at once. The app's inbound
 * dedupe makes a later copy harmless. What arrived and was never decrypted needs nothing: the
 * server keeps it until the device's receipt and sends it again.
 *
 * Not handed over this way: a decrypted message whose upsert Baileys did emit (nothing to do),
 * and placeholders (`CIPHERTEXT` stubs) for messages that could not be decrypted, which do not
 * count as handed over: the sender's retry brings the real message.
 */
import {
  cleanMessage,
  decodeMessageNode,
  proto,
  type BaileysEventMap,
  type BinaryNode,
  type WAMessage,
  type WASocket,
} from '@whiskeysockets/baileys';

type Upsert = BaileysEventMap['messages.upsert'];

/** Arrivals kept per socket before the oldest undecrypted one is forgotten. */
const MAX_PENDING = 2048;

interface Arrival {
  node: BinaryNode;
  /** The decrypted content, once Baileys has it. */
  content?: proto.IMessage;
}

export interface InboundLedgerOptions {
  /** The account's own ids, to read stanzas as Baileys does (`creds.me`). */
  me(): { id: string; lid?: string } | undefined;
  /** Hand a recovered message to the app. */
  deliver(upsert: Upsert): void;
  /** Something went wrong (logged by the owner; never thrown at Baileys). */
  onError(err: unknown): void;
}

export class InboundLedger {
  /** Messages that arrived on this socket and have not reached the app, by stanza id, oldest first. */
  private readonly pending = new Map<string, Arrival>();
  private ended = false;

  private constructor(private readonly options: InboundLedgerOptions) {}

  /** Starts recording a socket's inbound messages. Call right after `makeWASocket`. */
  static attach(sock: WASocket, options: InboundLedgerOptions): InboundLedger {
    const ledger = new InboundLedger(options);
    sock.ws.on('CB:message', (node: BinaryNode) => ledger.arrived(node));
    const cache = sock.messageRetryManager;
    if (!cache) {
      options.onError(new Error('Baileys has no recent-message cache (enableRecentMessageCache): lost inbound messages cannot be recovered'));
      return ledger;
    }
    const add = cache.addRecentMessage.bind(cache);
    cache.addRecentMessage = (to, id, message) => {
      add(to, id, message);
      ledger.decrypted(id, message);
    };
    return ledger;
  }

  /** An upsert reached the app: those messages are handed over (placeholders are not). */
  emitted(upsert: Upsert): void {
    for (const m of upsert.messages) {
      const id = m.key?.id;
      if (!id || isPlaceholder(m)) continue;
      this.pending.delete(id);
    }
  }

  /**
   * The socket ended (call after the last of its events reached the app): hand over what was
   * decrypted and not emitted. From now on a decryption that completes is handed over at once.
   */
  socketEnded(): void {
    if (this.ended) return;
    this.ended = true;
    for (const [id, arrival] of this.pending) {
      if (arrival.content) this.handOver(id, arrival);
    }
  }

  private arrived(node: BinaryNode): void {
    const id = node.attrs.id;
    if (!id || this.ended) return;
    // A copy sent again after a retry request replaces the one that could not be decrypted.
    this.pending.delete(id);
    this.pending.set(id, { node });
    if (this.pending.size > MAX_PENDING) this.forgetOldestUndecrypted();
  }

  /**
   * Bounds the ledger on a long-lived socket: a message that never decrypted (its sender never
   * answered the retry request) would otherwise stay. Decrypted ones stay until handed over.
   */
  private forgetOldestUndecrypted(): void {
    for (const [id, arrival] of this.pending) {
      if (!arrival.content) {
        this.pending.delete(id);
        return;
      }
    }
  }

  private decrypted(id: string, content: proto.IMessage): void {
    // Baileys also caches its own sends here; only stanzas that arrived on this socket count.
    const arrival = this.pending.get(id);
    if (!arrival) return;
    arrival.content = content;
    if (this.ended) this.handOver(id, arrival);
  }

  private handOver(id: string, arrival: Arrival): void {
    this.pending.delete(id);
    const me = this.options.me();
    if (!me || !arrival.content) return;
    try {
      const { fullMessage } = decodeMessageNode(arrival.node, me.id, me.lid ?? '');
      const message: WAMessage = { ...fullMessage, message: arrival.content };
      cleanMessage(message, me.id, me.lid ?? '');
      this.options.deliver({ messages: [message], type: arrival.node.attrs.offline ? 'append' : 'notify' });
    } catch (err) {
      this.options.onError(err);
    }
  }
}

function isPlaceholder(m: WAMessage): boolean {
  return m.messageStubType === proto.WebMessageInfo.StubType.CIPHERTEXT;
}
