/**
 * One Signal identity on the fake server's side: a contact's phone or an account's own phone.
 * Holds an identity key, a signed prekey, one-time prekeys and an in-memory session store, and
 * encrypts / decrypts 1:1 messages with the `libsignal` package Baileys itself uses.
 */
import { Curve, generateSignalPubKey, type KeyPair } from '@whiskeysockets/baileys';
// Baileys' own sender-key (group) implementation; the package has no `exports` map, so the deep
// import is the same code the client runs.
import {
  GroupCipher,
  GroupSessionBuilder,
  SenderKeyDistributionMessage,
  SenderKeyName,
  SenderKeyRecord,
} from '@whiskeysockets/baileys/lib/Signal/Group/index.js';
import * as libsignal from 'libsignal';
import { decryptWithSessionCopies } from '../../main/core/session/session-trials.js';

/**
 * A phone's cipher: a message is tried on a copy of each session it holds, and only the session
 * that decrypts it changes, as in Signal's own libraries (libsignal's Node port changes every
 * session it tries; main/core/session/session-trials.ts has the details).
 */
class PhoneSessionCipher extends libsignal.SessionCipher {}
Object.defineProperty(PhoneSessionCipher.prototype, 'decryptWithSessions', { value: decryptWithSessionCopies });

/** A device's public prekey bundle, with raw 32-byte curve keys (no 0x05 prefix). */
export interface PreKeyBundle {
  registrationId: number;
  identityKey: Buffer;
  signedPreKey: { keyId: number; publicKey: Buffer; signature: Buffer };
  preKey?: { keyId: number; publicKey: Buffer };
}

/** A libsignal address: `name` must not contain '.'. */
export interface SignalAddress {
  name: string;
  device: number;
}

export type EncType = 'pkmsg' | 'msg';

interface LibKeyPair {
  pubKey: Buffer;
  privKey: Buffer;
}

function toLib(pair: KeyPair): LibKeyPair {
  return { pubKey: Buffer.from(generateSignalPubKey(pair.public)), privKey: Buffer.from(pair.private) };
}

/** Adds the 0x05 type byte libsignal expects on public keys. */
export function signalPub(key: Uint8Array): Buffer {
  return Buffer.from(generateSignalPubKey(key));
}

const PREKEY_BATCH = 20;

export class SignalParty {
  readonly identity: KeyPair;
  readonly registrationId: number;
  readonly signedPreKey: { keyId: number; keyPair: KeyPair; signature: Buffer };
  private readonly preKeys = new Map<number, KeyPair>();
  /** Prekey ids not yet handed out in a bundle. */
  private readonly unpublished: number[] = [];
  private nextPreKeyId = 1;
  private readonly sessions = new Map<string, Uint8Array>();
  private readonly storage: libsignal.SignalStorage;
  /** Sender keys (groups), by `SenderKeyName.toString()`: our own per group, and other members'. */
  private readonly senderKeys = new Map<string, SenderKeyRecord>();
  private readonly senderKeyStore = {
    loadSenderKey: async (name: SenderKeyName) => this.senderKeys.get(name.toString()) ?? new SenderKeyRecord(),
    storeSenderKey: async (name: SenderKeyName, record: SenderKeyRecord) => {
      this.senderKeys.set(name.toString(), record);
    },
  };

  constructor(identity: KeyPair = Curve.generateKeyPair()) {
    this.identity = identity;
    this.registrationId = 1 + Math.floor(Math.random() * 16380);
    const spk = Curve.generateKeyPair();
    this.signedPreKey = {
      keyId: 1,
      keyPair: spk,
      signature: Buffer.from(Curve.sign(identity.private, signalPub(spk.public))),
    };
    const ownIdentity = toLib(identity);
    this.storage = {
      loadSession: async (id) => {
        const raw = this.sessions.get(id);
        return raw ? libsignal.SessionRecord.deserialize(raw) : undefined;
      },
      storeSession: async (id, record) => {
        this.sessions.set(id, record.serialize());
      },
      isTrustedIdentity: () => true,
      loadPreKey: async (id) => {
        const pair = this.preKeys.get(Number(id));
        return pair ? toLib(pair) : undefined;
      },
      removePreKey: (id) => {
        this.preKeys.delete(Number(id));
      },
      loadSignedPreKey: () => toLib(this.signedPreKey.keyPair),
      getOurRegistrationId: () => this.registrationId,
      getOurIdentity: () => ownIdentity,
    };
  }

  /** This party's bundle; hands out (and reserves) one fresh one-time prekey, like the server. */
  takeBundle(): PreKeyBundle {
    if (this.unpublished.length === 0) {
      for (let i = 0; i < PREKEY_BATCH; i++) {
        const id = this.nextPreKeyId++;
        this.preKeys.set(id, Curve.generateKeyPair());
        this.unpublished.push(id);
      }
    }
    const preKeyId = this.unpublished.shift()!;
    return {
      registrationId: this.registrationId,
      identityKey: Buffer.from(this.identity.public),
      signedPreKey: {
        keyId: this.signedPreKey.keyId,
        publicKey: Buffer.from(this.signedPreKey.keyPair.public),
        signature: this.signedPreKey.signature,
      },
      preKey: { keyId: preKeyId, publicKey: Buffer.from(this.preKeys.get(preKeyId)!.public) },
    };
  }

  /** Whether an open session with `addr` exists. */
  async hasSession(addr: SignalAddress): Promise<boolean> {
    const raw = this.sessions.get(this.address(addr).toString());
    return !!raw && libsignal.SessionRecord.deserialize(raw).haveOpenSession();
  }

