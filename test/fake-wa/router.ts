/**
 * Message routing into an account: one queue per linked companion device, fed by contacts, by the
 * account's own phone (the copies of what it sent, its read-self receipts), by groups, by calls
 * and by other accounts' clients. Like the real server, a stanza stays queued until that device
 * confirms it: a message until its receipt (or a final nack), a server receipt or a call until its
 * ack. A drop before that means redelivery, with the `offline` attr, on the next login, before the
 * `<ib><offline count="N"/>` marker, where N counts the stanzas of that offline batch.
 *
 * What clients send (`<message>` stanzas) is handled in client-messages.ts.
 */
import type { proto } from '@whiskeysockets/baileys';
import { children, child, node, unixNow, type BinaryNode } from './binary.js';
import { ClientMessages } from './client-messages.js';
import type { ClientConnection } from './connection.js';
import { encodeMessage, type CallOptions, type ContactHost, type FakeContact, type MessageSendOptions } from './contact.js';
import {
  groupDelivery,
  pairwiseDelivery,
  stanzaDelivery,
  type Delivery,
  type DeliveryClass,
  type PartySender,
} from './deliveries.js';
import type { Account, AccountInfo, CompanionDevice, Directory } from './directory.js';
import type { Faults } from './faults.js';
import type { FakeGroup, GroupHost, GroupSendOptions } from './group.js';
import { kindAttrs, stanzaTypeOf } from './kinds.js';
import type { OwnerPhoneHost, PhoneSendOptions, ReadSelfOptions } from './owner-phone.js';
import type { Recorder, RetryRecord } from './record.js';

export interface RouterHost {
  readonly directory: Directory<FakeContact, FakeGroup>;
  readonly recorder: Recorder;
  readonly faults: Faults;
  /** Suppress resent client copies (same sender account, chat, recipient and id). */
  readonly dedupeClientMessages: boolean;
  /** The ready (logged-in, offline queue flushed) live connection of a device, if any. */
  readyConnection(device: CompanionDevice): ClientConnection | undefined;
  emit(event: string, payload: unknown): void;
}

/** Retry receipts answered per delivery before the server drops it (Baileys' maxMsgRetryCount). */
const MAX_RETRIES = 5;

export class Router implements ContactHost, GroupHost, OwnerPhoneHost {
  private readonly queues = new Map<CompanionDevice, Delivery[]>();
  private readonly chains = new Map<CompanionDevice, Promise<unknown>>();
  private readonly clientMessages: ClientMessages;

  constructor(private readonly host: RouterHost) {
    this.clientMessages = new ClientMessages({
      directory: host.directory,
      recorder: host.recorder,
      faults: host.faults,
      dedupeClientMessages: host.dedupeClientMessages,
      readyConnection: (device) => host.readyConnection(device),
      emit: (event, payload) => host.emit(event, payload),
      enqueue: (device, delivery) => this.enqueue(device, delivery),
      find: (device, id) => this.queue(device).find((d) => d.cls === 'message' && d.id === id),
      deliverLive: (device) => this.deliverLive(device),
    });
  }

  /** Stanzas still waiting for a device of `account` to confirm them (default: messages). */
  pendingFor(account: AccountInfo, cls: DeliveryClass = 'message'): { deviceId: number; id: string }[] {
    return [...this.queues.entries()]
      .filter(([d]) => d.account.phoneNumber === account.phoneNumber)
      .flatMap(([d, q]) => q.filter((p) => p.cls === cls).map((p) => ({ deviceId: d.deviceId, id: p.id })));
  }

  // ---------- into an account ----------

