import { describe, expect, it } from 'vitest';
import {
  conversationKey,
  inScope,
  normalizeJid,
  normalizePhone,
  parseContactEntry,
  senderKeys,
} from '../../../main/core/autoreply/scope.js';
import type { ContactScope } from '../../../main/core/autoreply/index.js';
import { groupMessage, inbound } from './fixtures.js';

describe('normalisation', () => {
  const jids: [string, string][] = [
    ['4915112345678@s.whatsapp.net', '4915112345678@s.whatsapp.net'],
    ['4915112345678:12@s.whatsapp.net', '4915112345678@s.whatsapp.net'],
    ['4915112345678_1:3@S.WhatsApp.Net', '4915112345678@s.whatsapp.net'],
    ['4915112345678@c.us', '4915112345678@s.whatsapp.net'],
    ['123456789012345:4@lid', '123456789012345@lid'],
  ];
  for (const [input, output] of jids) it(`JID ${input}`, () => expect(normalizeJid(input)).toBe(output));

  const phones: [string, string | undefined][] = [
    ['+49 151 1234 5678', '4915112345678'],
    ['+49 (0)151 1234-5678', '4915112345678'],
    ['0049 151 12345678', '4915112345678'],
    ['4915112345678', '4915112345678'],
    ['+1 (212) 555-0100', '12125550100'],
    ['12345', undefined],
    ['+49 151 1234 5678 9999', undefined],
    ['bob', undefined],
  ];
  for (const [input, output] of phones) it(`phone ${input}`, () => expect(normalizePhone(input)).toBe(output));

  it('entries yield keys; bad entries a reason', () => {
    expect(parseContactEntry('+49 151 1234 5678')).toEqual({ ok: true, keys: ['p:4915112345678'] });
    expect(parseContactEntry('4915112345678:3@s.whatsapp.net')).toEqual({
      ok: true,
      keys: ['j:4915112345678@s.whatsapp.net', 'p:4915112345678'],
    });
    expect(parseContactEntry('99887766554433@lid')).toEqual({ ok: true, keys: ['j:99887766554433@lid'] });
    expect(parseContactEntry('hello')).toMatchObject({ ok: false });
  });

  it('a LID sender with a known phone has both keys', () => {
    expect(senderKeys({ senderJid: '99887766554433:2@lid', senderPhone: '4915112345678' })).toEqual([
      'j:99887766554433@lid',
      'p:4915112345678',
    ]);
  });

  it('conversation keys are stable across device suffixes and prefer the phone', () => {
    expect(conversationKey(inbound({ chatJid: '4915112345678:7@s.whatsapp.net' }))).toBe('p:4915112345678');
    expect(conversationKey(inbound({ chatJid: '998877@lid', senderPhone: undefined }))).toBe('j:998877@lid');
    expect(conversationKey(groupMessage())).toBe('g:120363012345678901@g.us');
  });
});

describe('contact scope', () => {
  const anna = inbound({ chatJid: '4915112345678@s.whatsapp.net', senderPhone: '4915112345678' });
  const annaViaLid = inbound({ chatJid: '99887766554433@lid', senderPhone: '4915112345678' });
  const bob = inbound({ chatJid: '4917600000000@s.whatsapp.net', senderPhone: '4917600000000' });
  const lidOnly = inbound({ chatJid: '11223344556677@lid', senderPhone: undefined });
  const inGroup = groupMessage({ senderJid: '4917600000000@s.whatsapp.net', senderPhone: undefined });

  const only = (...contacts: string[]): ContactScope => ({ mode: 'only', contacts });
  const except = (...contacts: string[]): ContactScope => ({ mode: 'except', contacts });

  const cases: [string, ContactScope, typeof anna, boolean][] = [
    ['everyone', { mode: 'everyone' }, bob, true],
    ['only: listed by number', only('+49 151 1234 5678'), anna, true],
    ['only: listed by number, arrives via LID', only('+49 151 1234 5678'), annaViaLid, true],
    ['only: listed by JID', only('4915112345678@s.whatsapp.net'), anna, true],
    ['only: not listed', only('+49 151 1234 5678'), bob, false],
    ['only: LID listed', only('11223344556677@lid'), lidOnly, true],
    ['only: LID sender, number listed, phone unknown', only('+49 151 1234 5678'), lidOnly, false],
    ['except: listed', except('004915112345678'), anna, false],
    ['except: not listed', except('+49 151 1234 5678'), bob, true],
    ['only: group member listed', only('+49 176 00000000'), inGroup, true],
    ['only: group listed', only('120363012345678901@g.us'), inGroup, true],
    ['except: group listed', except('120363012345678901@g.us'), inGroup, false],
  ];
  for (const [what, scope, msg, result] of cases) {
    it(`${what} → ${result}`, () => expect(inScope(scope, msg)).toBe(result));
  }
});
