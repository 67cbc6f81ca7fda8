/**
 * The fake server's record of everything that happened, for assertions: connections, frames,
 * messages contacts received from clients, resent copies the server suppressed, messages relayed
 * between accounts, acks, receipts and iqs nobody handles. Kept in memory only; nothing here is
 * printed.
 */

/** Summary of one frame: its tag, attrs and first child tag (payloads are not kept). */
export interface FrameRecord {
  dir: 'in' | 'out';
  at: number;
  tag: string;
  attrs: Record<string, string>;
  child?: string;
  /** Message stanzas: the `type` of each direct `<enc>` child, in order. */
  encs?: string[];
}

export type ConnectionKind = 'pending' | 'registration' | 'login' | 'refused';

export interface ConnectionRecord {
  id: number;
  kind: ConnectionKind;
  openedAt: number;
  /** When the Noise handshake finished. */
  handshakeAt?: number;
  /** When `<success>` was sent. */
  loggedInAt?: number;
  /** When the offline queue was flushed (`<ib><offline/>` sent). */
  readyAt?: number;
  /** The `count` of that `<ib><offline count/>`: stanzas written as this login's offline batch. */
  offlineCount?: number;
  closedAt?: number;
  /** Why it closed: 'client-close', 'server-close', 'terminate', 'stream:error 515', 'failure 401', ... */
  closedReason?: string;
  /** Account phone number, once known (login or pairing). */
  account?: string;
  deviceId?: number;
  frames: FrameRecord[];
  framesIn: number;
  framesOut: number;
}

/** A message a contact (or an account's phone) decrypted from a client. */
export interface ReceivedMessage {
  /** Stanza id (`key.id` on the client). */
  id: string;
  /** Plain text (`conversation` or `extendedTextMessage.text`), if any. */
  text: string | undefined;
  /** Recipient: contact phone jid (or account phone jid for the own-phone copy). */
  to: string;
  /** The recipient's device that decrypted this copy (0: the phone). */
  deviceId: number;
  /** Group messages: the group jid. Absent for 1:1 messages. */
  chat?: string;
  /** Sending companion device, `PHONE:DEV@s.whatsapp.net`. */
  from: string;
  connectionId: number;
  /** ms epoch. `at` and `receivedAt` are the same value. */
  at: number;
  receivedAt: number;
  encType: string;
  /** The decoded protobuf message (`proto.IMessage`), for anything beyond text. */
  message: unknown;
}

export interface AckRecord {
  id: string;
  to: string;
  connectionId: number;
  at: number;
  /** 'dropped': the connection closed before a delayed ack was due. */
  outcome: 'sent' | 'withheld' | 'dropped';
}

export interface ClientReceiptRecord {
  id: string;
  type: string | undefined;
  to: string | undefined;
  connectionId: number;
  at: number;
}

export interface UnknownIqRecord {
  connectionId: number;
  at: number;
  xmlns: string | undefined;
  type: string | undefined;
  child: string | undefined;
}

/** Every stanza `<message>` a client sent, before any decryption. */
export interface ClientStanzaRecord {
  id: string;
  to: string;
  connectionId: number;
  at: number;
  recipients: string[];
}

/**
 * A copy of a client `<message>` the server did not deliver again because it had already accepted
 * that id from the same sender account, in the same chat, for the same recipient (duplicate
 * suppression, `dedupeClientMessages`). The stanza itself is still in `clientMessages` and is acked.
 */
export interface DuplicateSendRecord {
  id: string;
  /**
   * The recipient whose copy was suppressed: a contact's phone jid, an account's phone jid (device
   * 0, for example the sender's own phone), or a companion device jid `PHONE:DEV@s.whatsapp.net`.
   */
  to: string;
  /** The chat, as the stanza's `to` attr named it. */
  chat: string;
  /** The connection the duplicate arrived on. */
  connectionId: number;
  at: number;
}

/**
 * A message one account's client sent to another account, relayed by the server to a linked
 * companion device of the recipient (one entry per stanza written to a recipient connection). The
 * server cannot decrypt it, so there is no text: check it on the recipient's Baileys client.
 */
export interface CrossAccountRecord {
  id: string;
  /** Sending companion device, `PHONE:DEV@s.whatsapp.net`. */
  from: string;
  /** Receiving companion device, `PHONE:DEV@s.whatsapp.net`. */
  to: string;
  /** The chat as the sender addressed it: the recipient's phone jid or LID. */
  chat: string;
  /** The recipient's connection the stanza was written to. */
  connectionId: number;
  /** The sender's connection the stanza came from. */
  senderConnectionId: number;
  at: number;
  encType: string;
  /** Written as offline delivery (on a fresh login, with the `offline` attr). */
  offline: boolean;
}

/**
 * A retry receipt a fake party answered (contact or owner's phone → client): what the client
 * asked for and what the party did, as Baileys' `sendMessagesAgain` would.
 */
