/**
 * The creds file: Baileys' `AuthenticationCreds` as one small file, replaced atomically
 * (temp + fsync + rename) on every save, so it is always either the old or the new creds.
 *
 * Layout: `"RLC1"` | u8 flags (bit 0: sealed) | u32 CRC32 of body | body, where body is the
 * creds tree (`tree-codec.ts`) as UTF-8 JSON, sealed by the data key when one is given.
 * The CRC catches damage to a plain file; a sealed one is also authenticated by AES-GCM.
 */
import { promises as fs } from 'node:fs';
import { crc32 } from 'node:zlib';
import type { AuthenticationCreds } from '@whiskeysockets/baileys';
import { writeFileAtomic } from '../storage/atomic-file.js';
import type { ByteCipher } from '../storage/cipher.js';
import { decodeValue, encodeValue, type Tree } from './tree-codec.js';

const MAGIC = Buffer.from('RLC1', 'latin1');
const HEADER = MAGIC.length + 1 + 4;
const SEALED = 1;

/** The file exists but cannot be read back as creds. */
export class CredsDamage extends Error {}

export interface LoadedCreds {
  creds: AuthenticationCreds;
  /** Stored in clear although a data key is set now (the store re-saves it sealed). */
  wasPlain: boolean;
}

/** Read the creds, `undefined` when there is no file. Throws `CredsDamage`, or the I/O error. */
export async function readCreds(file: string, cipher?: ByteCipher): Promise<LoadedCreds | undefined> {
  let data: Buffer;
  try {
    data = await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (data.length < HEADER || !data.subarray(0, MAGIC.length).equals(MAGIC)) throw new CredsDamage('not a creds file');
  const flags = data[MAGIC.length]!;
  const body = data.subarray(HEADER);
  if (crc32(body) !== data.readUInt32BE(MAGIC.length + 1)) throw new CredsDamage('creds checksum mismatch');
  const sealed = (flags & SEALED) !== 0;
  if (sealed && !cipher) throw new CredsDamage('creds are sealed, but no data key');
  let creds: unknown;
  try {
    const json = sealed ? cipher!.open(body) : body;
    creds = decodeValue(JSON.parse(json.toString('utf8')) as Tree);
  } catch (err) {
    throw new CredsDamage(`creds unreadable: ${(err as Error).message}`);
  }
  if (!looksLikeCreds(creds)) throw new CredsDamage('creds miss required fields');
  return { creds, wasPlain: !sealed && cipher !== undefined };
}

export async function writeCreds(file: string, creds: AuthenticationCreds, cipher?: ByteCipher): Promise<number> {
  const json = Buffer.from(JSON.stringify(encodeValue(creds)), 'utf8');
  const body = cipher ? cipher.seal(json) : json;
  const header = Buffer.alloc(HEADER);
  MAGIC.copy(header);
  header[MAGIC.length] = cipher ? SEALED : 0;
  header.writeUInt32BE(crc32(body), MAGIC.length + 1);
  const out = Buffer.concat([header, body]);
  await writeFileAtomic(file, out);
  return out.length;
}

/** The fields Baileys cannot do without; anything less is damage, not an old format. */
function looksLikeCreds(v: unknown): v is AuthenticationCreds {
  const c = v as Partial<AuthenticationCreds> | null;
  const isKeyPair = (k: unknown): boolean =>
    !!k && (k as { public?: unknown }).public instanceof Uint8Array && (k as { private?: unknown }).private instanceof Uint8Array;
  return (
    !!c &&
    typeof c === 'object' &&
    isKeyPair(c.noiseKey) &&
    isKeyPair(c.signedIdentityKey) &&
    isKeyPair(c.pairingEphemeralKeyPair) &&
    !!c.signedPreKey &&
    isKeyPair(c.signedPreKey.keyPair) &&
    c.signedPreKey.signature instanceof Uint8Array &&
    typeof c.registrationId === 'number' &&
    typeof c.advSecretKey === 'string'
  );
}
