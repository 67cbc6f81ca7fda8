import { describe, expect, it } from 'vitest';
import { isPhoneJid, isReplyableJid, normalizeJid, parseJid, sameUser } from '../../../main/core/connection/jid.js';

describe('jid helpers', () => {
  it('parse the same string to the same parts every time; a shared result cannot be changed', () => {
    const first = parseJid('15551234567_1:3@c.us');
    expect(first).toEqual({ user: '15551234567', device: 3, server: 's.whatsapp.net' });
    expect(parseJid('15551234567_1:3@c.us')).toEqual(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(() => {
      (first as { user: string }).user = 'x';
    }).toThrow(TypeError);
    expect(parseJid('15551234567_1:3@c.us')?.user).toBe('15551234567');
  });

  it('answer for strings that are not JIDs, every time', () => {
    for (let i = 0; i < 2; i++) {
      expect(parseJid('no-at-sign')).toBeUndefined();
      expect(parseJid('user@')).toBeUndefined();
      expect(parseJid('')).toBeUndefined();
      expect(parseJid(undefined)).toBeUndefined();
      expect(normalizeJid('no-at-sign')).toBe('no-at-sign');
    }
  });

  it('normalise, compare and classify as before', () => {
    expect(normalizeJid('1555:3@s.whatsapp.net')).toBe('1555@s.whatsapp.net');
    expect(normalizeJid('88001122:2@lid')).toBe('88001122@lid');
    expect(sameUser('1555:1@s.whatsapp.net', '1555@c.us')).toBe(true);
    expect(sameUser('1555@s.whatsapp.net', '1555@lid')).toBe(false);
    expect(isPhoneJid('15551234567@s.whatsapp.net')).toBe(true);
    expect(isPhoneJid('15551234567@lid')).toBe(false);
    expect(isReplyableJid('120363000000000000-1@g.us')).toBe(true);
    expect(isReplyableJid('status@broadcast')).toBe(false);
  });
});
