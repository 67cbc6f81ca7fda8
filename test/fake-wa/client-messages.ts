/**
 * What happens to a `<message>` a client sends. The server acks it (subject to ack faults) and
 * hands each copy to its recipient device:
 * - a `<to>` copy for a fake party (a contact's device, an account's phone) is decrypted there
 *   and recorded (`record.messages`, `contact.received`, one entry per device);
 * - a copy for another account's companion device is queued for it unchanged (the server cannot
 *   decrypt it) and its receipts go back to the sender;
 * - a group message (`to="…@g.us"`) carries the sender's key pairwise (`<to>` copies with a
 *   `senderKeyDistributionMessage`) for devices that lack it, and one `skmsg` the server fans out
 *   to every member device but the sender's: fake members decrypt it with the key they got,
 *   companions of member accounts get it queued with their pairwise copy, if any.
 * A copy whose id the server already accepted from the same sender account, in the same chat,
 * for the same recipient device is acked but not delivered again (duplicate suppression, like the
 * real server), unless it is a retry resend (`<enc count>`, or any copy for a device that asked
 * for the message again).
 * A fake party that cannot decrypt its 1:1 copy asks the client for it again, as a phone does:
 * `<receipt type="retry">` (Baileys' `sendRetryRequest` shape; `retryRequestNode`), up to
 * MAX_RETRY_REQUESTS times per message. Baileys answers by sending the message again with the same
 * id; that resend reaches the asking device only, and it decrypts the message once.
 */
import { isJidGroup, isLidUser, jidNormalizedUser, type proto } from '@whiskeysockets/baileys';
import { allChildren, bytesOf, child, children, node, unixNow, type BinaryNode } from './binary.js';
import type { ClientConnection } from './connection.js';
import { companionAddress, decodeMessage, textOf, type FakeContact } from './contact.js';
import { relayedDelivery, retryRequestNode, type Delivery } from './deliveries.js';
import type { CompanionDevice, Resolved } from './directory.js';
import type { FakeGroup } from './group.js';
import type { ReceivedMessage } from './record.js';
import type { RouterHost } from './router.js';
import type { SignalParty } from './signal-party.js';

export interface ClientMessagesHost extends RouterHost {
  /** Queues a stanza for a companion device (and writes it if the device is connected). */
  enqueue(device: CompanionDevice, delivery: Delivery): Promise<void>;
  /** The queued message with this id for a device, if any. */
  find(device: CompanionDevice, id: string): Delivery | undefined;
  /** Writes what is queued for a device to its ready connection. */
  deliverLive(device: CompanionDevice): Promise<unknown>;
}

/** One `<enc>` for one recipient device. */
interface Copy {
  jid: string;
  enc: BinaryNode;
}

/** Retry receipts a fake party sends per message before it gives up (Baileys' maxMsgRetryCount). */
const MAX_RETRY_REQUESTS = 5;

/** A relayed delivery, with the means to swap in a retry resend. */
type Relayed = ReturnType<typeof relayedDelivery>;

/** A fake party on the network: a contact's device or an account's phone. */
interface FakeDevice {
  party: SignalParty;
  /** The user's phone jid (`record.messages[].to`). */
  userJid: string;
  deviceId: number;
  contact?: FakeContact;
}

export class ClientMessages {
  /** `sender account|chat|recipient device|id` of every client copy accepted (delivered or queued). */
  private readonly accepted = new Set<string>();
  private readonly ackTimers = new Set<NodeJS.Timeout>();
  /** Relayed deliveries by `recipient device|id`, so a retry resend can replace their ciphertext. */
  private readonly relayed = new Map<string, Relayed>();
  /** How to pass a recipient's receipts back to the sender, by `recipient device|id` (kept after delivery: reads come later). */
  private readonly senders = new Map<string, (receipt: BinaryNode) => void>();
  /** Retry receipts a fake party sent, by `sender account|chat|recipient device|id`. */
  private readonly retryRequests = new Map<string, number>();
  /** Those still waiting for the client's resend (the next copy for that device is let through). */
  private readonly awaitingResend = new Set<string>();

  constructor(private readonly host: ClientMessagesHost) {}

