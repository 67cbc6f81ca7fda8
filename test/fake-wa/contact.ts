/**
 * A fake contact: someone else's phone, with its own Signal identity. It sends text to an account's
 * linked devices (through the server's mailbox) and decrypts what those devices send it, keeping
 * every copy it receives so tests can count exactly-once delivery.
 */
import { encodeWAMessage, generateMessageID, proto, unpadRandomMax16 } from '@whiskeysockets/baileys';
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

/** What the server's router must do for a contact. */
export interface ContactHost {
  sendFromContact(
    contact: FakeContact,
    account: AccountInfo,
    message: proto.IMessage,
    opts: Required<Pick<SendTextOptions, 'id' | 'offline' | 'addressing'>> & { t: number; pushName: string },
  ): Promise<void>;
  sendReceiptFromContact(contact: FakeContact, toDevice: string, id: string, type?: 'read'): Promise<void>;
}

export type AutoReceipt = 'delivered' | 'read' | false;

export interface ContactOptions {
  name: string;
  phone?: string;
  lid?: string;
  /** Send a receipt back to the sending device for each message received (default off). */
  autoReceipt?: AutoReceipt;
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
  readonly party = new SignalParty();
  /** Every message this contact decrypted from a client, duplicates included, in arrival order. */
  readonly received: ReceivedMessage[] = [];
  autoReceipt: AutoReceipt;

  constructor(
    private readonly host: ContactHost,
    readonly name: string,
    readonly phoneNumber: string,
    readonly lidUser: string,
    autoReceipt: AutoReceipt = false,
  ) {
    this.phoneJid = `${phoneNumber}@s.whatsapp.net`;
    this.lid = `${lidUser}@lid`;
    this.autoReceipt = autoReceipt;
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
