/**
 * A group on the fake network: its id, subject, addressing mode and members (contacts and
 * accounts). The server answers Baileys' metadata query with it (`<iq xmlns="w:g2">`, see iq.ts),
 * and fans a member's message out to every other member device. A member sends with
 * `group.sendText(member, text)`; a contact's message reaches every linked device of the member
 * accounts, with the contact's sender key the first time, as on WhatsApp.
 */
import { generateMessageID, type proto } from '@whiskeysockets/baileys';
import { node, type BinaryNode } from './binary.js';
import type { FakeContact } from './contact.js';
import type { PartySender } from './deliveries.js';
import type { Account, AccountInfo, GroupIdentity } from './directory.js';
import { kinds } from './kinds.js';

export type GroupAddressing = 'lid' | 'pn';

/** A member: a contact, or an account (its phone is the member's device 0; its linked devices follow). */
export interface GroupMember {
  contact?: FakeContact;
  account?: Account;
  /** `admin` / `superadmin` (the creator), as WhatsApp marks them. */
  admin?: 'admin' | 'superadmin';
}

export interface GroupSendOptions {
  /** Stanza id; default a random one. */
  id: string;
  /** Message time, unix seconds. */
  t: number;
  /** Hold for the members' next login (offline delivery). */
  offline: boolean;
}

/** What a group needs from the server. */
export interface GroupHost {
  sendToGroup(group: FakeGroup, from: PartySender, message: proto.IMessage, opts: GroupSendOptions): Promise<void>;
}

/** Who a member is, in the fields every kind of member has. */
function identity(m: GroupMember): { name: string; phoneJid: string; lid: string; phoneNumber: string } {
  const who = m.contact ?? m.account;
  if (!who) throw new Error('a group member is a contact or an account');
  return who;
}

export class FakeGroup implements GroupIdentity {
  readonly jid: string;
  readonly creation = Math.floor(Date.now() / 1000);
  /** `SENDER_PN|DEVICE_JID`: which devices got which fake sender's key (the server's sender-key memory). */
  readonly keyHolders = new Set<string>();

  constructor(
    private readonly host: GroupHost,
    /** The user part of the jid (`ID@g.us`). */
    readonly id: string,
    readonly subject: string,
    readonly addressingMode: GroupAddressing,
    readonly members: GroupMember[],
    private readonly senderOf: (member: GroupMember) => PartySender,
  ) {
    this.jid = `${id}@g.us`;
  }

  /** The member for a contact or an account, if it is in the group. */
  member(who: FakeContact | AccountInfo): GroupMember | undefined {
    return this.members.find((m) => identity(m).phoneNumber === who.phoneNumber);
  }

  /** A member's jid as this group names members: LID in a LID group, PN otherwise. */
  memberJid(who: FakeContact | AccountInfo): string {
    return this.addressingMode === 'lid' ? who.lid : who.phoneJid;
  }

  /** A member (a contact, or an account's phone) sends text. Resolves with the id once queued or written. */
  sendText(from: FakeContact | AccountInfo, text: string, opts: Partial<GroupSendOptions> = {}): Promise<string> {
    return this.sendMessage(from, kinds.text(text), opts);
  }

  /** A member sends any message (`kinds.mention(...)` for @-mentions). */
  async sendMessage(from: FakeContact | AccountInfo, message: proto.IMessage, opts: Partial<GroupSendOptions> = {}): Promise<string> {
    const member = this.member(from);
    if (!member) throw new Error('only a member can send to the group');
    const id = opts.id ?? generateMessageID();
    await this.host.sendToGroup(this, this.senderOf(member), message, {
      id,
      t: opts.t ?? Math.floor(Date.now() / 1000),
      offline: opts.offline ?? false,
    });
    return id;
  }

  /**
   * `<group>` as the server answers `<query request="interactive"/>`: LID groups list members by
   * LID with `phone_number`, PN groups by phone number with `lid`.
   */
  metadataNode(): BinaryNode {
    const creator = this.members.find((m) => m.admin === 'superadmin') ?? this.members[0];
    const creatorJid = creator ? this.jidOf(creator) : undefined;
    return node(
      'group',
      {
        id: this.id,
        subject: this.subject,
        s_t: this.creation,
        s_o: creatorJid,
        creation: this.creation,
        creator: creatorJid,
        addressing_mode: this.addressingMode,
        size: this.members.length,
      },
      this.members.map((m) => {
        const who = identity(m);
        const alt = this.addressingMode === 'lid' ? { phone_number: who.phoneJid } : { lid: who.lid };
        return node('participant', { jid: this.jidOf(m), ...alt, type: m.admin });
      }),
    );
  }

  private jidOf(m: GroupMember): string {
    const who = identity(m);
    return this.addressingMode === 'lid' ? who.lid : who.phoneJid;
  }
}
