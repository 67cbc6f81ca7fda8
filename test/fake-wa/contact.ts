/**
 * A fake contact: someone else's phone (device 0), with its own Signal identity, and optionally
 * more devices of its own (`devices: 2` adds a linked device with its own identity). It sends any
 * message kind to an account's linked devices (through the server's queue), calls them, and
 * decrypts what those devices send it, on each of its devices, keeping every copy it receives so
 * tests can count exactly-once delivery.
 */
import { encodeWAMessage, generateMessageID, proto, unpadRandomMax16 } from '@whiskeysockets/baileys';
import { node, unixNow, type BinaryNode } from './binary.js';
import type { AccountInfo, ContactIdentity } from './directory.js';
import type { ReceivedMessage } from './record.js';
import { SignalParty, type SignalAddress } from './signal-party.js';

export interface SendTextOptions {
  /** Stanza id; default a random `3EB0…` id. */
  id?: string;
  /** Message time: unix seconds or a Date; default now. */
  timestamp?: number | Date;
  /**
   * Hold the message for the account's next login even if a device is connected now, so it arrives
   * as offline delivery (`offline` attr, before `<ib><offline count=N/>`).
   */
  offline?: boolean;
  /**
   * 'pn' (default): `from=PN` with `sender_lid` (client sees `key.remoteJid = PN`).
   * 'lid': `from=LID` with `sender_pn`, `addressing_mode=lid` (client sees `remoteJid = LID`).
   */
  addressing?: 'pn' | 'lid';
  /** Push name in the `notify` attr; default the contact's name. */
  pushName?: string;
}

/** A contact's send, with every option decided. */
export type MessageSendOptions = Required<Pick<SendTextOptions, 'id' | 'offline' | 'addressing'>> & { t: number; pushName: string };

export interface CallOptions {
  /** A video call (`<video>` in the offer). */
  video?: boolean;
  /** Hold the call stanzas for the account's next login (they arrive with `offline`). */
  offline?: boolean;
  /** 'pn' (default): `from=PN`. 'lid': `from=LID` with `caller_pn`. */
  addressing?: 'pn' | 'lid';
}

/** What the server's router must do for a contact. */
export interface ContactHost {
  sendFromContact(contact: FakeContact, account: AccountInfo, message: proto.IMessage, opts: MessageSendOptions): Promise<void>;
  sendReceiptFromContact(contact: FakeContact, toDevice: string, id: string, type?: 'read'): Promise<void>;
  sendCall(contact: FakeContact, account: AccountInfo, call: BinaryNode, opts: CallOptions): Promise<void>;
}

export type AutoReceipt = 'delivered' | 'read' | false;

export interface ContactOptions {
  name: string;
  phone?: string;
  lid?: string;
  /** Send a receipt back to the sending device for each message received (default off). */
  autoReceipt?: AutoReceipt;
  /** How many devices the contact has: 1 (default, the phone) or more (linked devices 1, 2, ...). */
  devices?: number;
}

/** Text carried by a message, looking through the wrappers Baileys uses. */
export function textOf(message: proto.IMessage | null | undefined): string | undefined {
  if (!message) return undefined;
  if (message.deviceSentMessage?.message) return textOf(message.deviceSentMessage.message);
  return message.conversation ?? message.extendedTextMessage?.text ?? undefined;
}

/** Signal address a contact uses for a companion device: `LIDUSER_1.DEV`, as Baileys would. */
export function companionAddress(account: AccountInfo, deviceId: number): SignalAddress {
  return { name: `${account.lidUser}_1`, device: deviceId };
}

export class FakeContact implements ContactIdentity {
  readonly phoneJid: string;
  readonly lid: string;
  /** The phone's (device 0) Signal identity. */
  readonly party = new SignalParty();
  readonly deviceIds: readonly number[];
  /**
   * Every message this contact decrypted from a client, in arrival order: one entry per device
   * that decrypted a copy (`deviceId`), so a contact with two devices lists each reply twice.
   */
  readonly received: ReceivedMessage[] = [];
  autoReceipt: AutoReceipt;
  private readonly parties = new Map<number, SignalParty>();

  constructor(
    private readonly host: ContactHost,
    readonly name: string,
    readonly phoneNumber: string,
    readonly lidUser: string,
    autoReceipt: AutoReceipt = false,
    devices = 1,
  ) {
    this.phoneJid = `${phoneNumber}@s.whatsapp.net`;
    this.lid = `${lidUser}@lid`;
    this.autoReceipt = autoReceipt;
    this.parties.set(0, this.party);
    for (let d = 1; d < devices; d++) this.parties.set(d, new SignalParty());
    this.deviceIds = [...this.parties.keys()];
  }