  /** Handles a client `<message>`: deliver each copy, then ack (subject to faults). */
  async handle(conn: ClientConnection, msg: BinaryNode): Promise<void> {
    const id = msg.attrs.id ?? '';
    const to = msg.attrs.to ?? '';
    const copies: Copy[] = [];
    for (const t of children(child(msg, 'participants'), 'to')) {
      const enc = child(t, 'enc');
      if (t.attrs.jid && enc) copies.push({ jid: t.attrs.jid, enc });
    }
    const direct = children(msg, 'enc');
    const skmsg = direct.find((e) => e.attrs.type === 'skmsg');
    const group = isJidGroup(to) ? this.group(to) : undefined;
    // A pairwise copy outside <participants>: a 1:1 message without participants, or a retry resend
    // (1:1: `to` is the device; group: `participant` is the device).
    for (const enc of direct) if (enc !== skmsg) copies.push({ jid: group ? (msg.attrs.participant ?? '') : to, enc });
    const stanzaRec = { id, to, connectionId: conn.id, at: Date.now(), recipients: copies.map((c) => c.jid) };
    this.host.recorder.clientMessages.push(stanzaRec);
    this.host.emit('client-message', stanzaRec);

    const drop = this.host.faults.takeDrop(conn.accountPhone);
    const chat = this.canonical(to, true);
    const accept = (recipient: string, isRetry: boolean): boolean => {
      const key = conn.accountPhone !== undefined ? `${conn.accountPhone}|${chat}|${recipient}|${id}` : undefined;
      if (this.host.dedupeClientMessages && key && !isRetry && this.accepted.has(key)) {
        const dup = { id, to: recipient, chat: to, connectionId: conn.id, at: Date.now() };
        this.host.recorder.duplicateSends.push(dup);
        this.host.emit('duplicate-send', dup);
        return false;
      }
      if (drop && !drop.deliver) return false;
      if (key) this.accepted.add(key);
      return true;
    };

    if (group) {
      await this.fanOutGroup(conn, msg, group, copies, skmsg, accept);
    } else {
      const resendKey = (copy: Copy) => this.resendKey(conn, msg, copy);
      // Baileys answers a phone's retry receipt by sending the message to every device again
      // (without `<enc count>`): the server passes the asking device its copy, and no one else.
      const answersRetry = copies.some((c) => this.awaitingResend.has(resendKey(c)));
      for (const copy of copies) {
        const asked = this.awaitingResend.delete(resendKey(copy));
        if (answersRetry && !asked) continue;
        if (!accept(this.canonical(copy.jid, false), copy.enc.attrs.count !== undefined || asked)) continue;
        await this.deliverCopy(conn, msg, copy);
      }
    }
    if (drop) {
      if (drop.how === 'close') conn.closeWith('drop after message');
      else conn.terminate('drop after message');
      return;
    }
    this.ack(conn, node('ack', { class: 'message', id, from: to, t: unixNow() }));
  }

  /** A companion's receipt for a message: if another account's client sent it, pass it back. */
  receiptFrom(device: CompanionDevice, id: string, receipt: BinaryNode): void {
    this.senders.get(relayKey(device, id))?.(receipt);
  }

