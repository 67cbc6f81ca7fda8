/**
 * Message routing. Into an account: one queue per linked companion device, fed by contacts and by
 * other accounts' clients; a message stays queued until that device's client sends a receipt (or a
 * final nack), so a drop before the receipt means redelivery, as an `offline` stanza, on the next
 * login — like the real server. Out of a client: the server acks each `<message>` (subject to ack
 * faults) and hands every `<to>` copy to its recipient: a contact or an account's phone decrypts
 * and records it; a copy for another account's companion device is queued for that device as is
 * (the server cannot decrypt it). A copy whose id the server already accepted from the same sender
 * account, in the same chat, for the same recipient is acked but not delivered again (duplicate
 * suppression, like the real server), unless it is a retry resend (`<enc count>`).
 */
import { isLidUser, jidNormalizedUser, type proto } from '@whiskeysockets/baileys';
import { allChildren, bytesOf, child, children, node, unixNow, type BinaryNode } from './binary.js';
import type { ClientConnection } from './connection.js';
import {
  companionAddress,
  decodeMessage,
  encodeMessage,
  textOf,
  type ContactHost,
  type FakeContact,
} from './contact.js';
import { takeCompanionBundle, type Account, type AccountInfo, type CompanionDevice, type Directory } from './directory.js';
import type { Faults } from './faults.js';
import type { ReceivedMessage, Recorder } from './record.js';
import type { EncType } from './signal-party.js';

interface PendingBase {
  id: string;
  t: number;
  addressing: 'pn' | 'lid';
  /** Held for the next login (`offline` send option). */
  held: boolean;
  /** Connection ids this copy was written to. */
  deliveredTo: Set<number>;
  retries: number;
  /** A retry receipt was answered; the client's following error ack is expected. */
  expectNack: boolean;
}

/** A contact's message: the contact encrypts it for the device. */
interface ContactPending extends PendingBase {
  source: 'contact';
  contact: FakeContact;
  message: proto.IMessage;
  pushName: string;
  /** Ciphertext as first encrypted; redeliveries reuse it, retries re-encrypt. */
  enc?: { type: EncType; ciphertext: Buffer };
}

/** Another account's client message: its ciphertext, relayed unchanged. */
interface AccountPending extends PendingBase {
  source: 'account';
  /** The sending companion device. */
  sender: CompanionDevice;
  senderConnectionId: number;
  /** The chat as the sender addressed it (recipient's PN or LID user jid). */
  chat: string;
  /** The stanza's `type` attr (`text`, `media`, ...). */
  type: string;
  enc: { type: string; ciphertext: Buffer; count?: string };
}

type Pending = ContactPending | AccountPending;

/** Who sent a message relayed between accounts, kept for forwarding the recipient's receipts. */
interface CrossSent {
  sender: CompanionDevice;
  chat: string;
}

export interface RouterHost {
  readonly directory: Directory<FakeContact>;
  readonly recorder: Recorder;
  readonly faults: Faults;
  /** Suppress resent client copies (same sender account, chat, recipient and id). */
  readonly dedupeClientMessages: boolean;
  /** The ready (logged-in, offline queue flushed) live connection of a device, if any. */
  readyConnection(device: CompanionDevice): ClientConnection | undefined;
  emit(event: string, payload: unknown): void;
}

const MAX_RETRIES = 5;

export class Router implements ContactHost {
  private readonly queues = new Map<CompanionDevice, Pending[]>();
  private readonly chains = new Map<CompanionDevice, Promise<unknown>>();
  private readonly ackTimers = new Set<NodeJS.Timeout>();
  /** `sender account|chat|recipient|id` of every client copy accepted (delivered or queued). */
  private readonly accepted = new Set<string>();
  /** Cross-account messages by `recipient device|id`. */
  private readonly crossSent = new Map<string, CrossSent>();

  constructor(private readonly host: RouterHost) {}

  /** Messages still waiting for a client receipt, per device (for assertions). */
  pendingFor(account: AccountInfo): { deviceId: number; id: string }[] {
    return [...this.queues.entries()]
      .filter(([d]) => d.account.phoneNumber === account.phoneNumber)
      .flatMap(([d, q]) => q.map((p) => ({ deviceId: d.deviceId, id: p.id })));
  }

