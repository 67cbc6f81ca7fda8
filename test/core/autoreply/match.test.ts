import { describe, expect, it } from 'vitest';
import { evaluateMatch, exactMatches, keywordsMatch } from '../../../main/core/autoreply/match.js';
import type { Match } from '../../../main/core/autoreply/index.js';

describe('exact', () => {
  const cases: [string, string, boolean, boolean][] = [
    // expected, text, caseSensitive, result
    ['Hi', 'hi', false, true],
    ['Hi', '  HI \n', false, true],
    ['Hi', 'hi', true, false],
    ['Hi', 'Hi', true, true],
    ['good morning', 'good   morning', false, true],
    ['good morning', 'good morning!', false, false],
    ['Hi', 'Hi there', false, false],
    ['café', 'cafe\u0301', false, true], // NFC: composed vs combining accent
    ['ÄRGER', 'ärger', false, true],
  ];
  for (const [expected, text, caseSensitive, result] of cases) {
    it(`${JSON.stringify(expected)} vs ${JSON.stringify(text)}${caseSensitive ? ' (case-sensitive)' : ''} → ${result}`, () => {
      expect(exactMatches(expected, text, caseSensitive)).toBe(result);
    });
  }
});

describe('keywords', () => {
  const cases: [string[], string, boolean][] = [
    [['price'], 'What is the price?', true],
    [['price'], 'PRICE', true],
    [['price'], 'priceless', false],
    [['price'], 'the prices', false],
    [['price', 'cost'], 'how much does it cost', true],
    [['opening hours'], 'your opening   hours please', true],
    [['opening hours'], 'opening times', false],
    [['c++'], 'do you teach C++?', true],
    [['c++'], 'abc++', false],
    [['#help'], 'need #help now', true],
    [['über'], 'Fragen über Preise', true],
    [['über'], 'Überall', false],
    [['café'], 'un cafe\u0301, svp', true],
    [['привет'], 'Привет!', true],
    [['привет'], 'приветствую', false],
    [['こんにちは'], '皆さん、こんにちは元気？', true], // no word spaces in Japanese
    [['你好'], '大家你好', true],
    [['👍'], 'ok 👍👍', true],
    [['hi'], 'hi', true],
    [['hi'], 'this', false],
    [['hi'], 'hi_there', false],
    [['hi'], '', false],
  ];
  for (const [keywords, text, result] of cases) {
    it(`${JSON.stringify(keywords)} in ${JSON.stringify(text)} → ${result}`, () => {
      expect(keywordsMatch(keywords, text)).toBe(result);
    });
  }
});

describe('evaluateMatch', () => {
  const cases: [Match, string, boolean, ReturnType<typeof evaluateMatch>][] = [
    [{ type: 'any' }, '', false, 'match'],
    [{ type: 'any' }, 'anything', false, 'match'],
    [{ type: 'first-message' }, 'hi', true, 'match'],
    [{ type: 'first-message' }, 'hi', false, 'seen-before'],
    [{ type: 'exact', text: 'yes', caseSensitive: false }, 'YES', false, 'match'],
    [{ type: 'exact', text: 'yes', caseSensitive: false }, 'yes please', false, 'no-text-match'],
    [{ type: 'keywords', keywords: ['urgent'] }, 'URGENT: call me', false, 'match'],
    [{ type: 'regex', pattern: '^order\\s*#?(\\d+)$', caseSensitive: false }, 'Order #123', false, 'match'],
    [{ type: 'regex', pattern: '^order\\s*#?(\\d+)$', caseSensitive: true }, 'Order #123', false, 'no-text-match'],
    [{ type: 'regex', pattern: '(a+)+', caseSensitive: false }, 'aaa', false, 'invalid-pattern'],
  ];
  for (const [match, text, firstContact, outcome] of cases) {
    it(`${JSON.stringify(match)} on ${JSON.stringify(text)} → ${outcome}`, () => {
      expect(evaluateMatch(match, text, { firstContact })).toBe(outcome);
    });
  }
});
