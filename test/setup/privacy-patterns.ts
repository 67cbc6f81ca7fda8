/**
 * What must never appear in a log line, at any level. Shared by the suite-wide log
 * check (global-setup.ts) and the redaction unit tests.
 */

/** A JID with an unmasked user part (5 or more digits before the server). */
export const UNMASKED_JID = /\d{5,}(?::\d+)?@(?:s\.whatsapp\.net|c\.us|lid)/;
/** A pairing QR payload. */
export const QR_PAYLOAD = /linked_devices#|[A-Za-z0-9+/]{43}=,[A-Za-z0-9+/]{43}=,[A-Za-z0-9+/]{43}=/;
/**
 * A full phone number with country code: 11 to 15 digits in a row. Epoch times in milliseconds
 * (13 digits starting 16–19) are not numbers of anyone; seconds (10 digits) are too short.
 */
export const FULL_NUMBER = /(?<![\d.])\+?(?!1[6-9]\d{11}(?!\d))\d{11,15}(?![\d.])/;

export function findLeak(line: string, secrets: readonly string[]): string | undefined {
  if (UNMASKED_JID.test(line)) return 'jid';
  if (QR_PAYLOAD.test(line)) return 'qr';
  if (FULL_NUMBER.test(line)) return 'phone number';
  for (const s of secrets) if (s.length >= 6 && line.includes(s)) return 'message text';
  return undefined;
}