  // ---------- contact → client ----------

  async sendFromContact(
    contact: FakeContact,
    accountInfo: AccountInfo,
    message: proto.IMessage,
    opts: { id: string; offline: boolean; addressing: 'pn' | 'lid'; t: number; pushName: string },
  ): Promise<void> {
    const account = this.account(accountInfo);
    const devices = account.activeDevices();
    if (devices.length === 0) throw new Error('account has no linked device to deliver to');
    await Promise.all(
      devices.map((device) => {
        this.queue(device).push({
          ...opts,
          source: 'contact',
          contact,
          message,
          held: opts.offline,
          deliveredTo: new Set(),
          retries: 0,
          expectNack: false,
        });
        return opts.offline ? undefined : this.deliverLive(device);
      }),
    );
  }

  async sendReceiptFromContact(contact: FakeContact, toDevice: string, id: string, type?: 'read'): Promise<void> {
    const r = this.host.directory.resolve(toDevice);
    if (r?.kind !== 'companion' || !r.companion) throw new Error('receipts go to a linked companion device');
    const conn = this.host.readyConnection(r.companion);
    conn?.send(node('receipt', { from: contact.phoneJid, id, t: unixNow(), type }));
  }

  /** Writes every queued message (held ones too) to a fresh login, with the `offline` attr. */
  deliverOffline(conn: ClientConnection): Promise<number> {
    const device = conn.device!;
    return this.run(device, async () => {
      let count = 0;
      for (const p of [...this.queue(device)]) {
        if (p.deliveredTo.has(conn.id)) continue;
        p.held = false;
        await this.write(conn, device, p, true);
        count++;
      }
      return count;
    });
  }

  /** Sends anything queued for `device` now that it has a ready connection. */
  kick(device: CompanionDevice): Promise<unknown> {
    return this.deliverLive(device);
  }

  /** Sends queued, non-held messages to the device's ready connection, if there is one. */
  private deliverLive(device: CompanionDevice): Promise<unknown> {
    return this.run(device, async () => {
      const conn = this.host.readyConnection(device);
      if (!conn) return;
      for (const p of [...this.queue(device)]) {
        if (!p.held && !p.deliveredTo.has(conn.id)) await this.write(conn, device, p, false);
      }
    });
  }

  private async write(conn: ClientConnection, device: CompanionDevice, p: Pending, offline: boolean): Promise<void> {
    if (p.source === 'account') return this.writeRelayed(conn, device, p, offline);
    p.enc ??= await p.contact.party.encrypt(
      companionAddress(device.account, device.deviceId),
      encodeMessage(p.message),
      () => takeCompanionBundle(device),
    );
    const from = p.addressing === 'lid' ? p.contact.lid : p.contact.phoneJid;
    const alt =
      p.addressing === 'lid'
        ? { sender_pn: p.contact.phoneJid, addressing_mode: 'lid' }
        : { sender_lid: p.contact.lid };
    conn.send(
      node(
        'message',
        { from, id: p.id, type: 'text', t: p.t, notify: p.pushName, ...alt, offline: offline ? '1' : undefined },
        [node('enc', { v: '2', type: p.enc.type }, p.enc.ciphertext)],
      ),
    );
    p.deliveredTo.add(conn.id);
    this.host.emit('delivered', { id: p.id, connectionId: conn.id, offline });
  }

  /**
   * Writes another account's message to `device`: `from` is the sender's device jid (PN, or LID when
   * the sender addressed the chat by LID) so Baileys decrypts with the session of that device, and
   * `sender_lid` / `sender_pn` carry the other form.
   */
  private writeRelayed(conn: ClientConnection, device: CompanionDevice, p: AccountPending, offline: boolean): void {
    const s = p.sender.account;
    const lid = p.addressing === 'lid';
    const from = lid ? s.deviceLid(p.sender.deviceId) : s.deviceJid(p.sender.deviceId);
    const alt = lid ? { sender_pn: s.phoneJid, addressing_mode: 'lid' } : { sender_lid: s.lid };
    conn.send(
      node(
        'message',
        { from, id: p.id, type: p.type, t: p.t, notify: s.name || undefined, ...alt, offline: offline ? '1' : undefined },
        [node('enc', { v: '2', type: p.enc.type, count: p.enc.count }, p.enc.ciphertext)],
      ),
    );
    p.deliveredTo.add(conn.id);
    const rec = {
      id: p.id,
      from: s.deviceJid(p.sender.deviceId),
      to: device.account.deviceJid(device.deviceId),
      chat: p.chat,
      connectionId: conn.id,
      senderConnectionId: p.senderConnectionId,
      at: Date.now(),
      encType: p.enc.type,
      offline,
    };
    this.host.recorder.crossAccount.push(rec);
    this.host.emit('delivered', { id: p.id, connectionId: conn.id, offline });
    this.host.emit('cross-account', rec);
  }

