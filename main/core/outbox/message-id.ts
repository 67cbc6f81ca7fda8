/**
 * Message ids chosen by Replyline at enqueue time, in the shape WhatsApp Web uses
 * (`3EB0` + 18 uppercase hex digits, like Baileys' `generateMessageIDV2`), so the server and
 * the contact's phone treat them like any other web client's id.
 */
import { randomText } from '../util/random-pool.js';

const ID_BYTES = 9;

export function newMessageId(): string {
  return '3EB0' + randomText(ID_BYTES, 'hex').toUpperCase();
}

/** Ids we accept from callers: what WhatsApp accepts on the wire, kept conservative. */
export function isValidMessageId(id: string): boolean {
  return /^[0-9A-Za-z]{8,64}$/.test(id);
}
