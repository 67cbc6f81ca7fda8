import { describe, expect, it } from 'vitest';
import type { WAMessage } from '@whiskeysockets/baileys';
import { toInbound } from '../../../main/core/inbound/index.js';
import { ACCOUNT_A } from '../outbox/fake-link.js';

const NOW = 1_800_000_000_000;
const msg = (m: Record<string, unknown>): WAMessage => m as unknown as WAMessage;
const key = (remoteJid: string, extra: Record<string, unknown> = {}) => ({ remoteJid, id: 'ABC123', fromMe: false, ...extra });

describe('toInbound', () => {
  it('reads a plain 1:1 text message', () => {
    const r = toInbound(
      msg({ key: key('15557770000@s.whatsapp.net'), message: { conversation: 'hi' }, pushName: 'Ann', messageTimestamp: 1_799_999_990 }),
      ACCOUNT_A,
      'notify',
      NOW,
    )!;
    expect(r.message).toEqual({
      id: 'ABC123',
      chatJid: '15557770000@s.whatsapp.net',
      senderJid: '15557770000@s.whatsapp.net',
      senderPhone: '15557770000',
      senderName: 'Ann',
      text: 'hi',
      timestamp: 1_799_999_990_000,
      fromMe: false,
      isGroup: false,
      mentionsMe: false,
      kind: 'chat',
      messageKind: 'text',
    });
    expect(r.keys).toEqual(['15557770000@s.whatsapp.net|ABC123']);
    expect(r.source).toBe('notify');
  });

  it.each([
    ['extended text', { extendedTextMessage: { text: 'ext' } }, 'ext'],
    ['image caption', { imageMessage: { caption: 'pic' } }, 'pic'],
    ['video caption', { videoMessage: { caption: 'vid' } }, 'vid'],
    ['document with caption', { documentWithCaptionMessage: { message: { documentMessage: { caption: 'doc' } } } }, 'doc'],
    ['ephemeral', { ephemeralMessage: { message: { extendedTextMessage: { text: 'eph' } } } }, 'eph'],
    ['view once', { viewOnceMessageV2: { message: { imageMessage: { caption: 'once' } } } }, 'once'],
    ['media without caption', { audioMessage: { seconds: 3 } }, ''],
  ])('takes the text of %s', (_name, message, text) => {
    expect(toInbound(msg({ key: key('15557770000@s.whatsapp.net'), message }), ACCOUNT_A, 'notify', NOW)?.message.text).toBe(text);
  });

  it.each([
    ['a reaction', { reactionMessage: { text: '👍' } }, 'reaction'],
    ['a revoke', { protocolMessage: { type: 0 } }, 'deletion'],
    ['an edit', { editedMessage: { message: { protocolMessage: { type: 14 } } } }, 'edit'],
  ])('passes %s on as a kind that is never answered, without its text', (_name, message, kind) => {
    const r = toInbound(msg({ key: key('15557770000@s.whatsapp.net'), message }), ACCOUNT_A, 'notify', NOW);
    expect(r?.message).toMatchObject({ messageKind: kind, text: '' });
  });

  it.each([
    ['key distribution only', { senderKeyDistributionMessage: { groupId: 'x' } }],
    ['no content (stub)', undefined],
  ])('ignores %s', (_name, message) => {
    expect(toInbound(msg({ key: key('15557770000@s.whatsapp.net'), message }), ACCOUNT_A, 'notify', NOW)).toBeUndefined();
  });

  it.each([
    ['status@broadcast', 'status'],
    ['12345678@broadcast', 'broadcast'],
    ['120363000000000000@newsletter', 'newsletter'],
    ['120363000000000001@g.us', 'group'],
    ['900000000000009@lid', 'chat'],
  ])('classifies %s as %s', (jid, kind) => {
    expect(toInbound(msg({ key: key(jid), message: { conversation: 'x' } }), ACCOUNT_A, 'notify', NOW)?.message.kind).toBe(kind);
  });

  it('sees a group mention of my phone JID or my LID (device suffix ignored)', () => {
    const group = (mentionedJid: string[]) =>
      toInbound(
        msg({
          key: key('120363000000000001@g.us', { participant: '15557770000:3@s.whatsapp.net' }),
          message: { extendedTextMessage: { text: '@me', contextInfo: { mentionedJid } } },
        }),
        ACCOUNT_A,
        'notify',
        NOW,
      )!.message;
    expect(group(['15550001111:12@s.whatsapp.net'])).toMatchObject({ mentionsMe: true, isGroup: true, senderJid: '15557770000@s.whatsapp.net' });
    expect(group(['900000000000001@lid']).mentionsMe).toBe(true);
    expect(group(['15559999999@s.whatsapp.net']).mentionsMe).toBe(false);
  });

  it('takes the phone number of a LID-addressed sender from remoteJidAlt and dedupes under both', () => {
    const r = toInbound(
      msg({
        key: key('900000000000009@lid', { remoteJidAlt: '15557770000@s.whatsapp.net' }),
        message: { conversation: 'x' },
        messageTimestamp: { toString: () => '1799999999' },
      }),
      ACCOUNT_A,
      'append',
      NOW,
    )!;
    expect(r.message.senderPhone).toBe('15557770000');
    expect(r.message.timestamp).toBe(1_799_999_999_000);
    expect(r.keys).toEqual(['900000000000009@lid|ABC123', '15557770000@s.whatsapp.net|ABC123']);
  });

  it('marks own messages and falls back to now without a timestamp', () => {
    const r = toInbound(msg({ key: key('15557770000@s.whatsapp.net', { fromMe: true }), message: { conversation: 'x' } }), ACCOUNT_A, 'append', NOW)!;
    expect(r.message.fromMe).toBe(true);
    expect(r.message.timestamp).toBe(NOW);
  });
});
