/**
 * Who exists on the fake network: accounts (each with its own "phone" identity and linked
 * companion devices), contacts, their phone numbers and LIDs, and the prekey bundles companions
 * uploaded. Resolves any user jid form (`PN@s.whatsapp.net`, `LID@lid`, with or without `:device`).
 */
import { Curve, jidDecode, type KeyPair } from '@whiskeysockets/baileys';
import { SignalParty, type PreKeyBundle } from './signal-party.js';

/** A companion device (a Baileys client) linked to an account. */
export interface CompanionDevice {
  readonly account: Account;
  readonly deviceId: number;
  readonly keyIndex: number;
  /** Noise static public key (`creds.noiseKey.public`); logins must present it. */
  readonly noiseKey: Buffer;
  /** Signal identity public key (32 bytes). */
  readonly identityKey: Buffer;
  registrationId: number;
  signedPreKey: { keyId: number; publicKey: Buffer; signature: Buffer };
  /** One-time prekeys uploaded and not yet handed out, in upload order. */
  readonly preKeys: Map<number, Buffer>;
  /** Platform reported at pairing (CompanionWebClientType from the QR). */
  readonly platform: string;
  readonly pairedAt: number;
  /** Set when unlinked (`server.unlinkDevice`); logins then fail with 401. */
  removedAt?: number;
}

/** Public view of an account, as returned by `server.createAccount`. */
export interface AccountInfo {
  readonly name: string;
  readonly phoneNumber: string;
  /** `PHONE@s.whatsapp.net` */
  readonly phoneJid: string;
  /** `LIDUSER@lid` */
  readonly lid: string;
  readonly lidUser: string;
}

/** A WhatsApp account: the user whose phone scans QR codes and whose devices Baileys becomes. */
export class Account implements AccountInfo {
  readonly phoneJid: string;
  readonly lid: string;
  /** The phone (device 0): its identity key is the ADV account signature key. */
  readonly phone: SignalParty;
  readonly devices = new Map<number, CompanionDevice>();
  private nextDeviceId = 1;
  private nextKeyIndex = 1;

  constructor(
    readonly name: string,
    readonly phoneNumber: string,
    readonly lidUser: string,
    accountKey: KeyPair = Curve.generateKeyPair(),
  ) {
    this.phoneJid = `${phoneNumber}@s.whatsapp.net`;
    this.lid = `${lidUser}@lid`;
    this.phone = new SignalParty(accountKey);
  }

  /** The ADV account key pair (the phone's identity key). */
  get accountKey(): KeyPair {
    return this.phone.identity;
  }

  /** Companion devices currently linked. */
  activeDevices(): CompanionDevice[] {
    return [...this.devices.values()].filter((d) => d.removedAt === undefined);
  }

  /** Reserves the device id and key index for the next pairing. */
  allocateDevice(): { deviceId: number; keyIndex: number } {
    return { deviceId: this.nextDeviceId++, keyIndex: this.nextKeyIndex++ };
  }

  /** `PHONE:DEV@s.whatsapp.net` */
  deviceJid(deviceId: number): string {
    return deviceId ? `${this.phoneNumber}:${deviceId}@s.whatsapp.net` : this.phoneJid;
  }

  /** `LIDUSER:DEV@lid` */
  deviceLid(deviceId: number): string {
    return deviceId ? `${this.lidUser}:${deviceId}@lid` : this.lid;
  }

  info(): AccountInfo {
    const { name, phoneNumber, phoneJid, lid, lidUser } = this;
    return { name, phoneNumber, phoneJid, lid, lidUser };
  }
}

/**
 * A peer on the network that is not an account: something with a name, numbers, a phone (device
 * 0, `party`) and possibly more devices of its own (`deviceIds`, each with its own identity).
 */
export interface ContactIdentity {
  readonly name: string;
  readonly phoneNumber: string;
  readonly phoneJid: string;
  readonly lid: string;
  readonly lidUser: string;
  readonly party: SignalParty;
  /** Its devices, 0 (the phone) first. */
  readonly deviceIds: readonly number[];
  /** The Signal identity of one of its devices. */
  partyOf(device: number): SignalParty | undefined;
}

/** A group on the fake network, as the directory knows it. */
export interface GroupIdentity {
  /** `ID@g.us` */
  readonly jid: string;
}

