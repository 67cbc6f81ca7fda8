/**
 * The account owner's phone (device 0, the primary device) after pairing: it writes to contacts
 * and groups itself, and reads chats. Its linked devices (the Baileys clients) see both, as on
 * WhatsApp: a message the phone sent arrives as the device-sent copy (Baileys: `fromMe: true`),
 * and reading on the phone sends `<receipt type="read-self">` (Baileys: status READ in
 * `messages.update`, or `message-receipt.update` in a group). It also answers or declines a
 * contact's call: the linked devices, which rang too, get `<call><accept>` or `<call><reject>`
 * from the phone (Baileys: `call` events with status `accept` / `reject`).
 */
import { generateMessageID, type proto } from '@whiskeysockets/baileys';
import { node, unixNow, type BinaryNode } from './binary.js';
import type { FakeContact } from './contact.js';
import type { AccountInfo } from './directory.js';
import type { FakeGroup } from './group.js';
import { kinds } from './kinds.js';

export interface PhoneSendOptions {
  id: string;
  /** Message time, unix seconds. */
  t: number;
  /** Hold the copies for the linked devices' next login (offline delivery). */
  offline: boolean;
  /** 'pn' (default): `from=OWN_PN recipient=CHAT_PN`. 'lid': `from=OWN_LID recipient=CHAT_LID`. */
  addressing: 'pn' | 'lid';
}

export interface ReadSelfOptions {
  /** Groups: who sent the messages that were read. */
  sender?: string;
  /** Hold the receipt for the linked devices' next login. */
  offline?: boolean;
}

/** What the owner's phone needs from the server. */
export interface OwnerPhoneHost {
  sendFromPhone(account: AccountInfo, to: FakeContact, message: proto.IMessage, opts: PhoneSendOptions): Promise<void>;
  readSelf(account: AccountInfo, chat: string, ids: string[], opts: ReadSelfOptions): Promise<void>;
  /** A call stanza from the phone to each linked device. */
  callFromPhone(account: AccountInfo, call: BinaryNode, opts: { offline?: boolean }): Promise<void>;
}

export class FakeOwnerPhone {
  constructor(
    private readonly host: OwnerPhoneHost,
    readonly account: AccountInfo,
  ) {}

  /** The owner writes `text` to a contact from the phone. Resolves with the id once queued or written. */
  sendText(to: FakeContact, text: string, opts: Partial<PhoneSendOptions> = {}): Promise<string> {
    return this.sendMessage(to, kinds.text(text), opts);
  }

  /** The owner sends any message to a contact from the phone. */
  async sendMessage(to: FakeContact, message: proto.IMessage, opts: Partial<PhoneSendOptions> = {}): Promise<string> {
    const id = opts.id ?? generateMessageID();
    await this.host.sendFromPhone(this.account, to, message, {
      id,
      t: opts.t ?? Math.floor(Date.now() / 1000),
      offline: opts.offline ?? false,
      addressing: opts.addressing ?? 'pn',
    });
    return id;
  }

  /** The owner writes in a group from the phone (the account must be a member). */
  sendToGroup(group: FakeGroup, message: proto.IMessage | string, opts: { id?: string; offline?: boolean } = {}): Promise<string> {
    return group.sendMessage(this.account, typeof message === 'string' ? kinds.text(message) : message, opts);
  }

  /**
   * The owner opens a chat on the phone and reads `ids`: each linked device gets a read-self
   * receipt. `chat` is a contact (or its jid) or a group; in a group, pass `sender` (who wrote them).
   */
  readSelf(chat: FakeContact | FakeGroup | string, ids: string[], opts: ReadSelfOptions = {}): Promise<void> {
    const jid = typeof chat === 'string' ? chat : 'phoneJid' in chat ? chat.phoneJid : chat.jid;
    return this.host.readSelf(this.account, jid, ids, opts);
  }

  /**
   * The owner answers a contact's call (`callId`, from `FakeContact.callOffer`) on the phone:
   * `<call from="OWN_PN"><accept call-id call-creator="CALLER"/></call>` to each linked device.
   * The call goes on; the caller ends it later with `endCall(..., { reason: 'hangup' })`.
   */
  acceptCall(caller: FakeContact, callId: string, opts: { offline?: boolean } = {}): Promise<void> {
    return this.host.callFromPhone(this.account, this.callStanza('accept', caller, callId), opts);
  }

  /** The owner declines a contact's ringing call on the phone: `<call><reject call-id call-creator/>`. */
  rejectCall(caller: FakeContact, callId: string, opts: { offline?: boolean } = {}): Promise<void> {
    return this.host.callFromPhone(this.account, this.callStanza('reject', caller, callId), opts);
  }

  private callStanza(tag: 'accept' | 'reject', caller: FakeContact, callId: string): BinaryNode {
    const info = node(tag, { 'call-id': callId, 'call-creator': caller.phoneJid });
    return node('call', { from: this.account.phoneJid, id: generateMessageID(), t: unixNow() }, [info]);
  }
}