  /** The Signal identity of one of the contact's devices. */
  partyOf(device: number): SignalParty | undefined {
    return this.parties.get(device);
  }

  /** Copies decrypted on one device. */
  receivedOn(deviceId: number): ReceivedMessage[] {
    return this.received.filter((m) => m.deviceId === deviceId);
  }

  /** Sends `text` to every linked device of `account`; resolves with the message id once queued or written. */
  async sendText(account: AccountInfo, text: string, opts: SendTextOptions = {}): Promise<string> {
    return this.sendMessage(account, { conversation: text }, opts);
  }

  /** Sends any `proto.IMessage` (same delivery rules as `sendText`). */
  async sendMessage(account: AccountInfo, message: proto.IMessage, opts: SendTextOptions = {}): Promise<string> {
    const id = opts.id ?? generateMessageID();
    const ts = opts.timestamp instanceof Date ? opts.timestamp.getTime() / 1000 : opts.timestamp;
    await this.host.sendFromContact(this, account, message, {
      id,
      t: Math.floor(ts ?? Date.now() / 1000),
      offline: opts.offline ?? false,
      addressing: opts.addressing ?? 'pn',
      pushName: opts.pushName ?? this.name,
    });
    return id;
  }

  /** Sends a delivery (or read) receipt for `id` to a companion device jid. */
  sendReceipt(toDevice: string, id: string, type?: 'read'): Promise<void> {
    return this.host.sendReceiptFromContact(this, toDevice, id, type);
  }

  /**
   * Calls the account: `<call><offer call-id call-creator>` to each linked device. Resolves with
   * the call id. End it with `endCall`; `missedCall` does both.
   */
  async callOffer(account: AccountInfo, opts: CallOptions = {}): Promise<string> {
    const callId = generateMessageID();
    const media = [node('audio', { enc: 'opus', rate: '16000' }), node('audio', { enc: 'opus', rate: '8000' })];
    if (opts.video) media.push(node('video', { enc: 'vp8', dec: 'vp8', orientation: '0', screen_width: '1080', screen_height: '2340', device_orientation: '0' }));
    await this.host.sendCall(this, account, this.callStanza('offer', callId, opts, [...media, node('net', { medium: '3' })]), opts);
    return callId;
  }

  /**
   * The call ends before anyone answers: `<terminate reason="timeout">` (Baileys: status `timeout`,
   * the missed call) or, with `reason: 'hangup'`, the caller hangs up (status `terminate`).
   */
  async endCall(account: AccountInfo, callId: string, opts: CallOptions & { reason?: 'timeout' | 'hangup' } = {}): Promise<void> {
    const reason = (opts.reason ?? 'timeout') === 'timeout' ? 'timeout' : undefined;
    await this.host.sendCall(this, account, this.callStanza('terminate', callId, opts, undefined, reason), opts);
  }

  /** An unanswered call: offer, then terminate with reason timeout. Resolves with the call id. */
  async missedCall(account: AccountInfo, opts: CallOptions = {}): Promise<string> {
    const callId = await this.callOffer(account, opts);
    await this.endCall(account, callId, opts);
    return callId;
  }

  private callStanza(tag: 'offer' | 'terminate', callId: string, opts: CallOptions, content?: BinaryNode[], reason?: string): BinaryNode {
    const lid = opts.addressing === 'lid';
    const from = lid ? this.lid : this.phoneJid;
    const info = node(tag, { 'call-id': callId, 'call-creator': from, caller_pn: lid ? this.phoneJid : undefined, reason }, content);
    return node('call', { from, id: generateMessageID(), t: unixNow(), notify: this.name }, [info]);
  }

  /** Texts received so far, in order (convenience for assertions). */
  texts(): (string | undefined)[] {
    return this.received.map((m) => m.text);
  }
}

/** Encodes a message as Baileys does (protobuf + random 1–16 byte padding). */
export function encodeMessage(message: proto.IMessage): Buffer {
  return encodeWAMessage(message);
}

/** Strips padding and decodes a decrypted message. */
export function decodeMessage(plaintext: Uint8Array): proto.Message {
  return proto.Message.decode(unpadRandomMax16(plaintext));
}
