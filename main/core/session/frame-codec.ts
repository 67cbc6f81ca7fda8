/**
 * The payload codec of the key log: deflate each record, then seal it when a data key is given.
 * `RecordLog` turns a record into JSON and hands the bytes to a `ByteCipher`; this is one that
 * compresses first (JSON full of base64 shrinks to roughly the size of the raw key bytes), so the
 * log writes far fewer bytes than one JSON file per key.
 *
 * Payloads: plain `[0x5a 'Z'][deflate-raw]`; sealed `aesGcm.seal([0x5a][deflate-raw])` (sealed
 * payloads start with the cipher's version byte 0x01, never 0x5a).
 *
 * Integrity: a sealed record is authenticated by AES-GCM. A plain one (no key wrapper: tests,
 * headless without a keychain) is guarded by the log's CRC32 and by inflate itself.
 *
 * Reading a plain record with a data key is allowed and noted in `sawPlain`: that is a session
 * written before encryption was available; the store rewrites it sealed at once.
 * (Compressing before encrypting can leak through lengths when an attacker mixes chosen input
 * with secrets and watches sizes; nobody watches the sizes of these local records.)
 */
import { deflateRawSync, inflateRawSync, constants as zlib } from 'node:zlib';
import type { ByteCipher } from '../storage/cipher.js';

const DEFLATED = 0x5a;
/**
 * Preset deflate dictionary: the JSON that every record repeats (record frame, key type names,
 * Signal session field names, codec markers). With it a one-key record compresses well too,
 * not only big batches. Part of the format: never change it, add a new encoding byte instead.
 */
const DICTIONARY = Buffer.from(
  [
    '@lid","@g.us","@s.whatsapp.net",',
    '"tctoken":{"','{"token":{"$b":"','"timestamp":"','"senderTimestamp":',
    '"device-list":{"','"lid-mapping":{"','"identity-key":{"',
    '"app-state-sync-version":{"','{"version":','"hash":{"$b":"','"indexValueMap":{"','{"valueMac":{"$b":"',
    '"app-state-sync-key":{"','{"keyData":{"$b":"','"fingerprint":{"rawId":','"currentIndex":','"deviceIndexes":[',
    '"sender-key-memory":{"','"sender-key":{"','{"$t":"[{\\"senderKeyId\\":',
    '"pre-key":{"','{"public":{"$b":"','"},"private":{"$b":"',
    '"pendingPreKey":{"signedKeyId":','"preKeyId":',
    '"session":{"','{"_sessions":{"','":{"registrationId":','"currentRatchet":{"ephemeralKeyPair":{"pubKey":"',
    '","privKey":"','"},"lastRemoteEphemeralKey":"','","previousCounter":',',"rootKey":"',
    '"},"indexInfo":{"baseKey":"','","baseKeyType":',',"closed":-1,"used":',',"created":',',"remoteIdentityKey":"',
    '"},"_chains":{"','":{"chainKey":{"counter":',',"key":"','"},"chainType":',',"messageKeys":{',
    '"version":"v1"}','{"$d":{"','{"$x":1}','{"$b":"','{"v":1,"snap":1,"d":{"','{"v":1,"d":{"',
  ].join(''),
  'latin1',
);
/** No record inflates beyond this; a bigger one is damage, not data. */
const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

export interface LogCodec extends ByteCipher {
  /** A plain record was read although a data key is set. */
  readonly sawPlain: boolean;
}

export function logCodec(cipher?: ByteCipher): LogCodec {
  let sawPlain = false;
  const inflate = (b: Uint8Array): Buffer => {
    if (b[0] !== DEFLATED) throw new Error('unknown record encoding');
    return inflateRawSync(b.subarray(1), { maxOutputLength: MAX_INFLATED_BYTES, dictionary: DICTIONARY });
  };
  return {
    get sawPlain() {
      return sawPlain;
    },
    seal(plain) {
      // Level 1: nearly the ratio of level 6 on this data at a fraction of the time.
      const z = deflateRawSync(plain, { level: 1, strategy: zlib.Z_DEFAULT_STRATEGY, dictionary: DICTIONARY });
      const framed = Buffer.concat([Buffer.of(DEFLATED), z]);
      return cipher ? cipher.seal(framed) : framed;
    },
    open(payload) {
      if (payload[0] === DEFLATED) {
        if (cipher) sawPlain = true;
        return inflate(payload);
      }
      if (!cipher) throw new Error('sealed record, but no data key');
      return inflate(cipher.open(payload));
    },
  };
}