  async sendFromContact(contact: FakeContact, accountInfo: AccountInfo, message: proto.IMessage, opts: MessageSendOptions): Promise<void> {
    const account = this.account(accountInfo);
    const lid = opts.addressing === 'lid';
    const attrs = {
      from: lid ? contact.lid : contact.phoneJid,
      ...(lid ? { sender_pn: contact.phoneJid, addressing_mode: 'lid' } : { sender_lid: contact.lid }),
      id: opts.id,
      type: stanzaTypeOf(message),
      ...kindAttrs(message),
      t: String(opts.t),
      notify: opts.pushName || undefined,
    };
    await this.toEveryDevice(account, opts.offline, true, (device) =>
      pairwiseDelivery({ id: opts.id, device, sender: contact, held: opts.offline, attrs, message, content: message, onRetry: this.recordRetry }),
    );
  }

  async sendReceiptFromContact(contact: FakeContact, toDevice: string, id: string, type?: 'read'): Promise<void> {
    const r = this.host.directory.resolve(toDevice);
    if (r?.kind !== 'companion' || !r.companion) throw new Error('receipts go to a linked companion device');
    const receipt = node('receipt', { from: contact.phoneJid, id, t: unixNow(), type });
    await this.enqueue(r.companion, stanzaDelivery({ id, cls: 'receipt', held: false, node: receipt }));
  }

  async sendCall(contact: FakeContact, accountInfo: AccountInfo, call: BinaryNode, opts: CallOptions): Promise<void> {
    const account = this.account(accountInfo);
    const id = call.attrs.id!;
    await this.toEveryDevice(account, opts.offline ?? false, true, () =>
      stanzaDelivery({ id, cls: 'call', held: opts.offline ?? false, node: call }),
    );
  }

  /** The owner's phone answered or declined a call: the stanza goes to each linked device, cleared by its ack. */
  async callFromPhone(accountInfo: AccountInfo, call: BinaryNode, opts: { offline?: boolean }): Promise<void> {
    const account = this.account(accountInfo);
    const held = opts.offline ?? false;
    await this.toEveryDevice(account, held, true, () => stanzaDelivery({ id: call.attrs.id!, cls: 'call', held, node: call }));
  }

  /**
   * The owner's phone sent `message` to `chat` (a contact): each linked device gets the
   * device-sent copy, `deviceSentMessage{destinationJid, message}` encrypted by the phone, in
   * `<message from="OWN_PN" recipient="CHAT" peer_recipient_lid="CHAT_LID">` (LID form:
   * `from="OWN_LID" recipient="CHAT_LID" peer_recipient_pn`), as linked devices see their phone's sends.
   */
  async sendFromPhone(accountInfo: AccountInfo, to: FakeContact, message: proto.IMessage, opts: PhoneSendOptions): Promise<void> {
    const account = this.account(accountInfo);
    const lid = opts.addressing === 'lid';
    const chat = lid ? to.lid : to.phoneJid;
    const attrs = {
      from: lid ? account.lid : account.phoneJid,
      recipient: chat,
      ...(lid ? { peer_recipient_pn: to.phoneJid, addressing_mode: 'lid' } : { peer_recipient_lid: to.lid }),
      id: opts.id,
      type: stanzaTypeOf(message),
      ...kindAttrs(message),
      t: String(opts.t),
      notify: account.name || undefined,
    };
    const content: proto.IMessage = {
      deviceSentMessage: { destinationJid: chat, message },
      messageContextInfo: message.messageContextInfo,
    };
    const sender = phoneSender(account);
    await this.toEveryDevice(account, opts.offline, true, (device) =>
      pairwiseDelivery({ id: opts.id, device, sender, held: opts.offline, attrs, message, content, onRetry: this.recordRetry }),
    );
  }

  /**
   * The owner read messages on the phone: `<receipt type="read-self">` to each linked device. 1:1:
   * `from="OWN_PN" recipient="CHAT"`. Group: `from="GROUP" participant="OWN_PN" recipient="SENDER"`.
   */
  async readSelf(accountInfo: AccountInfo, chat: string, ids: string[], opts: ReadSelfOptions): Promise<void> {
    const account = this.account(accountInfo);
    const [first, ...rest] = ids;
    if (!first) throw new Error('readSelf needs at least one message id');
    const isGroup = chat.endsWith('@g.us');
    const attrs = isGroup
      ? { from: chat, participant: account.phoneJid, recipient: opts.sender }
      : { from: account.phoneJid, recipient: chat };
    const content = rest.length ? [node('list', {}, rest.map((id) => node('item', { id })))] : undefined;
    const receipt = node('receipt', { ...attrs, id: first, type: 'read-self', t: unixNow() }, content);
    await this.toEveryDevice(account, opts.offline ?? false, true, () =>
      stanzaDelivery({ id: first, cls: 'receipt', held: opts.offline ?? false, node: receipt }),
    );
  }