export interface RetryRecord {
  id: string;
  /** The asking device, `PHONE:DEV@s.whatsapp.net`. */
  device: string;
  /** `<retry count>`. */
  count: number;
  /** `<registration>` in the receipt. */
  registrationId: number | undefined;
  /** Whether it matched the registration id of the party's session with the device (undefined: no session). */
  registrationMatched: boolean | undefined;
  /** Where the new session's prekey bundle came from: the receipt's `<keys>`, or the server. */
  bundleFrom: 'receipt' | 'server';
  at: number;
}

/** A retry receipt a fake party (contact device or owner's phone) sent a client for a copy it could not decrypt. */
export interface RetryRequestRecord {
  id: string;
  /** The party's phone jid. */
  to: string;
  deviceId: number;
  /** `<retry count>`: 1 for the first request for this message, then 2, 3, ... */
  count: number;
  connectionId: number;
  at: number;
}

/** Frames kept per connection before older ones are dropped (counts stay exact). */
const MAX_FRAMES_PER_CONNECTION = 5000;

export class Recorder {
  readonly connections: ConnectionRecord[] = [];
  /** Every message a contact or own phone decrypted, in arrival order. */
  readonly messages: ReceivedMessage[] = [];
  /** Every `<message>` stanza clients sent, resends included. */
  readonly clientMessages: ClientStanzaRecord[] = [];
  /** Copies of resent stanzas the server acked but did not deliver again. */
  readonly duplicateSends: DuplicateSendRecord[] = [];
  /** Messages relayed from one account's client to another account's companion devices. */
  readonly crossAccount: CrossAccountRecord[] = [];
  readonly acks: AckRecord[] = [];
  readonly clientReceipts: ClientReceiptRecord[] = [];
  readonly unknownIqs: UnknownIqRecord[] = [];
  /** Retry receipts fake parties answered with a new copy. */
  readonly retries: RetryRecord[] = [];
  /** Retry receipts fake parties sent clients (the reverse of `retries`). */
  readonly retryRequests: RetryRequestRecord[] = [];
  /** Decryption failures on the server side (should stay empty). */
  readonly decryptErrors: { id: string; to: string; connectionId: number; error: string; encType?: string }[] = [];

  openConnection(id: number): ConnectionRecord {
    const rec: ConnectionRecord = { id, kind: 'pending', openedAt: Date.now(), frames: [], framesIn: 0, framesOut: 0 };
    this.connections.push(rec);
    return rec;
  }

  frame(rec: ConnectionRecord, f: FrameRecord): void {
    if (f.dir === 'in') rec.framesIn++;
    else rec.framesOut++;
    rec.frames.push(f);
    if (rec.frames.length > MAX_FRAMES_PER_CONNECTION) rec.frames.shift();
  }

  /**
   * Every copy a given recipient (a contact, or an account's phone) decrypted. With duplicate
   * suppression on (the default), a resent id appears once per recipient.
   */
  messagesTo(recipient: { phoneJid: string } | string): ReceivedMessage[] {
    const jid = typeof recipient === 'string' ? recipient : recipient.phoneJid;
    return this.messages.filter((m) => m.to === jid);
  }

  /** Copies of group messages that member devices decrypted (one entry per device). */
  groupMessages(groupJid: string): ReceivedMessage[] {
    return this.messages.filter((m) => m.chat === groupJid);
  }

  /** Copies with a given id (exactly-once checks: expect length 1). */
  messagesWithId(id: string): ReceivedMessage[] {
    return this.messages.filter((m) => m.id === id);
  }

  /** Messages relayed to `account`'s companion devices from other accounts (or to one device jid). */
  crossAccountTo(recipient: { phoneNumber: string } | string): CrossAccountRecord[] {
    if (typeof recipient !== 'string') return this.crossAccount.filter((m) => userOf(m.to) === recipient.phoneNumber);
    return this.crossAccount.filter((m) => (recipient.includes(':') ? m.to === recipient : userOf(m.to) === userOf(recipient)));
  }

  /** Connections for one account (phone number or account object). */
  connectionsOf(account: { phoneNumber: string } | string): ConnectionRecord[] {
    const phone = typeof account === 'string' ? account : account.phoneNumber;
    return this.connections.filter((c) => c.account === phone);
  }

  /** Frames received from clients with this tag (and optionally a first-child tag). */
  framesIn(tag: string, child?: string): FrameRecord[] {
    return this.connections.flatMap((c) =>
      c.frames.filter((f) => f.dir === 'in' && f.tag === tag && (child === undefined || f.child === child)),
    );
  }
}

/** The user part of a jid: `15550100001` for `15550100001:2@s.whatsapp.net`. */
function userOf(jid: string): string {
  return jid.split('@')[0]!.split(':')[0]!;
}
