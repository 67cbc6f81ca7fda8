import { describe, expect, it } from 'vitest';
import { maskPhone, HIDDEN_NUMBER } from '../../../main/core/replylog/index.js';
import { findLeak } from '../../setup/privacy-patterns.js';

describe('maskPhone', () => {
  it.each([
    ['15551231234@s.whatsapp.net', '+1 ••• ••• 12 34'],
    ['15551231234:7@s.whatsapp.net', '+1 ••• ••• 12 34'],
    ['+1 (555) 123-1234', '+1 ••• ••• 12 34'],
    ['447700900123', '+44 ••• ••• 01 23'],
    ['4917612345678', '+49 ••• ••• 56 78'],
    ['79161234567', '+7 ••• ••• 45 67'],
    ['353861234567', '+353 ••• ••• 45 67'],
    ['5511987654321@c.us', '+55 ••• ••• 43 21'],
  ])('masks %s as %s', (input, masked) => {
    expect(maskPhone(input)).toBe(masked);
  });

  it('says the number is hidden for LIDs, groups and nothing', () => {
    expect(maskPhone('900000000000001@lid')).toBe(HIDDEN_NUMBER);
    expect(maskPhone('120363000000000001@g.us')).toBe(HIDDEN_NUMBER);
    expect(maskPhone(undefined)).toBe(HIDDEN_NUMBER);
    expect(maskPhone('not a number')).toBe(HIDDEN_NUMBER);
  });

  it('masks short numbers too, and never leaks a full number', () => {
    expect(maskPhone('12345')).toBe('••• 45');
    for (const n of ['15551231234', '447700900123', '353861234567']) expect(findLeak(maskPhone(n), [])).toBeUndefined();
  });
});
