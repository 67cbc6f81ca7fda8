import { describe, expect, it } from 'vitest';
import { memoizeString } from '../../../main/core/util/memo.js';

describe('memoizeString', () => {
  it('computes each input once, undefined results included', () => {
    const calls: string[] = [];
    const digits = memoizeString((s: string) => {
      calls.push(s);
      return /^\d+$/.test(s) ? s : undefined;
    });
    expect([digits('123'), digits('abc'), digits('123'), digits('abc')]).toEqual(['123', undefined, '123', undefined]);
    expect(calls).toEqual(['123', 'abc']);
  });

  it('keeps at most `max` results: when full it starts over', () => {
    const calls: string[] = [];
    const upper = memoizeString((s: string) => {
      calls.push(s);
      return s.toUpperCase();
    }, 2);
    upper('a');
    upper('b');
    upper('c'); // full: forgets a and b
    upper('c');
    upper('a');
    expect(calls).toEqual(['a', 'b', 'c', 'a']);
  });
});