  /** Forgets every session with `addr` (e.g. that device was re-paired). */
  forgetSession(addr: SignalAddress): void {
    this.sessions.delete(this.address(addr).toString());
  }

  /** Registration id the open session with `addr` was built for (the remote device's), if any. */
  async sessionRegistrationId(addr: SignalAddress): Promise<number | undefined> {
    const raw = this.sessions.get(this.address(addr).toString());
    if (!raw) return undefined;
    // libsignal's typings leave out getOpenSession; its session entries carry the remote registrationId.
    const record = libsignal.SessionRecord.deserialize(raw) as unknown as {
      getOpenSession(): { registrationId?: number } | undefined;
    };
    const id = record.getOpenSession()?.registrationId;
    return typeof id === 'number' ? id : undefined;
  }

  /**
   * Starts a new outgoing session with `addr` from `bundle`. An open session is closed, not
   * deleted (libsignal keeps it in the record), so messages still in flight on it decrypt.
   */
  async startSession(addr: SignalAddress, b: PreKeyBundle): Promise<void> {
    await new libsignal.SessionBuilder(this.storage, this.address(addr)).initOutgoing({
      registrationId: b.registrationId,
      identityKey: signalPub(b.identityKey),
      signedPreKey: {
        keyId: b.signedPreKey.keyId,
        publicKey: signalPub(b.signedPreKey.publicKey),
        signature: b.signedPreKey.signature,
      },
      preKey: b.preKey
        ? { keyId: b.preKey.keyId, publicKey: signalPub(b.preKey.publicKey) }
        : (undefined as unknown as { keyId: number; publicKey: Uint8Array }),
    });
  }

  /**
   * Encrypts for `addr`, building a session from `bundle()` first if none is open.
   * Throws if there is no session and no bundle.
   */
  async encrypt(
    addr: SignalAddress,
    plaintext: Uint8Array,
    bundle: () => PreKeyBundle | undefined,
  ): Promise<{ type: EncType; ciphertext: Buffer }> {
    const address = this.address(addr);
    if (!(await this.hasSession(addr))) {
      const b = bundle();
      if (!b) throw new Error('no prekey bundle for this device');
      await this.startSession(addr, b);
    }
    const { type, body } = await new libsignal.SessionCipher(this.storage, address).encrypt(plaintext);
    return { type: type === 3 ? 'pkmsg' : 'msg', ciphertext: Buffer.from(body, 'binary') };
  }

  /** Decrypts a pkmsg/msg from `addr`. */
  async decrypt(addr: SignalAddress, type: string, ciphertext: Uint8Array): Promise<Buffer> {
    const cipher = new PhoneSessionCipher(this.storage, this.address(addr));
    if (type === 'pkmsg') return cipher.decryptPreKeyWhisperMessage(ciphertext);
    if (type === 'msg') return cipher.decryptWhisperMessage(ciphertext);
    throw new Error(`unsupported enc type ${type}`);
  }

  // ---------- groups (sender keys) ----------

  /**
   * Encrypts `paddedPlaintext` with our sender key for `group` (created on first use), as a
   * member's phone does for a group message. Returns the `skmsg` ciphertext and the sender key
   * distribution message (SKDM) at the state the ciphertext was made with.
   */
  async groupEncrypt(group: string, paddedPlaintext: Uint8Array): Promise<{ ciphertext: Buffer; skdm: Buffer }> {
    const name = this.ownSenderKeyName(group);
    const skdm = await new GroupSessionBuilder(this.senderKeyStore).create(name);
    const ciphertext = await new GroupCipher(this.senderKeyStore, name).encrypt(paddedPlaintext);
    return { ciphertext: Buffer.from(ciphertext), skdm: Buffer.from(skdm.serialize()) };
  }

  /** Our current SKDM for `group` (what a retry resend carries so the device can read what comes next). */
  async groupSkdm(group: string): Promise<Buffer> {
    const skdm = await new GroupSessionBuilder(this.senderKeyStore).create(this.ownSenderKeyName(group));
    return Buffer.from(skdm.serialize());
  }

  /** Stores another member's sender key for `group` from its SKDM; `sender` names that member's device. */
  async processSkdm(group: string, sender: SignalAddress, skdm: Uint8Array): Promise<void> {
    const message = new SenderKeyDistributionMessage(null, null, null, null, skdm);
    await new GroupSessionBuilder(this.senderKeyStore).process(this.senderKeyName(group, sender), message);
  }

  /** Whether we hold `sender`'s key for `group`. */
  hasSenderKey(group: string, sender: SignalAddress): boolean {
    const record = this.senderKeys.get(this.senderKeyName(group, sender).toString());
    return !!record && !record.isEmpty();
  }

  /** Decrypts another member's `skmsg` for `group` (padded plaintext). Throws without its sender key. */
  async groupDecrypt(group: string, sender: SignalAddress, ciphertext: Uint8Array): Promise<Buffer> {
    const plain = await new GroupCipher(this.senderKeyStore, this.senderKeyName(group, sender)).decrypt(ciphertext);
    return Buffer.from(plain);
  }

  private ownSenderKeyName(group: string): SenderKeyName {
    return this.senderKeyName(group, { name: 'self', device: 0 });
  }

  private senderKeyName(group: string, sender: SignalAddress): SenderKeyName {
    return new SenderKeyName(group, this.address(sender));
  }

  private address(addr: SignalAddress): libsignal.ProtocolAddress {
    return new libsignal.ProtocolAddress(addr.name, addr.device);
  }
}
