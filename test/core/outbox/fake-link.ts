/**
 * An in-memory `Link` for unit tests: sockets that record what is sent on them, one shared
 * ready promise per outage (like the controller), and helpers to emit acks, receipts and
 * closes. Also used by the crash-test child process.
 */
import type { WASocket } from '@whiskeysockets/baileys';
import type { Link, LinkEventMap, LiveSocket, Unsubscribe } from '../../../main/core/connection/link.js';
import type { AccountIdentity, CloseCause } from '../../../main/contract/api.js';
import { deferred } from '../../../main/core/util/deferred.js';

export interface SendCall {
  socketId: number;
  jid: string;
  text: string;
  messageId: string;
}

export type SendBehaviour = (call: SendCall) => Promise<void> | void;

export class FakeSocket {
  readonly calls: SendCall[] = [];
  readonly presence: Array<{ type: string; jid: string }> = [];
  /** What the next sends do; default: written at once. Return a rejected promise to fail. */
  behaviour: SendBehaviour = () => undefined;
  presenceFails = false;

  constructor(
    readonly id: number,
    private readonly onWrite: (call: SendCall) => void,
  ) {}

  async sendMessage(jid: string, content: { text: string }, options: { messageId?: string }): Promise<unknown> {
    const call: SendCall = { socketId: this.id, jid, text: content.text, messageId: options.messageId ?? '' };
    this.calls.push(call);
    await this.behaviour(call);
    this.onWrite(call);
    return { key: { id: call.messageId, remoteJid: jid, fromMe: true } };
  }

  async sendPresenceUpdate(type: string, jid: string): Promise<void> {
    this.presence.push({ type, jid });
    if (this.presenceFails) throw new Error('presence failed');
  }

  get live(): LiveSocket {
    return { id: this.id, sock: this as unknown as WASocket };
  }
}

type Listener = (payload: never) => void;

export const ACCOUNT_A: AccountIdentity = { phoneJid: '15550001111@s.whatsapp.net', lid: '900000000000001@lid' };
export const ACCOUNT_B: AccountIdentity = { phoneJid: '15550002222@s.whatsapp.net', lid: '900000000000002@lid' };

export class FakeLink implements Link {
  /** Every send on every socket, in order. */
  readonly sends: SendCall[] = [];
  readonly sockets: FakeSocket[] = [];
  whenReadyCalls = 0;
  /** Ack every write on the next microtask. */
  autoAck = false;
  private current: FakeSocket | undefined;
  private ready = deferred<LiveSocket>();
  private nextId = 1;
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(private acct: AccountIdentity | undefined = ACCOUNT_A) {}

  currentSocket(): LiveSocket | undefined {
    return this.current?.live;
  }

  whenReady(): Promise<LiveSocket> {
    this.whenReadyCalls++;
    return this.ready.promise;
  }

  account(): AccountIdentity | undefined {
    return this.acct;
  }

  on<E extends keyof LinkEventMap>(event: E, listener: (payload: LinkEventMap[E]) => void): Unsubscribe {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener);
    return () => set.delete(listener as Listener);
  }

  emit<E extends keyof LinkEventMap>(event: E, payload: LinkEventMap[E]): void {
    for (const l of [...(this.listeners.get(event) ?? [])]) (l as (p: LinkEventMap[E]) => void)(payload);
  }

  listenerCount(): number {
    let n = 0;
    for (const s of this.listeners.values()) n += s.size;
    return n;
  }

  /** Open a new socket (as the controller does on `open`): account, ready signal, event. */
  connect(account: AccountIdentity | undefined = this.acct): FakeSocket {
    if (this.current) throw new Error('fake link: already connected');
    const sock = new FakeSocket(this.nextId++, (call) => this.onWrite(call));
    this.sockets.push(sock);
    this.current = sock;
    this.setAccount(account);
    this.ready.resolve(sock.live);
    this.emit('open', { socketId: sock.id, account: account! });
    return sock;
  }

  /** Close the live socket; a new ready promise is made for the outage. */
  drop(cause: CloseCause = 'connection-lost'): void {
    const sock = this.current;
    if (!sock) return;
    this.current = undefined;
    if (this.ready.settled) this.ready = deferred<LiveSocket>();
    this.emit('closed', { socketId: sock.id, cause });
  }

  setAccount(account: AccountIdentity | undefined): void {
    const previous = this.acct;
    this.acct = account;
    if (previous?.phoneJid !== account?.phoneJid) this.emit('account-changed', { previous, current: account });
  }

  /** The server's ack for a message id (on the live socket unless told). */
  ack(id: string, error?: number, socketId = this.current?.id ?? 0): void {
    this.emit('message-ack', { socketId, id, error });
  }

  /** A delivery (3) or read (4) receipt as Baileys reports it in `messages.update`. */
  receipt(id: string, status: 3 | 4, jid = 'x@s.whatsapp.net'): void {
    this.emit('messages-update', {
      socketId: this.current?.id ?? 0,
      updates: [{ key: { id, remoteJid: jid, fromMe: true }, update: { status } }],
    });
  }

  get socket(): FakeSocket | undefined {
    return this.current;
  }

  /** Writes (successful sends) for one message id. */
  sendsOf(id: string): SendCall[] {
    return this.sends.filter((s) => s.messageId === id);
  }

  /** Every `sendMessage` call on every socket, written or not. */
  allCalls(): SendCall[] {
    return this.sockets.flatMap((s) => s.calls);
  }

  private onWrite(call: SendCall): void {
    this.sends.push(call);
    if (this.autoAck) queueMicrotask(() => this.ack(call.messageId, undefined, call.socketId));
  }
}