  /**
   * Client receipt: removes delivered messages; a retry receipt gets a fresh pkmsg from a contact,
   * or is forwarded to the sending device of another account (whose client then re-sends). Receipts
   * for messages from another account are forwarded to the sending device.
   */
  async onClientReceipt(conn: ClientConnection, receipt: BinaryNode): Promise<void> {
    const ids = [receipt.attrs.id, ...children(child(receipt, 'list'), 'item').map((i) => i.attrs.id)].filter(
      (x): x is string => !!x,
    );
    const type = receipt.attrs.type;
    for (const id of ids) {
      const rec = { id, type, to: receipt.attrs.to, connectionId: conn.id, at: Date.now() };
      this.host.recorder.clientReceipts.push(rec);
      this.host.emit('receipt', rec);
    }
    conn.send(node('ack', { class: 'receipt', id: receipt.attrs.id, from: receipt.attrs.to, type }));
    const device = conn.device;
    if (!device) return;
    if (type === 'retry') {
      await this.run(device, async () => {
        for (const id of ids) {
          const p = this.queue(device).find((x) => x.id === id);
          if (!p) continue;
          if (++p.retries > MAX_RETRIES) {
            this.remove(device, id);
            continue;
          }
          if (p.source === 'account') {
            // Only the sender can re-encrypt: pass the retry on; its resend replaces the ciphertext.
            p.expectNack = true;
            this.forwardReceipt(device, id, receipt);
            continue;
          }
          // Start over with a fresh bundle: robust whether or not the client still has our session.
          p.contact.party.forgetSession(companionAddress(device.account, device.deviceId));
          p.enc = undefined;
          p.expectNack = true;
          await this.write(conn, device, p, false);
        }
      });
      return;
    }
    if (type === 'sender' || type === 'peer_msg' || type === 'hist_sync') return;
    for (const id of ids) {
      this.remove(device, id);
      this.forwardReceipt(device, id, receipt);
    }
  }

  /**
   * Passes a receipt for a cross-account message to the sending device's ready connection, as
   * `<receipt from="chat as the sender addressed it" id t [type]/>`: `inactive` becomes a plain
   * delivery receipt, `read` stays `read`, and `retry` keeps its content and names the asking device
   * in `participant` (Baileys re-sends to that device only). Dropped if the sender is not connected.
   */
  private forwardReceipt(device: CompanionDevice, id: string, receipt: BinaryNode): void {
    const info = this.crossSent.get(crossKey(device, id));
    if (!info) return;
    const type = receipt.attrs.type;
    if (type !== undefined && type !== 'inactive' && type !== 'read' && type !== 'retry') return;
    const conn = this.host.readyConnection(info.sender);
    if (!conn) return;
    if (type === 'retry') {
      const participant = isLidUser(info.chat)
        ? device.account.deviceLid(device.deviceId)
        : device.account.deviceJid(device.deviceId);
      const content = allChildren(receipt);
      conn.send(node('receipt', { from: info.chat, participant, id, t: unixNow(), type }, content));
      return;
    }
    conn.send(node('receipt', { from: info.chat, id, t: unixNow(), type: type === 'read' ? 'read' : undefined }));
  }

  /** Client ack (nack) of a delivered message: final unless we just answered a retry receipt. */
  async onClientAck(conn: ClientConnection, ack: BinaryNode): Promise<void> {
    const device = conn.device;
    const id = ack.attrs.id;
    if (!device || !id || ack.attrs.class !== 'message') return;
    const p = this.queue(device).find((x) => x.id === id);
    if (!p) return;
    if (p.expectNack) {
      p.expectNack = false;
      return;
    }
    this.remove(device, id);
  }

