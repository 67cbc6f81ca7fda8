import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compileGuardedRegex,
  REGEX_MAX_INPUT_LENGTH,
  REGEX_MAX_PATTERN_LENGTH,
} from '../../../main/core/autoreply/regex-guard.js';

function compile(pattern: string, caseSensitive = false) {
  const result = compileGuardedRegex(pattern, { caseSensitive });
  if (!result.ok) throw new Error(`rejected ${pattern}: ${result.reason}`);
  return result.regex;
}

// Safe patterns: the guarded engine must agree with JavaScript's own RegExp on every input.
const PATTERNS = [
  'hello',
  '^hi$',
  '\\bcat\\b',
  'a|b|c',
  '(ab|cd)+e',
  '[a-z]+\\d{2,3}$',
  '[^abc]',
  'colou?r',
  'x{2}y{1,}z{0,2}',
  '\\w+@\\w+\\.com',
  '[\\d-z]',
  '^\\s*$',
  'Ä',
  '[à-ÿ]',
  '\\u00e9',
  '\\x41',
  '.',
  '\\.',
  'a{',
  '}',
  '[]',
  '[^]',
  '(?:ab)*c',
  '(?<n>x)y',
  'ſ',
  '[K]',
  '\\B',
  '(a|)+b',
  '^(?:hi|hey|hello)\\b',
  'a.c',
  '\\t',
  '\\d{3}[- ]?\\d{4}',
  '[\\w.+-]+@[\\w-]+\\.[a-z]{2,}',
  '(price|cost)s?\\??$',
  'wie\\s+viel',
  '^\\S+$',
  '[\\s\\S]',
  '\\W',
  '\\D+',
  'a*?b',
  '(a|b)*?c',
  '[a\\-z]',
  '\\cJ',
  '[\\b]',
  '\\0',
  '😀',
  'é+',
  '[^a-z]',
  '[A-Z]+',
  '^[^\\s@]+@[^\\s@]+$',
  'stra(ß|ss)e',
  '\\bÄ',
  '[Ѐ-ӿ]+',
];

const INPUTS = [
  '',
  'hi',
  'Hi',
  'hello world',
  'HELLO',
  'concatenate',
  'the cat sat',
  'CAT',
  'ababe',
  'cde',
  'abc12',
  'abc1234',
  'color',
  'COLOUR',
  'xxyyyz',
  'me@ex.com',
  'first.last+tag@mail-host.de',
  '-',
  'q',
  '  ',
  'Äpfel',
  'äpfel',
  'é',
  'É',
  'Éé',
  'A',
  'a{',
  '}',
  'xy',
  's',
  'S',
  'k',
  'K',
  'ab',
  'b',
  'abc',
  'a\nc',
  '\t',
  'ſ',
  '555-1234',
  '5551234',
  'prices?',
  'What does it cost',
  'wie   viel kostet',
  'nospace',
  '\u0008',
  '\u0000',
  'hey 😀!',
  'heyyou',
  'hey you',
  'Straße',
  'STRASSE',
  'Привет',
  'a@b',
  'a @b',
];

describe('guarded regex: same answers as JavaScript RegExp', () => {
  for (const pattern of PATTERNS) {
    for (const caseSensitive of [false, true]) {
      it(`/${pattern}/${caseSensitive ? '' : 'i'}`, () => {
        const native = new RegExp(pattern, caseSensitive ? '' : 'i');
        const guarded = compile(pattern, caseSensitive);
        for (const input of INPUTS) {
          expect(guarded.test(input), JSON.stringify(input)).toBe(native.test(input));
        }
      });
    }
  }
});