  /**
   * A fake member (contact or the owner's phone) sends to a group: the message is encrypted once
   * with the sender's key (`skmsg`), and each member account's linked devices get it, the sender's
   * key pairwise with it the first time. `<message from="GROUP" participant="SENDER" ...>`, with
   * the sender as LID (`participant_pn` beside it) in a LID group, as PN (`participant_lid`) otherwise.
   */
  async sendToGroup(group: FakeGroup, from: PartySender, message: proto.IMessage, opts: GroupSendOptions): Promise<void> {
    const lid = group.addressingMode === 'lid';
    const attrs = {
      from: group.jid,
      participant: lid ? from.lid : from.phoneJid,
      ...(lid ? { participant_pn: from.phoneJid } : { participant_lid: from.lid }),
      addressing_mode: lid ? 'lid' : 'pn',
      id: opts.id,
      type: stanzaTypeOf(message),
      ...kindAttrs(message),
      t: String(opts.t),
      notify: from.name || undefined,
    };
    // Group messages are padded like 1:1 ones before the sender-key encryption.
    const { ciphertext, skdm } = await from.party.groupEncrypt(group.jid, encodeMessage(message));
    for (const member of group.members) {
      const account = member.account;
      if (!account) continue;
      await this.toEveryDevice(account, opts.offline, false, (device) => {
        const holder = `${from.phoneJid}|${device.account.deviceJid(device.deviceId)}`;
        const needsKey = !group.keyHolders.has(holder);
        group.keyHolders.add(holder);
        return groupDelivery({
          id: opts.id,
          device,
          sender: from,
          held: opts.offline,
          attrs,
          message,
          group: group.jid,
          skmsg: ciphertext,
          skdm: needsKey ? skdm : undefined,
          onRetry: this.recordRetry,
        });
      });
    }
  }

  /** Writes every queued stanza (held ones too) to a fresh login, with the `offline` attr. */
  deliverOffline(conn: ClientConnection): Promise<number> {
    const device = conn.device!;
    return this.run(device, async () => {
      let count = 0;
      for (const p of [...this.queue(device)]) {
        if (p.deliveredTo.has(conn.id)) continue;
        p.held = false;
        await this.write(conn, p, true);
        count++;
      }
      return count;
    });
  }

  /** Sends anything queued for `device` now that it has a ready connection. */
  kick(device: CompanionDevice): Promise<unknown> {
    return this.deliverLive(device);
  }

  // ---------- what clients send back ----------

  /**
   * Client receipt: clears delivered messages (plain, `inactive`, `read`, and `sender`, which is how
   * a device confirms its own phone's copies); a retry receipt gets a new copy from the sender.
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
          const p = this.queue(device).find((x) => x.cls === 'message' && x.id === id);
          if (!p?.retry) continue;
          if (++p.retries > MAX_RETRIES) {
            this.remove(device, p);
            continue;
          }
          p.replacedOn = conn.id;
          // After a drop (a retry receipt read late), the resend waits for the next login.
          if ((await p.retry(receipt)) === 'rewrite' && conn.isOpen) await this.write(conn, p, false);
        }
      });
      return;
    }
    if (type === 'peer_msg' || type === 'hist_sync') return;
    for (const id of ids) {
      const p = this.queue(device).find((x) => x.cls === 'message' && x.id === id);
      if (p) this.remove(device, p);
      // Another account's message: its sender hears of it (read receipts come after delivery).
      this.clientMessages.receiptFrom(device, id, receipt);
    }
  }

  /**
   * Client ack. `class="message"` (a nack): final, unless it is the one that follows a retry
   * receipt we answered on the same connection (for the copy the resend replaced).
   * `class="receipt"` / `class="call"`: the device has the server receipt or call stanza.
   */
  async onClientAck(conn: ClientConnection, ack: BinaryNode): Promise<void> {
    const device = conn.device;
    const id = ack.attrs.id;
    const cls = ack.attrs.class;
    if (!device || !id || (cls !== 'message' && cls !== 'receipt' && cls !== 'call')) return;
    const p = this.queue(device).find((x) => x.cls === cls && x.id === id);
    if (!p) return;
    if (p.replacedOn === conn.id) {
      // The nack Baileys sends after its retry receipt, for the copy the resend replaced.
      p.replacedOn = undefined;
      return;
    }
    this.remove(device, p);
  }