  /** A device was unlinked or re-paired: drop its queue. */
  forgetDevice(device: CompanionDevice): void {
    this.queues.delete(device);
  }

  // ---------- client → contact ----------

  /** Handles a client `<message>`: deliver each copy, then ack (subject to faults). */
  async onClientMessage(conn: ClientConnection, msg: BinaryNode): Promise<void> {
    const id = msg.attrs.id ?? '';
    const to = msg.attrs.to ?? '';
    const copies: { jid: string; enc: BinaryNode }[] = [];
    for (const t of children(child(msg, 'participants'), 'to')) {
      const enc = child(t, 'enc');
      if (t.attrs.jid && enc) copies.push({ jid: t.attrs.jid, enc });
    }
    const direct = child(msg, 'enc');
    if (direct) copies.push({ jid: to, enc: direct });
    const stanzaRec = { id, to, connectionId: conn.id, at: Date.now(), recipients: copies.map((c) => c.jid) };
    this.host.recorder.clientMessages.push(stanzaRec);
    this.host.emit('client-message', stanzaRec);

    const drop = this.host.faults.takeDrop(conn.accountPhone);
    const chat = this.canonical(to, true);
    for (const copy of copies) {
      const recipient = this.canonical(copy.jid, false);
      const key = conn.accountPhone !== undefined ? `${conn.accountPhone}|${chat}|${recipient}|${id}` : undefined;
      const isRetry = copy.enc.attrs.count !== undefined;
      if (this.host.dedupeClientMessages && key && !isRetry && this.accepted.has(key)) {
        const dup = { id, to: recipient, chat: to, connectionId: conn.id, at: Date.now() };
        this.host.recorder.duplicateSends.push(dup);
        this.host.emit('duplicate-send', dup);
        continue;
      }
      if (drop && !drop.deliver) continue;
      if (key) this.accepted.add(key);
      await this.deliverCopy(conn, msg, copy.jid, copy.enc);
    }
    if (drop) {
      if (drop.how === 'close') conn.closeWith('drop after message');
      else conn.terminate('drop after message');
      return;
    }
    this.ack(conn, node('ack', { class: 'message', id, from: to, t: unixNow() }));
  }

  private ack(conn: ClientConnection, ack: BinaryNode): void {
    const { withhold, delayMs } = this.host.faults.ackPolicy(conn.accountPhone);
    const rec = { id: ack.attrs.id ?? '', to: ack.attrs.from ?? '', connectionId: conn.id, at: Date.now() };
    if (withhold) {
      this.host.recorder.acks.push({ ...rec, outcome: 'withheld' });
      return;
    }
    const sendNow = () => {
      const outcome = conn.isOpen ? 'sent' : 'dropped';
      conn.send(ack);
      const full = { ...rec, at: Date.now(), outcome } as const;
      this.host.recorder.acks.push(full);
      this.host.emit('ack', full);
    };
    if (delayMs <= 0) return sendNow();
    const timer = setTimeout(() => {
      this.ackTimers.delete(timer);
      sendNow();
    }, delayMs);
    this.ackTimers.add(timer);
  }

  /**
   * One jid per recipient, whatever form the client used: a contact's or account's phone jid, or
   * (unless `userLevel`) an account companion's `PHONE:DEV@s.whatsapp.net`.
   */
  private canonical(jid: string, userLevel: boolean): string {
    const r = this.host.directory.resolve(jid);
    if (!r) return jidNormalizedUser(jid) || jid;
    if (r.kind === 'contact') return r.contact.phoneJid;
    if (r.kind === 'companion' && !userLevel) return r.account.deviceJid(r.device);
    return r.account.phoneJid;
  }

