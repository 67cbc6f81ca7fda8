/**
 * Random ids drawn from a pool: one call into the CSPRNG per 4 KiB instead of one per id. A
 * `randomBytes` call per record (a reply id, an activity record id) showed as a measurable part
 * of the per-message CPU in the throughput benchmark. The bytes are the same CSPRNG's.
 */
import { randomBytes } from 'node:crypto';

const POOL_BYTES = 4_608; // 512 ids of 9 bytes

let pool = Buffer.alloc(0);
let offset = 0;

/** `bytes` fresh random bytes (never handed out twice), as text in `encoding`. */
export function randomText(bytes: number, encoding: 'hex' | 'base64url'): string {
  if (offset + bytes > pool.length) {
    pool = randomBytes(Math.max(POOL_BYTES, bytes));
    offset = 0;
  }
  const text = pool.toString(encoding, offset, offset + bytes);
  offset += bytes;
  return text;
}
