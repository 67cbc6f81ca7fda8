/**
 * Noise XX responder (`Noise_XX_25519_AESGCM_SHA256`), the server half of Baileys'
 * `Utils/noise-handler.js`. Like Baileys it keeps one key and one nonce counter for the handshake
 * (reset on every MixKey) and uses the running hash as AAD; after `split()` each direction has its
 * own key and counter and an empty AAD.
 */
import {
  aesDecryptGCM,
  aesEncryptGCM,
  Curve,
  hkdf,
  NOISE_MODE,
  proto,
  sha256,
  type KeyPair,
} from '@whiskeysockets/baileys';
import { WA_INTRO } from './framing.js';

const EMPTY = Buffer.alloc(0);

function nonce(counter: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(counter, 8);
  return iv;
}

/** One direction of the post-handshake transport. */
class CipherState {
  private counter = 0;
  constructor(private readonly key: Uint8Array) {}
  encrypt(plaintext: Uint8Array): Buffer {
    return aesEncryptGCM(plaintext, this.key, nonce(this.counter++), EMPTY);
  }
  decrypt(ciphertext: Uint8Array): Buffer {
    return aesDecryptGCM(ciphertext, this.key, nonce(this.counter++), EMPTY);
  }
}

/** Result of the client's `clientFinish` message. */
export interface ClientFinish {
  /** The client's Noise static public key (`creds.noiseKey.public`). */
  clientStatic: Buffer;
  payload: proto.ClientPayload;
}

/** Server side of one connection's Noise handshake and transport. */
export class NoiseResponder {
  private hash: Buffer;
  private salt: Buffer;
  private key: Buffer;
  private counter = 0;
  private readonly ephemeral: KeyPair = Curve.generateKeyPair();
  private send: CipherState | undefined;
  private recv: CipherState | undefined;

  constructor(
    private readonly staticKeys: KeyPair,
    private readonly certChain: Uint8Array,
  ) {
    const mode = Buffer.from(NOISE_MODE);
    this.hash = mode.length === 32 ? mode : sha256(mode);
    this.salt = this.hash;
    this.key = this.hash;
  }

  get established(): boolean {
    return this.send !== undefined;
  }

  /** Handles the client's first frame (clientHello) and returns the serverHello frame payload. */
  respondToHello(frame: Uint8Array): Buffer {
    const hello = proto.HandshakeMessage.decode(frame).clientHello;
    const clientEphemeral = hello?.ephemeral;
    if (!clientEphemeral || clientEphemeral.length !== 32) throw new Error('clientHello without ephemeral');
    this.mixHash(WA_INTRO);
    this.mixHash(clientEphemeral);
    this.mixHash(this.ephemeral.public);
    this.mixKey(Curve.sharedKey(this.ephemeral.private, clientEphemeral));
    const staticEnc = this.encryptAndHash(this.staticKeys.public);
    this.mixKey(Curve.sharedKey(this.staticKeys.private, clientEphemeral));
    const payload = this.encryptAndHash(this.certChain);
    return Buffer.from(
      proto.HandshakeMessage.encode({
        serverHello: { ephemeral: this.ephemeral.public, static: staticEnc, payload },
      }).finish(),
    );
  }

  /** Handles clientFinish, then switches to transport mode. */
  readFinish(frame: Uint8Array): ClientFinish {
    const finish = proto.HandshakeMessage.decode(frame).clientFinish;
    if (!finish?.static || !finish.payload) throw new Error('clientFinish incomplete');
    const clientStatic = this.decryptAndHash(finish.static);
    this.mixKey(Curve.sharedKey(this.ephemeral.private, clientStatic));
    const payload = proto.ClientPayload.decode(this.decryptAndHash(finish.payload));
    const keys = Buffer.from(hkdf(EMPTY, 64, { salt: this.salt, info: '' }));
    this.recv = new CipherState(keys.subarray(0, 32));
    this.send = new CipherState(keys.subarray(32, 64));
    return { clientStatic, payload };
  }

  /** Encrypts one transport frame payload (server → client). */
  encrypt(plaintext: Uint8Array): Buffer {
    if (!this.send) throw new Error('noise transport not ready');
    return this.send.encrypt(plaintext);
  }

  /** Decrypts one transport frame payload (client → server). */
  decrypt(ciphertext: Uint8Array): Buffer {
    if (!this.recv) throw new Error('noise transport not ready');
    return this.recv.decrypt(ciphertext);
  }

  private mixHash(data: Uint8Array): void {
    this.hash = sha256(Buffer.concat([this.hash, data]));
  }

  private mixKey(ikm: Uint8Array): void {
    const out = Buffer.from(hkdf(Buffer.from(ikm), 64, { salt: this.salt, info: '' }));
    this.salt = out.subarray(0, 32);
    this.key = out.subarray(32, 64);
    this.counter = 0;
  }

  private encryptAndHash(plaintext: Uint8Array): Buffer {
    const out = aesEncryptGCM(plaintext, this.key, nonce(this.counter++), this.hash);
    this.mixHash(out);
    return out;
  }

  private decryptAndHash(ciphertext: Uint8Array): Buffer {
    const out = aesDecryptGCM(ciphertext, this.key, nonce(this.counter++), this.hash);
    this.mixHash(ciphertext);
    return out;
  }
}
