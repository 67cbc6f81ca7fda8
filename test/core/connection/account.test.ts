import { describe, expect, it } from 'vitest';
import { AccountMatcher, sameAccount } from '../../../main/core/connection/account.js';
import type { AccountIdentity } from '../../../main/contract/api.js';

const LINKED: AccountIdentity = { phoneJid: '15550001111@s.whatsapp.net', lid: '900000000000001@lid' };

const OTHERS: Array<[string, AccountIdentity, boolean]> = [
  ['the same account', { ...LINKED }, true],
  ['the same number on another device', { phoneJid: '15550001111:7@s.whatsapp.net' }, true],
  ['another number with the same LID', { phoneJid: '15550009999@s.whatsapp.net', lid: '900000000000001:3@lid' }, true],
  ['another number, no LID', { phoneJid: '15550009999@s.whatsapp.net' }, false],
  ['another number and LID', { phoneJid: '15550009999@s.whatsapp.net', lid: '900000000000009@lid' }, false],
  ['a JID that does not parse', { phoneJid: 'nonsense' }, false],
];

describe('the account check', () => {
  it.each(OTHERS)('answers as sameAccount for %s', (_what, other, same) => {
    expect(sameAccount(other, LINKED)).toBe(same);
    expect(new AccountMatcher(LINKED).matches(other)).toBe(same);
  });

  it('keeps answering right when the accounts asked about change, one after another', () => {
    const matcher = new AccountMatcher(LINKED);
    const asked = [...OTHERS, ...OTHERS.slice().reverse(), OTHERS[0]!, OTHERS[0]!, OTHERS[3]!, OTHERS[3]!, OTHERS[1]!];
    expect(asked.map(([, other]) => matcher.matches({ ...other }))).toEqual(asked.map(([, , same]) => same));
  });

  it('answers for the account it was made for, not for one changed in place afterwards', () => {
    const account: AccountIdentity = { ...LINKED };
    const matcher = new AccountMatcher(account);
    expect(matcher.isFor({ ...LINKED })).toBe(true);
    expect(matcher.isFor({ phoneJid: LINKED.phoneJid })).toBe(false);
    account.phoneJid = '15550002222@s.whatsapp.net';
    expect(matcher.isFor(account)).toBe(false);
    expect(matcher.matches({ phoneJid: '15550002222@s.whatsapp.net' })).toBe(false);
  });
});