describe('guarded regex: rejections', () => {
  const cases: [string, RegExp][] = [
    ['', /is empty/],
    ['a'.repeat(REGEX_MAX_PATTERN_LENGTH + 1), /too long \(201 characters; the limit is 200\)/],
    ['(a+)+', /too complex/],
    ['(a*)*b', /too complex/],
    ['(\\w+\\s?)*$', /too complex/],
    ['(?:x|(y+))+', /too complex/],
    ['(a{50}){50}', /too complex/],
    ['x{5000}', /too complex/],
    ['(a)\\1', /back-references like \\1/],
    ['\\k<n>(?<n>a)', /back-references like \\k<name>/],
    ['(?=a)b', /look-ahead and look-behind/],
    ['(?!a)b', /look-ahead and look-behind/],
    ['(?<=a)b', /look-ahead and look-behind/],
    ['(?<!a)b', /look-ahead and look-behind/],
    ['\\p{L}+', /Unicode property escapes/],
    ['\\u{1F600}', /\\u\{…\}/],
    ['\\012', /octal escapes/],
    ['(', /isn't a valid regular expression \(unterminated group\)/],
    ['a)', /isn't a valid regular expression/],
    ['[z-a]', /isn't a valid regular expression/],
    ['*a', /isn't a valid regular expression \(nothing to repeat\)/],
    ['a{3,1}', /isn't a valid regular expression/],
    ['\\', /isn't a valid regular expression/],
  ];
  for (const [pattern, reason] of cases) {
    it(`refuses ${JSON.stringify(pattern.slice(0, 30))}`, () => {
      const result = compileGuardedRegex(pattern);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).toMatch(reason);
    });
  }

  it('accepts bounded repetition inside repetition', () => {
    expect(compileGuardedRegex('(\\d{3}[- ]?){2}\\d{4}').ok).toBe(true);
    expect(compileGuardedRegex('(ab?)+').ok).toBe(true);
  });
});

describe('guarded regex: time and input bounds', () => {
  // Patterns that are catastrophic (exponential or high-polynomial) for a backtracking engine
  // on these inputs; accepted here because the engine is linear.
  const worst: [string, string][] = [
    ['(a|a)*b', 'a'.repeat(5_000)],
    ['(a|aa)*c', 'a'.repeat(5_000)],
    ['\\w+\\w+\\w+\\w+x', 'a'.repeat(5_000)],
    ['.*.*.*.*=', 'x'.repeat(5_000)],
    ['(\\d{1,9}\\s?){1,20}$', '1 '.repeat(3_000) + '!'],
    ['^[a-z]+[a-z]*[a-z]+[0-9]$', 'a'.repeat(5_000)],
  ];
  for (const [pattern, input] of worst) {
    it(`${pattern} on ${input.length} characters finishes quickly`, () => {
      const regex = compile(pattern, true);
      const started = performance.now();
      expect(regex.test(input)).toBe(false);
      // A backtracking engine needs minutes to years here; generous bound for a loaded CI box.
      expect(performance.now() - started).toBeLessThan(500);
    });
  }

  it(`searches only the first ${REGEX_MAX_INPUT_LENGTH} characters`, () => {
    const regex = compile('needle');
    const pad = 'x'.repeat(REGEX_MAX_INPUT_LENGTH - 6);
    expect(regex.test(pad + 'needle')).toBe(true);
    expect(regex.test(pad + 'x' + 'needle')).toBe(false);
  });

  it('does not invent an end of text at the cut', () => {
    const long = 'a'.repeat(REGEX_MAX_INPUT_LENGTH + 10);
    expect(compile('a$').test(long)).toBe(false);
    expect(compile('a\\b').test(long)).toBe(false);
    expect(compile('^a').test(long)).toBe(true);
  });
});

describe('guarded regex: generated patterns give the same answers as JavaScript RegExp', () => {
  // Letters whose case folding differs between JavaScript and Unicode (ſ, the Kelvin sign K,
  // ß), non-ASCII letters, digits, the word character _, spaces, line breaks and both halves of
  // a surrogate pair, so every translated rule is exercised.
  const UNITS = ['a', 'b', 'A', 'B', 's', 'S', 'k', 'K', '\u212a', '\u017f', 'é', 'É', 'ß', '0', '7', '_', ' ', '-', '.', '\t', '\n', '\u00a0', '\u200a', '\u2028', '\ufeff', '\ud83d', '\ude00'];
  const LITERALS = ['a', 'b', 'A', 's', 'k', 'K', 'ſ', 'é', 'É', 'ß', '0', '_', ' ', '-', '\\.', '\\n', '\\u00e9', '\\x41', '😀'];
  const ESCAPES = ['.', '\\d', '\\D', '\\w', '\\W', '\\s', '\\S'];
  const CLASS_ITEMS = ['a', 'b', 'Z', 'é', 'ſ', 'K', '0-9', 'a-f', 'A-Z', 'à-ÿ', '\\d', '\\w', '\\s', '\\W', '_', '\\-', '\\ud83d'];

  const quantifier = fc.oneof(
    fc.constantFrom('', '', '*', '+', '?', '*?', '+?'),
    fc.tuple(fc.nat(3), fc.option(fc.nat(3), { nil: undefined }), fc.boolean()).map(([m, extra, open]) =>
      open ? `{${m},}` : extra === undefined ? `{${m}}` : `{${m},${m + extra}}`,
    ),
  );
  const charClass = fc
    .tuple(fc.boolean(), fc.array(fc.constantFrom(...CLASS_ITEMS), { minLength: 1, maxLength: 4 }))
    .map(([negate, items]) => `[${negate ? '^' : ''}${items.join('')}]`);

  const { pattern } = fc.letrec<{ pattern: string; term: string; atom: string }>((tie) => ({
    pattern: fc.array(tie('term'), { minLength: 1, maxLength: 4 }).chain((first) =>
      fc.array(fc.array(tie('term'), { maxLength: 3 }), { maxLength: 2 }).map((rest) => [first, ...rest].map((a) => a.join('')).join('|')),
    ),
    term: fc.oneof(
      { weight: 5, arbitrary: fc.tuple(tie('atom'), quantifier).map(([a, q]) => a + q) },
      { weight: 1, arbitrary: fc.constantFrom('^', '$', '\\b', '\\B') },
    ),
    atom: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...LITERALS) },
      { weight: 2, arbitrary: fc.constantFrom(...ESCAPES) },
      { weight: 2, arbitrary: charClass },
      { weight: 1, depthSize: 'small', arbitrary: fc.tuple(fc.constantFrom('(?:', '('), tie('pattern')).map(([open, p]) => `${open}${p})`) },
    ),
  }));
  const input = fc.array(fc.constantFrom(...UNITS), { maxLength: 12 }).map((units) => units.join(''));

  it('for every pattern the guard accepts, on every input', () => {
    let compared = 0;
    fc.assert(
      fc.property(pattern, fc.boolean(), fc.array(input, { minLength: 1, maxLength: 8 }), (source, caseSensitive, inputs) => {
        const guarded = compileGuardedRegex(source, { caseSensitive });
        if (!guarded.ok) return; // refused (too complex): nothing to compare
        const native = new RegExp(source, caseSensitive ? '' : 'i');
        for (const text of inputs) {
          compared++;
          expect(guarded.regex.test(text), `/${source}/${caseSensitive ? '' : 'i'} on ${JSON.stringify(text)}`).toBe(native.test(text));
        }
      }),
      { numRuns: 400 },
    );
    // The generator must not have been refused into uselessness.
    expect(compared).toBeGreaterThan(1_000);
  });
});
