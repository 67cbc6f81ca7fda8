/**
 * Masked phone numbers for the reply log and the window: the country code and the last four
 * digits, nothing else, in a fixed shape that does not even reveal the number's length —
 * `+1 ••• ••• 12 34`. A contact known only by LID (WhatsApp hides the number) shows as such.
 */
import { parseJid } from '../connection/jid.js';
import { memoizeString } from '../util/memo.js';

/** ITU-T E.164 country codes of one and two digits; every other code has three. */
const ONE_DIGIT = new Set(['1', '7']);
const TWO_DIGIT = new Set(
  (
    '20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 ' +
    '60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98'
  ).split(' '),
);

export const HIDDEN_NUMBER = 'number hidden';

export function countryCodeOf(digits: string): string {
  if (ONE_DIGIT.has(digits.slice(0, 1))) return digits.slice(0, 1);
  if (TWO_DIGIT.has(digits.slice(0, 2))) return digits.slice(0, 2);
  return digits.slice(0, 3);
}

/**
 * Mask a phone number given as a JID (`15551234567@s.whatsapp.net`), `+15551234567` or digits.
 * LID, group and other non-phone JIDs give `number hidden`.
 */
export function maskPhone(input: string | undefined): string {
  return input ? maskedPhone(input) : HIDDEN_NUMBER;
}

/** Remembered per string: every decision masks its contact twice (reply log and activity record). */
const maskedPhone = memoizeString((input: string): string => {
  let digits: string;
  if (input.includes('@')) {
    const jid = parseJid(input);
    if (!jid || jid.server !== 's.whatsapp.net') return HIDDEN_NUMBER;
    digits = jid.user;
  } else {
    digits = input.replace(/[\s().+-]/g, '');
  }
  if (!/^\d+$/.test(digits)) return HIDDEN_NUMBER;
  if (digits.length < 8) return '••• ' + digits.slice(-2);
  const last4 = digits.slice(-4);
  return `+${countryCodeOf(digits)} ••• ••• ${last4.slice(0, 2)} ${last4.slice(2)}`;
});