/** What a jid resolves to. */
export type Resolved<C extends ContactIdentity, G extends GroupIdentity = GroupIdentity> =
  | { kind: 'contact'; contact: C; device: number }
  | { kind: 'phone'; account: Account; device: 0 }
  | { kind: 'companion'; account: Account; device: number; companion?: CompanionDevice }
  | { kind: 'group'; group: G };

/** Uploaded bundle of a companion: public parts only. Takes (and deletes) one one-time prekey. */
export function takeCompanionBundle(device: CompanionDevice): PreKeyBundle {
  const first = device.preKeys.entries().next();
  let preKey: PreKeyBundle['preKey'];
  if (!first.done) {
    const [keyId, publicKey] = first.value;
    device.preKeys.delete(keyId);
    preKey = { keyId, publicKey };
  }
  return {
    registrationId: device.registrationId,
    identityKey: device.identityKey,
    signedPreKey: device.signedPreKey,
    preKey,
  };
}

export class Directory<C extends ContactIdentity, G extends GroupIdentity = GroupIdentity> {
  readonly accounts: Account[] = [];
  readonly contacts: C[] = [];
  readonly groups: G[] = [];
  private phoneSeq = 0;
  private groupSeq = 0;
  private lidSeq = 0;
  private readonly lidBase = 100_000_000_000_000 + Math.floor(Math.random() * 1e12);

  /** A fresh phone number in the fictional +1 555 range: accounts 1555010xxxx, contacts 1555020xxxx. */
  nextPhone(kind: 'account' | 'contact'): string {
    const n = ++this.phoneSeq;
    return `1555${kind === 'account' ? '01' : '02'}${n.toString().padStart(5, '0')}`;
  }

  /** A fresh 15-digit LID user. */
  nextLid(): string {
    return (this.lidBase + ++this.lidSeq).toString();
  }

  /** A fresh group id (the user part of `ID@g.us`), shaped like WhatsApp's: creator-less, 18 digits. */
  nextGroupId(): string {
    return (120_363_000_000_000_000n + BigInt(this.lidBase % 1e9) * 1000n + BigInt(++this.groupSeq)).toString();
  }

  addGroup(group: G): G {
    if (this.groups.some((g) => g.jid === group.jid)) throw new Error('group id already in use');
    this.groups.push(group);
    return group;
  }

  addAccount(account: Account): Account {
    this.assertFree(account.phoneNumber, account.lidUser);
    this.accounts.push(account);
    return account;
  }

  addContact(contact: C): C {
    this.assertFree(contact.phoneNumber, contact.lidUser);
    this.contacts.push(contact);
    return contact;
  }

  /** Account by phone number (the login `username`). */
  accountByPhone(phoneNumber: string): Account | undefined {
    return this.accounts.find((a) => a.phoneNumber === phoneNumber);
  }

  /** Resolves a user or device jid (PN or LID form), or a group jid. */
  resolve(jid: string | undefined): Resolved<C, G> | undefined {
    const decoded = jid ? jidDecode(jid) : undefined;
    if (!decoded?.user) return undefined;
    if (decoded.server === 'g.us') {
      const group = this.groups.find((g) => g.jid === `${decoded.user}@g.us`);
      return group ? { kind: 'group', group } : undefined;
    }
    const device = decoded.device ?? 0;
    const isLid = decoded.server === 'lid';
    const isPn = decoded.server === 's.whatsapp.net';
    if (!isLid && !isPn) return undefined;
    const matches = (x: { phoneNumber: string; lidUser: string }) =>
      isLid ? x.lidUser === decoded.user : x.phoneNumber === decoded.user;
    const contact = this.contacts.find(matches);
    if (contact) return contact.deviceIds.includes(device) ? { kind: 'contact', contact, device } : undefined;
    const account = this.accounts.find(matches);
    if (!account) return undefined;
    if (device === 0) return { kind: 'phone', account, device: 0 };
    return { kind: 'companion', account, device, companion: account.devices.get(device) };
  }

  private assertFree(phone: string, lid: string): void {
    const all = [...this.accounts, ...this.contacts];
    if (all.some((x) => x.phoneNumber === phone)) throw new Error('phone number already in use');
    if (all.some((x) => x.lidUser === lid)) throw new Error('lid already in use');
  }
}
