import { describe, expect, it } from 'vitest';
import { redactString, redactValue } from '../../../main/core/logging/redact.js';
import { findLeak } from '../../setup/privacy-patterns.js';

const QR =
  'https://wa.me/settings/linked_devices#2@abcDEF123==,' +
  'A'.repeat(43) + '=,' + 'B'.repeat(43) + '=,' + 'C'.repeat(43) + '=,7';

describe('redaction', () => {
  it.each([
    ['a JID', 'sent to 15557770001@s.whatsapp.net now'],
    ['a device JID', 'from 15557770001:12@s.whatsapp.net'],
    ['a LID', 'lid 123456789012345@lid'],
    ['a phone number', 'call +1 555 777 0001 please'],
    ['a bare number', 'user 15557770001'],
    ['a QR payload', QR],
  ])('masks %s in strings', (_n, input) => {
    const out = redactString(input);
    expect(findLeak(out, [])).toBeUndefined();
  });

  it('drops message text and QR fields, masks address fields, keeps the rest', () => {
    const out = redactValue({
      text: 'my secret message',
      message: { conversation: 'hello' },
      qr: QR,
      key: { remoteJid: '15557770001@s.whatsapp.net', id: 'ABC' },
      username: 15557770001,
      attempt: 3,
      t: 1763731200,
      payload: Buffer.from('secret'),
    }) as Record<string, unknown>;
    const line = JSON.stringify(out);
    expect(findLeak(line, ['my secret message', 'hello'])).toBeUndefined();
    expect(out.attempt).toBe(3);
    expect(out.t).toBe(1763731200);
    expect(out.payload).toBe('[6 bytes]');
    expect((out.key as Record<string, unknown>).id).toBe('ABC');
  });

  it('summarises protocol nodes to tag and masked attributes', () => {
    const node = { tag: 'message', attrs: { from: '15557770001@s.whatsapp.net', id: 'X' }, content: [{ tag: 'enc', attrs: {}, content: Buffer.alloc(10) }] };
    expect(redactValue({ node })).toEqual({ node: { tag: 'message', attrs: { from: '••••••••01@s.whatsapp.net', id: 'X' } } });
  });

  it('redacts errors without losing their status code', () => {
    const err = Object.assign(new Error('failed for 15557770001@s.whatsapp.net'), { output: { statusCode: 440 } });
    const out = redactValue(err) as Record<string, unknown>;
    expect(out.statusCode).toBe(440);
    expect(findLeak(JSON.stringify(out), [])).toBeUndefined();
  });
});