  onClientMessage(conn: ClientConnection, msg: BinaryNode): Promise<void> {
    return this.clientMessages.handle(conn, msg);
  }

  /** A device was unlinked or re-paired: drop its queue. */
  forgetDevice(device: CompanionDevice): void {
    this.queues.delete(device);
  }

  /** Cancels delayed acks (server shutdown). */
  close(): void {
    this.clientMessages.close();
  }

  // ---------- internals ----------

  /** Queues a stanza for `device` and writes it now if the device is connected and it is not held. */
  private async enqueue(device: CompanionDevice, delivery: Delivery): Promise<void> {
    await this.run(device, async () => {
      this.queue(device).push(delivery);
    });
    if (!delivery.held) await this.deliverLive(device);
  }

  /** One delivery per linked companion of `account`; a 1:1 send (`required`) to an account without one is a test error. */
  private async toEveryDevice(
    account: Account,
    held: boolean,
    required: boolean,
    make: (device: CompanionDevice) => Delivery,
  ): Promise<void> {
    const devices = account.activeDevices();
    if (devices.length === 0 && required) throw new Error('account has no linked device to deliver to');
    await Promise.all(devices.map((device) => this.enqueue(device, make(device))));
  }

  /** Sends queued, non-held stanzas to the device's ready connection, if there is one. */
  private deliverLive(device: CompanionDevice): Promise<unknown> {
    return this.run(device, async () => {
      const conn = this.host.readyConnection(device);
      if (!conn) return;
      for (const p of [...this.queue(device)]) {
        if (!p.held && !p.deliveredTo.has(conn.id)) await this.write(conn, p, false);
      }
    });
  }

  private async write(conn: ClientConnection, p: Delivery, offline: boolean): Promise<void> {
    const stanza = this.host.faults.mangleDelivery(conn.accountPhone, await p.stanza(offline));
    conn.send(stanza);
    p.deliveredTo.add(conn.id);
    p.written?.(conn.id, offline);
    this.host.emit('delivered', { id: p.id, cls: p.cls, connectionId: conn.id, offline });
    const drop = p.cls === 'message' ? this.host.faults.takeDeliveryDrop(conn.accountPhone) : undefined;
    if (drop === 'close') conn.closeWith('drop after delivery');
    else if (drop) conn.terminate('drop after delivery');
  }

  private readonly recordRetry = (record: RetryRecord): void => {
    this.host.recorder.retries.push(record);
    this.host.emit('retry', record);
  };

  private account(info: AccountInfo): Account {
    const account = this.host.directory.accountByPhone(info.phoneNumber);
    if (!account) throw new Error('unknown account');
    return account;
  }

  private queue(device: CompanionDevice): Delivery[] {
    let q = this.queues.get(device);
    if (!q) this.queues.set(device, (q = []));
    return q;
  }

  private remove(device: CompanionDevice, p: Delivery): void {
    const q = this.queue(device);
    const i = q.indexOf(p);
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

/** The account's phone as a sender: its own identity, numbers and push name. */
export function phoneSender(account: Account): PartySender {
  return { name: account.name, phoneJid: account.phoneJid, lid: account.lid, party: account.phone };
}

