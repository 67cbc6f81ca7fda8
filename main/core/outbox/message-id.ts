/**
 * Message ids chosen by Replyline at enqueue time, in the shape WhatsApp Web uses
 * (`3EB0` + 18 uppercase hex digits, like Baileys' `generateMessageIDV2`), so the server and
 * the contact's phone treat them like any other web client's id.
 */
import { randomBytes } from 'node:crypto';

const ID_BYTES = 9;
/** Random bytes drawn 512 ids at a time: one call into the CSPRNG instead of one per reply. */
let pool = Buffer.alloc(0);
let offset = 0;

export function newMessageId(): string {
  if (offset + ID_BYTES > pool.length) {
    pool = randomBytes(ID_BYTES * 512);
    offset = 0;
  }
  const id = pool.toString('hex', offset, offset + ID_BYTES).toUpperCase();
  offset += ID_BYTES;
  return '3EB0' + id;
}

/** Ids we accept from callers: what WhatsApp accepts on the wire, kept conservative. */
export function isValidMessageId(id: string): boolean {
  return /^[0-9A-Za-z]{8,64}$/.test(id);
}
