/**
 * The phone's side of QR pairing (docs/whatsapp-protocol.md, "Pairing by QR"): parse the QR
 * the companion shows, sign an ADV device identity with the account key, wrap it with an HMAC
 * keyed by the companion's ADV secret, and check the companion's `pair-device-sign` reply (its
 * device signature).
 */
import {
  Curve,
  hmacSign,
  proto,
  WA_ADV_ACCOUNT_SIG_PREFIX,
  WA_ADV_DEVICE_SIG_PREFIX,
} from '@whiskeysockets/baileys';
import { child, node, type BinaryNode, unixNow, S_WHATSAPP_NET, bytesOf } from '../binary.js';
import type { Account } from '../directory.js';

/** The fields of a pairing QR: `https://wa.me/settings/linked_devices#REF,NOISE,IDENTITY,ADV,PLATFORM`. */
export interface ParsedQr {
  ref: string;
  noiseKey: Buffer;
  identityKey: Buffer;
  advSecret: Buffer;
  platform: string;
}

/** Parses a QR string exactly as Baileys builds it (`buildPairingQRData`). */
export function parseQr(qr: string): ParsedQr {
  const hash = qr.includes('#') ? qr.slice(qr.indexOf('#') + 1) : qr;
  const parts = hash.split(',');
  if (parts.length < 4) throw new Error('not a pairing QR');
  const [ref, noise, identity, adv, platform] = parts as [string, string, string, string, string | undefined];
  const parsed: ParsedQr = {
    ref,
    noiseKey: Buffer.from(noise, 'base64'),
    identityKey: Buffer.from(identity, 'base64'),
    advSecret: Buffer.from(adv, 'base64'),
    platform: platform ?? '',
  };
  if (parsed.noiseKey.length !== 32 || parsed.identityKey.length !== 32 || parsed.advSecret.length !== 32) {
    throw new Error('pairing QR keys have the wrong length');
  }
  return parsed;
}

export interface PairSuccess {
  stanza: BinaryNode;
  /** Encoded `ADVDeviceIdentity` the device signature must cover. */
  details: Uint8Array;
}

/** Builds the `<iq><pair-success>` the server relays from the phone. */
export function buildPairSuccess(
  account: Account,
  qr: ParsedQr,
  device: { deviceId: number; keyIndex: number },
  iqId: string,
): PairSuccess {
  const details = proto.ADVDeviceIdentity.encode({
    rawId: Math.floor(Math.random() * 0xffffffff),
    timestamp: Math.floor(Date.now() / 1000),
    keyIndex: device.keyIndex,
  }).finish();
  const accountSignatureKey = Buffer.from(account.accountKey.public);
  const accountSignature = Curve.sign(
    account.accountKey.private,
    Buffer.concat([WA_ADV_ACCOUNT_SIG_PREFIX, details, qr.identityKey]),
  );
  const signed = proto.ADVSignedDeviceIdentity.encode({ details, accountSignatureKey, accountSignature }).finish();
  const container = proto.ADVSignedDeviceIdentityHMAC.encode({
    details: signed,
    hmac: hmacSign(signed, qr.advSecret),
  }).finish();
  const stanza = node('iq', { from: S_WHATSAPP_NET, type: 'set', id: iqId, t: unixNow() }, [
    node('pair-success', {}, [
      node('device-identity', {}, container),
      node('platform', { name: 'android' }),
      node('device', { jid: account.deviceJid(device.deviceId), lid: account.deviceLid(device.deviceId) }),
      ...(account.name ? [node('biz', { name: account.name })] : []),
    ]),
  ]);
  return { stanza, details };
}

/**
 * Verifies the companion's `<pair-device-sign>` reply: same details, the account signature we made,
 * and a device signature by the companion identity key over `06 01 || details || identity || accountKey`.
 * Returns the key index on success; throws otherwise.
 */
export function verifyPairDeviceSign(reply: BinaryNode, account: Account, qr: ParsedQr, details: Uint8Array): number {
  const identityNode = child(child(reply, 'pair-device-sign'), 'device-identity');
  const bytes = bytesOf(identityNode);
  if (!identityNode || !bytes) throw new Error('pair-device-sign without device-identity');
  const signed = proto.ADVSignedDeviceIdentity.decode(bytes);
  if (!signed.details || !Buffer.from(signed.details).equals(Buffer.from(details))) {
    throw new Error('pair-device-sign details differ');
  }
  if (!signed.deviceSignature) throw new Error('pair-device-sign without device signature');
  const msg = Buffer.concat([WA_ADV_DEVICE_SIG_PREFIX, details, qr.identityKey, Buffer.from(account.accountKey.public)]);
  if (!Curve.verify(qr.identityKey, msg, signed.deviceSignature)) throw new Error('bad device signature');
  return Number(identityNode.attrs['key-index']);
}