  private async deliverCopy(conn: ClientConnection, msg: BinaryNode, jid: string, enc: BinaryNode): Promise<void> {
    const id = msg.attrs.id ?? '';
    const device = conn.device;
    const ciphertext = bytesOf(enc);
    if (!device || !ciphertext) return;
    const r = this.host.directory.resolve(jid);
    if (!r) return;
    if (r.kind === 'companion') {
      // Another account's linked device: relay. The sender's own other companions: not forwarded.
      const target = r.companion;
      if (target && target.removedAt === undefined && target.account !== device.account) {
        await this.relay(conn, msg, target, enc, ciphertext);
      }
      return;
    }
    const party = r.kind === 'contact' ? r.contact.party : r.account.phone;
    const recipientJid = r.kind === 'contact' ? r.contact.phoneJid : r.account.phoneJid;
    try {
      const plain = await party.decrypt(companionAddress(device.account, device.deviceId), enc.attrs.type ?? '', ciphertext);
      const message = decodeMessage(plain);
      const now = Date.now();
      const rec: ReceivedMessage = {
        id,
        text: textOf(message),
        to: recipientJid,
        from: device.account.deviceJid(device.deviceId),
        connectionId: conn.id,
        at: now,
        receivedAt: now,
        encType: enc.attrs.type ?? '',
        message,
      };
      this.host.recorder.messages.push(rec);
      if (r.kind === 'contact') {
        r.contact.received.push(rec);
        const auto = r.contact.autoReceipt;
        if (auto) {
          conn.send(node('receipt', { from: r.contact.phoneJid, id, t: unixNow(), type: auto === 'read' ? 'read' : undefined }));
        }
      }
      this.host.emit('message', rec);
    } catch (err) {
      this.host.recorder.decryptErrors.push({
        id,
        to: recipientJid,
        connectionId: conn.id,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  /**
   * Queues a copy for another account's companion device and delivers it if that device is ready.
   * A retry resend (`<enc count>`) replaces the ciphertext of the still-queued message.
   */
  private async relay(
    conn: ClientConnection,
    msg: BinaryNode,
    target: CompanionDevice,
    enc: BinaryNode,
    ciphertext: Buffer,
  ): Promise<void> {
    const sender = conn.device!;
    const id = msg.attrs.id ?? '';
    const isRetry = enc.attrs.count !== undefined;
    const key = crossKey(target, id);
    const known = this.crossSent.get(key);
    const chat = isRetry && known ? known.chat : jidNormalizedUser(msg.attrs.to) || (msg.attrs.to ?? '');
    if (!isRetry || !known) this.crossSent.set(key, { sender, chat });
    const relayed = { type: enc.attrs.type ?? '', ciphertext, count: enc.attrs.count };
    await this.run(target, async () => {
      const queue = this.queue(target);
      const queued = isRetry
        ? queue.find((p): p is AccountPending => p.source === 'account' && p.id === id && p.sender === sender)
        : undefined;
      if (queued) {
        queued.enc = relayed;
        queued.deliveredTo.clear();
        return;
      }
      queue.push({
        source: 'account',
        id,
        t: Number(unixNow()),
        addressing: isLidUser(chat) ? 'lid' : 'pn',
        held: false,
        deliveredTo: new Set(),
        retries: 0,
        expectNack: false,
        sender,
        senderConnectionId: conn.id,
        chat,
        type: msg.attrs.type ?? 'text',
        enc: relayed,
      });
    });
    await this.deliverLive(target);
  }

  /** Cancels delayed acks (server shutdown). */
  close(): void {
    for (const t of this.ackTimers) clearTimeout(t);
    this.ackTimers.clear();
  }

  // ---------- helpers ----------

  private account(info: AccountInfo): Account {
    const account = this.host.directory.accountByPhone(info.phoneNumber);
    if (!account) throw new Error('unknown account');
    return account;
  }

  private queue(device: CompanionDevice): Pending[] {
    let q = this.queues.get(device);
    if (!q) this.queues.set(device, (q = []));
    return q;
  }

  private remove(device: CompanionDevice, id: string): void {
    const q = this.queue(device);
    const i = q.findIndex((p) => p.id === id);
    if (i >= 0) q.splice(i, 1);
  }

  /** Serializes work per device so ciphertexts are produced and written in queue order. */
  private run<T>(device: CompanionDevice, task: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(device) ?? Promise.resolve();
    const next = prev.then(task, task);
    this.chains.set(
      device,
      next.catch(() => undefined),
    );
    return next;
  }
}

function crossKey(device: CompanionDevice, id: string): string {
  return `${device.account.phoneNumber}:${device.deviceId}|${id}`;
}