  /** Cancels delayed acks (server shutdown). */
  close(): void {
    for (const t of this.ackTimers) clearTimeout(t);
    this.ackTimers.clear();
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

  // ---------- 1:1 ----------

  private async deliverCopy(conn: ClientConnection, msg: BinaryNode, copy: Copy): Promise<void> {
    const id = msg.attrs.id ?? '';
    const device = conn.device;
    const ciphertext = bytesOf(copy.enc);
    if (!device || !ciphertext) return;
    const r = this.host.directory.resolve(copy.jid);
    if (!r || r.kind === 'group') return;
    if (r.kind === 'companion') {
      // Another account's linked device: relay. The sender's own other companions: not forwarded.
      const target = r.companion;
      if (target && target.removedAt === undefined && target.account !== device.account) {
        await this.relay(conn, msg, target, [copy.enc], { kind: '1:1' });
      }
      return;
    }
    const recipient = this.fakeDevice(r);
    if (!recipient) return;
    const damaged = this.host.faults.takeClientCopyCorruption(conn.accountPhone, recipient.userJid);
    const message = await this.decrypt(conn, recipient, id, copy.enc, damaged ? flipLastByte(ciphertext) : ciphertext);
    if (!message) {
      this.askAgain(conn, msg, copy, recipient);
      return;
    }
    this.received(conn, recipient, id, copy.enc, message, undefined);
    const auto = recipient.contact?.autoReceipt;
    if (auto && recipient.deviceId === 0) {
      conn.send(node('receipt', { from: recipient.userJid, id, t: unixNow(), type: auto === 'read' ? 'read' : undefined }));
    }
  }

  /** A fake party's retry receipt for a 1:1 copy it could not decrypt (Baileys' `sendRetryRequest`). */
  private askAgain(conn: ClientConnection, msg: BinaryNode, copy: Copy, recipient: FakeDevice): void {
    const key = this.resendKey(conn, msg, copy);
    if (conn.accountPhone === undefined) return;
    const count = (this.retryRequests.get(key) ?? 0) + 1;
    if (count > MAX_RETRY_REQUESTS) return;
    this.retryRequests.set(key, count);
    this.awaitingResend.add(key);
    const id = msg.attrs.id ?? '';
    // The chat as the client addressed it; `participant` names the asking device.
    const from = jidNormalizedUser(msg.attrs.to) || (msg.attrs.to ?? '');
    const request = retryRequestNode({ from, participant: copy.jid, id, t: msg.attrs.t, count, party: recipient.party });
    if (!this.host.faults.holdRetryRequest(conn.accountPhone, request)) conn.send(request);
    const rec = { id, to: recipient.userJid, deviceId: recipient.deviceId, count, connectionId: conn.id, at: Date.now() };
    this.host.recorder.retryRequests.push(rec);
    this.host.emit('retry-request', rec);
  }

  private resendKey(conn: ClientConnection, msg: BinaryNode, copy: Copy): string {
    return `${conn.accountPhone}|${this.canonical(msg.attrs.to ?? '', true)}|${this.canonical(copy.jid, false)}|${msg.attrs.id ?? ''}`;
  }

  // ---------- groups ----------

  private async fanOutGroup(
    conn: ClientConnection,
    msg: BinaryNode,
    group: FakeGroup,
    copies: Copy[],
    skmsg: BinaryNode | undefined,
    accept: (recipient: string, isRetry: boolean) => boolean,
  ): Promise<void> {
    const id = msg.attrs.id ?? '';
    const sender = conn.device;
    if (!sender) return;
    const senderAddr = companionAddress(sender.account, sender.deviceId);
    const pairwise = new Map<string, Copy>();
    for (const copy of copies) pairwise.set(this.canonical(copy.jid, false), copy);

    // Every member device, but the sending one.
    for (const target of this.memberDevices(group)) {
      if (target.companion === sender) continue;
      const recipient = target.key;
      const copy = pairwise.get(recipient);
      const isRetry = copy?.enc.attrs.count !== undefined;
      // A retry resend goes to the asking device only.
      if (msg.attrs.participant && !copy) continue;
      if (!copy && !skmsg) continue;
      if (!accept(recipient, isRetry)) continue;
      if (target.companion) {
        if (target.companion.account === sender.account) continue; // own other companions: not forwarded
        const encs = [copy?.enc, isRetry ? undefined : skmsg].filter((e): e is BinaryNode => !!e);
        await this.relay(conn, msg, target.companion, encs, { kind: 'group', group });
        continue;
      }
      const device = target.fake!;
      let message: proto.IMessage | undefined;
      if (copy) {
        const bytes = bytesOf(copy.enc);
        const pair = bytes && (await this.decrypt(conn, device, id, copy.enc, bytes));
        if (!pair) continue;
        const skdm = pair.senderKeyDistributionMessage?.axolotlSenderKeyDistributionMessage;
        if (skdm) await device.party.processSkdm(group.jid, senderAddr, skdm);
        // A retry resend carries the message itself (with the key); a first send only the key.
        if (isRetry) message = pair;
      }
      if (!message && skmsg && !isRetry) {
        const bytes = bytesOf(skmsg);
        if (!bytes) continue;
        try {
          message = decodeMessage(await device.party.groupDecrypt(group.jid, senderAddr, bytes));
        } catch (err) {
          this.decryptError(conn, device, id, err);
          continue;
        }
      }
      if (message) this.received(conn, device, id, skmsg ?? copy!.enc, message, group.jid);
    }
  }

  /** Every device of every member: contact devices and account phones (fake), and linked companions. */
  private memberDevices(group: FakeGroup): { key: string; fake?: FakeDevice; companion?: CompanionDevice }[] {
    const out: { key: string; fake?: FakeDevice; companion?: CompanionDevice }[] = [];
    for (const m of group.members) {
      if (m.contact) {
        for (const d of m.contact.deviceIds) {
          out.push({ key: deviceKey(m.contact.phoneNumber, d), fake: this.fakeDevice({ kind: 'contact', contact: m.contact, device: d }) });
        }
      }
      if (m.account) {
        out.push({ key: m.account.phoneJid, fake: this.fakeDevice({ kind: 'phone', account: m.account, device: 0 }) });
        for (const c of m.account.activeDevices()) out.push({ key: m.account.deviceJid(c.deviceId), companion: c });
      }
    }
    return out;
  }

  // ---------- relays to other accounts' companions ----------

  /**
   * Queues a copy for another account's companion device and delivers it if that device is ready.
   * A retry resend (`<enc count>`) replaces the ciphertext of the still-queued message. The
   * recipient's receipts go back to the sending device; a retry receipt too, naming the asking device.
   */
  private async relay(
    conn: ClientConnection,
    msg: BinaryNode,
    target: CompanionDevice,
    encs: BinaryNode[],
    where: { kind: '1:1' } | { kind: 'group'; group: FakeGroup },
  ): Promise<void> {
    const sender = conn.device!;
    const id = msg.attrs.id ?? '';
    const relayedEncs = encs.map((e) => ({
      type: e.attrs.type ?? '',
      ciphertext: bytesOf(e) ?? Buffer.alloc(0),
      count: e.attrs.count,
      attrs: e.attrs.mediatype ? { mediatype: e.attrs.mediatype } : undefined,
    }));
    const key = relayKey(target, id);
    const isRetry = encs.some((e) => e.attrs.count !== undefined);
    const known = this.relayed.get(key);
    if (isRetry && known && this.host.find(target, id) === known) {
      known.replace(relayedEncs);
      await this.host.deliverLive(target);
      return;
    }
    const s = sender.account;
    let attrs: Record<string, string | undefined>;
    let chat: string;
    if (where.kind === 'group') {
      const lid = where.group.addressingMode === 'lid';
      chat = where.group.jid;
      attrs = {
        from: chat,
        participant: lid ? s.deviceLid(sender.deviceId) : s.deviceJid(sender.deviceId),
        ...(lid ? { participant_pn: s.phoneJid } : { participant_lid: s.lid }),
        addressing_mode: lid ? 'lid' : 'pn',
      };
    } else {
      // `from` is the sender's device (PN, or LID when the sender addressed the chat by LID) so
      // Baileys decrypts with the session of that device; the other form rides along.
      chat = jidNormalizedUser(msg.attrs.to) || (msg.attrs.to ?? '');
      const lid = isLidUser(chat);
      attrs = lid
        ? { from: s.deviceLid(sender.deviceId), sender_pn: s.phoneJid, addressing_mode: 'lid' }
        : { from: s.deviceJid(sender.deviceId), sender_lid: s.lid };
    }
    const t = unixNow();
    const asking = (recipient: CompanionDevice) =>
      isLidUser(chat) || (where.kind === 'group' && where.group.addressingMode === 'lid')
        ? recipient.account.deviceLid(recipient.deviceId)
        : recipient.account.deviceJid(recipient.deviceId);
    const delivery = relayedDelivery({
      id,
      held: false,
      attrs: { ...attrs, id, type: msg.attrs.type ?? 'text', edit: msg.attrs.edit, t, notify: s.name || undefined },
      encs: relayedEncs,
      forwardRetry: (receipt) => this.forwardReceipt(sender, chat, id, receipt, asking(target)),
      written: (connectionId, offline, encType) => {
        const rec = {
          id,
          from: s.deviceJid(sender.deviceId),
          to: target.account.deviceJid(target.deviceId),
          chat,
          connectionId,
          senderConnectionId: conn.id,
          at: Date.now(),
          encType,
          offline,
        };
        this.host.recorder.crossAccount.push(rec);
        this.host.emit('cross-account', rec);
      },
    });
    this.relayed.set(key, delivery);
    this.senders.set(key, (receipt) => this.forwardReceipt(sender, chat, id, receipt, asking(target)));
    await this.host.enqueue(target, delivery);
  }

  /**
   * Passes a recipient's receipt to the sending device's ready connection: 1:1 as
   * `<receipt from="chat as the sender addressed it" id t [type]/>`, group as
   * `<receipt from="GROUP" participant="recipient device">`. `inactive` becomes a plain delivery
   * receipt; `retry` keeps its content and names the asking device in `participant` (Baileys then
   * re-sends to that device only). Dropped if the sender is not connected.
   */
  private forwardReceipt(sender: CompanionDevice, chat: string, id: string, receipt: BinaryNode, asking: string): void {
    const type = receipt.attrs.type;
    if (type !== undefined && type !== 'inactive' && type !== 'read' && type !== 'retry') return;
    const conn = this.host.readyConnection(sender);
    if (!conn) return;
    const group = isJidGroup(chat);
    if (type === 'retry') {
      conn.send(node('receipt', { from: chat, participant: asking, id, t: unixNow(), type }, allChildren(receipt)));
      return;
    }
    conn.send(node('receipt', { from: chat, participant: group ? asking : undefined, id, t: unixNow(), type: type === 'read' ? 'read' : undefined }));
  }

  // ---------- fake parties ----------

  private fakeDevice(r: Resolved<FakeContact, FakeGroup>): FakeDevice | undefined {
    if (r.kind === 'contact') {
      const party = r.contact.partyOf(r.device);
      return party ? { party, userJid: r.contact.phoneJid, deviceId: r.device, contact: r.contact } : undefined;
    }
    if (r.kind === 'phone') return { party: r.account.phone, userJid: r.account.phoneJid, deviceId: 0 };
    return undefined;
  }

  private async decrypt(
    conn: ClientConnection,
    recipient: FakeDevice,
    id: string,
    enc: BinaryNode,
    ciphertext: Buffer,
  ): Promise<proto.Message | undefined> {
    const device = conn.device!;
    try {
      const plain = await recipient.party.decrypt(companionAddress(device.account, device.deviceId), enc.attrs.type ?? '', ciphertext);
      return decodeMessage(plain);
    } catch (err) {
      this.decryptError(conn, recipient, id, err, enc.attrs.type);
      return undefined;
    }
  }

  private decryptError(conn: ClientConnection, recipient: FakeDevice, id: string, err: unknown, encType?: string): void {
    this.host.recorder.decryptErrors.push({
      id,
      to: recipient.userJid,
      connectionId: conn.id,
      error: err instanceof Error ? err.message : String(err),
      ...(encType ? { encType } : {}),
    });
  }

  private received(
    conn: ClientConnection,
    recipient: FakeDevice,
    id: string,
    enc: BinaryNode,
    message: proto.IMessage,
    chat: string | undefined,
  ): void {
    const device = conn.device!;
    const now = Date.now();
    const rec: ReceivedMessage = {
      id,
      text: textOf(message),
      to: recipient.userJid,
      deviceId: recipient.deviceId,
      ...(chat ? { chat } : {}),
      from: device.account.deviceJid(device.deviceId),
      connectionId: conn.id,
      at: now,
      receivedAt: now,
      encType: enc.attrs.type ?? '',
      message,
    };
    this.host.recorder.messages.push(rec);
    recipient.contact?.received.push(rec);
    this.host.emit('message', rec);
  }

  // ---------- helpers ----------

  private group(jid: string): FakeGroup | undefined {
    const r = this.host.directory.resolve(jid);
    return r?.kind === 'group' ? r.group : undefined;
  }

  /**
   * One name per recipient, whatever form the client used: a contact's or account's phone jid
   * (`PN:DEV@s.whatsapp.net` for a contact's other devices), or (unless `userLevel`) an account
   * companion's `PHONE:DEV@s.whatsapp.net`.
   */
  private canonical(jid: string, userLevel: boolean): string {
    const r = this.host.directory.resolve(jid);
    if (!r) return jidNormalizedUser(jid) || jid;
    if (r.kind === 'group') return r.group.jid;
    if (r.kind === 'contact') return userLevel ? r.contact.phoneJid : deviceKey(r.contact.phoneNumber, r.device);
    if (r.kind === 'companion' && !userLevel) return r.account.deviceJid(r.device);
    return r.account.phoneJid;
  }
}

function flipLastByte(bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  out[out.length - 1]! ^= 0xff;
  return out;
}

function relayKey(device: CompanionDevice, id: string): string {
  return `${device.account.phoneNumber}:${device.deviceId}|${id}`;
}

/** `PN@s.whatsapp.net` for device 0, `PN:DEV@s.whatsapp.net` otherwise. */
function deviceKey(phoneNumber: string, device: number): string {
  return device ? `${phoneNumber}:${device}@s.whatsapp.net` : `${phoneNumber}@s.whatsapp.net`;
}

