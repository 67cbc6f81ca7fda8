/**
 * The fake server's Noise certificate chain.
 *
 * Baileys checks (noise-handler.js `processHandshake`): the intermediate is signed by
 * `WA_CERT_DETAILS.PUBLIC_KEY` and has `issuerSerial === WA_CERT_DETAILS.SERIAL` (0); the leaf is
 * signed by the intermediate's key. One test CA is shared by every server in the process, so
 * `installFakeCa` works no matter how many servers a test starts.
 */
import { Curve, proto, type KeyPair } from '@whiskeysockets/baileys';

/** The test root: a curve25519 key pair standing in for WhatsApp's root certificate key. */
export interface TestCa {
  readonly keyPair: KeyPair;
  readonly publicKey: Buffer;
}

let sharedCa: TestCa | undefined;

/** The process-wide test CA (created on first use). */
export function testCa(): TestCa {
  if (!sharedCa) {
    const keyPair = Curve.generateKeyPair();
    sharedCa = { keyPair, publicKey: Buffer.from(keyPair.public) };
  }
  return sharedCa;
}

const INTERMEDIATE_SERIAL = 0x1234;
const LEAF_SERIAL = 0x5678;

function certificate(
  details: proto.CertChain.NoiseCertificate.IDetails,
  signerPrivate: Uint8Array,
): proto.CertChain.INoiseCertificate {
  const encoded = proto.CertChain.NoiseCertificate.Details.encode(details).finish();
  return { details: encoded, signature: Curve.sign(signerPrivate, encoded) };
}

/**
 * Builds an encoded `proto.CertChain` for a server whose Noise static public key is `leafKey`:
 * CA → intermediate (issuerSerial 0) → leaf.
 */
export function buildCertChain(leafKey: Uint8Array, ca: TestCa = testCa()): Uint8Array {
  const intermediateKeys = Curve.generateKeyPair();
  const now = Math.floor(Date.now() / 1000);
  const validity = { notBefore: now - 3600, notAfter: now + 30 * 24 * 3600 };
  const intermediate = certificate(
    { serial: INTERMEDIATE_SERIAL, issuerSerial: 0, key: intermediateKeys.public, ...validity },
    ca.keyPair.private,
  );
  const leaf = certificate(
    { serial: LEAF_SERIAL, issuerSerial: INTERMEDIATE_SERIAL, key: leafKey, ...validity },
    intermediateKeys.private,
  );
  return proto.CertChain.encode({ intermediate, leaf }).finish();
}
