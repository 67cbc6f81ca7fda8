/**
 * Guarded regular expressions for auto-reply rules.
 *
 * A rule's regex comes from a person (or a pasted snippet) and runs on text that anyone on
 * WhatsApp can send, so a backtracking engine (JavaScript's own RegExp) would let one message
 * with a crafted body freeze the app (ReDoS). The guard, in layers:
 *
 * 1. **Length**: a pattern is at most {@link REGEX_MAX_PATTERN_LENGTH} characters.
 * 2. **Syntax**: it must be a valid JavaScript regex (checked by compiling it, never running it),
 *    written without the features that cannot run in linear time: back-references (`\1`,
 *    `\k<name>`), look-arounds (`(?=…)`, `(?!…)`, `(?<=…)`, `(?<!…)`), and the rarer escapes
 *    `\p{…}`, `\u{…}`, octal. Each gets its own plain message. The pattern is parsed as
 *    JavaScript parses it (`@eslint-community/regexpp`), never by hand.
 * 3. **Shape**: a repeated part inside another repeated part where both are unbounded
 *    (`(a+)+`, `(\w*\s?)*`) is refused as "too complex". The engine would survive it, but it is
 *    the classic catastrophic shape and is nearly always a mistake; refusing it also keeps the
 *    pattern safe if anyone previews it with a backtracking engine (a browser, regex101).
 * 4. **Size**: counted repeats are expanded; the pattern may stand for at most
 *    {@link REGEX_MAX_PROGRAM_SIZE} steps (`(a{50}){50}` is refused), and counted repeats nested
 *    in each other may multiply to at most 1,000 (RE2's own limit).
 * 5. **Engine**: the pattern is translated into RE2 syntax and run by `re2js`, a JavaScript port
 *    of RE2: linear in the input whatever the pattern, so the worst case is bounded by the input
 *    limit below.
 * 6. **Input**: only the first {@link REGEX_MAX_INPUT_LENGTH} UTF-16 units of a message are
 *    searched (a match must start and end inside them; `$` and `\b` still look at the real
 *    next character, so a cut never invents an end of text).
 *
 * Meaning: the same as JavaScript's RegExp without the `u` flag, which the translation keeps
 * rather than RE2's own rules: UTF-16 code units (an emoji is two characters for `.`), ASCII
 * `\w`, `\d` and `\b`, JavaScript's `\s` and line terminators for `.`, and `i` folding by
 * JavaScript's Canonicalize (so `/s/i` does not match `ſ`, as in a browser). Only whether the
 * text matches is answered, so greedy/lazy quantifiers and capture groups make no difference and
 * are accepted. Flags: case-insensitive or not; `^`/`$` are start/end of the text.
 * test/core/autoreply/regex-guard.test.ts checks these answers against RegExp, by example and
 * with generated patterns. What changed with re2js: counted repeats nested in each other are
 * refused past a product of 1,000 (`(a{50}){30}`), which the hand-written engine accepted up to
 * its size limit; and in a message cut at the input limit whose first 2,000 units hold every
 * ASCII letter, digit and `_`, `\b` right at the cut treats the next character as a non-letter.
 */
import { createRequire } from 'node:module';
import type * as Regexpp from '@eslint-community/regexpp';
import type { AST } from '@eslint-community/regexpp';
import type * as Re2 from 're2js';

// Loaded at the first pattern, not at start: most people have no pattern rule, and the two
// libraries cost about 17 ms of a headless cold start (BENCHMARKS.md).
const load = createRequire(import.meta.url);
let regexpp: typeof Regexpp | undefined;
let re2: typeof Re2 | undefined;
const newParser = (): Regexpp.RegExpParser => new (regexpp ??= load('@eslint-community/regexpp') as typeof Regexpp).RegExpParser();
const RE2 = (): typeof Re2.RE2JS => (re2 ??= load('re2js') as typeof Re2).RE2JS;

export const REGEX_MAX_PATTERN_LENGTH = 200;
export const REGEX_MAX_INPUT_LENGTH = 2_000;
export const REGEX_MAX_PROGRAM_SIZE = 2_000;

export interface GuardedRegex {
  readonly pattern: string;
  readonly caseSensitive: boolean;
  /** Does the text (its first REGEX_MAX_INPUT_LENGTH units) contain a match? */
  test(text: string): boolean;
}

export type GuardResult = { ok: true; regex: GuardedRegex } | { ok: false; reason: string };

/** Check and compile a rule's pattern. `reason` is a plain sentence fragment for a person. */
export function compileGuardedRegex(pattern: string, options: { caseSensitive?: boolean } = {}): GuardResult {
  const caseSensitive = options.caseSensitive ?? false;
  if (pattern.length === 0) return { ok: false, reason: 'the pattern is empty' };
  if (pattern.length > REGEX_MAX_PATTERN_LENGTH) {
    return {
      ok: false,
      reason: `the pattern is too long (${pattern.length} characters; the limit is ${REGEX_MAX_PATTERN_LENGTH})`,
    };
  }
  try {
    // Compile only, to reject what JavaScript itself would reject; never executed.
    new RegExp(pattern, caseSensitive ? '' : 'i');
  } catch (err) {
    const detail = err instanceof Error ? (err.message.split(': ').pop() ?? '') : '';
    return {
      ok: false,
      reason: detail
        ? `the pattern isn't a valid regular expression (${detail.charAt(0).toLowerCase()}${detail.slice(1)})`
        : "the pattern isn't a valid regular expression",
    };
  }
  try {
    const ast = newParser().parsePattern(pattern, 0, pattern.length, { unicode: false });
    checkFeatures(ast, pattern);
    if (programSize(ast) + 1 > REGEX_MAX_PROGRAM_SIZE) throw tooBig();
    return { ok: true, regex: new Re2Regex(pattern, caseSensitive, ast) };
  } catch (err) {
    if (err instanceof GuardError) return { ok: false, reason: err.message };
    throw err;
  }
}

class GuardError extends Error {}

function tooBig(): GuardError {
  return new GuardError(
    `the pattern is too complex (it expands to more than ${REGEX_MAX_PROGRAM_SIZE.toLocaleString('en-US')} steps; use smaller {n,m} counts)`,
  );
}

// ---------------------------------------------------------------------------------------------
// Layers 2 and 3: features that cannot run in linear time, and the catastrophic shape

type Node = AST.Alternative | AST.Element | AST.CharacterClassElement;

function checkFeatures(root: AST.Pattern, src: string): void {
  const visit = (node: Node | AST.Pattern): void => {
    switch (node.type) {
      case 'Pattern':
      case 'Group':
      case 'CapturingGroup':
        if (node.type === 'Group' && node.modifiers) {
          throw new GuardError("groups of the form (?…) other than (?:…) and (?<name>…) aren't supported");
        }
        return node.alternatives.forEach(visit);
      case 'Alternative':
        return node.elements.forEach(visit);
      case 'CharacterClass':
        return node.elements.forEach(visit);
      case 'CharacterClassRange':
        visit(node.min);
        return visit(node.max);
      case 'Quantifier':
        if (node.min > REGEX_MAX_PROGRAM_SIZE || (node.max !== Infinity && node.max > REGEX_MAX_PROGRAM_SIZE)) throw tooBig();
        if (node.max === Infinity && hasUnboundedRepeat(node.element)) {
          throw new GuardError('the pattern is too complex (it repeats a part that itself repeats without limit, like (a+)+)');
        }
        return visit(node.element);
      case 'Backreference':
        throw new GuardError(
          node.raw.startsWith('\\k') ? "back-references like \\k<name> aren't supported" : "back-references like \\1 aren't supported",
        );
      case 'Assertion':
        if (node.kind === 'lookahead' || node.kind === 'lookbehind') {
          throw new GuardError("look-ahead and look-behind groups like (?=…) and (?<!…) aren't supported");
        }
        return;
      case 'Character':
        return checkEscape(node, src);
      default:
        return;
    }
  };
  visit(root);
}

/** Escapes JavaScript accepts (Annex B) but that almost always mean something else than written. */
function checkEscape(node: AST.Character, src: string): void {
  const raw = node.raw;
  if (raw === '\\p' || raw === '\\P') throw new GuardError("Unicode property escapes like \\p{L} aren't supported");
  if (raw === '\\u' && src[node.end] === '{') throw new GuardError("the escape \\u{…} isn't supported; write \\uXXXX instead");
  if (/^\\[1-9]/.test(raw)) throw new GuardError("back-references like \\1 aren't supported");
  if (/^\\0[0-9]/.test(raw)) throw new GuardError("octal escapes like \\012 aren't supported; write \\x0A instead");
  if (raw === '\\' && src[node.end] === 'c') throw new GuardError('the escape \\c must be followed by a letter');
}

function hasUnboundedRepeat(node: Node): boolean {
  switch (node.type) {
    case 'Quantifier':
      return node.max === Infinity || hasUnboundedRepeat(node.element);
    case 'Group':
    case 'CapturingGroup':
      return node.alternatives.some(hasUnboundedRepeat);
    case 'Alternative':
      return node.elements.some(hasUnboundedRepeat);
    default:
      return false;
  }
}

/** How many steps the pattern stands for once counted repeats are written out. */
function programSize(node: Node | AST.Pattern): number {
  switch (node.type) {
    case 'Pattern':
    case 'Group':
    case 'CapturingGroup':
      return node.alternatives.reduce((n, a) => n + programSize(a), 0) + node.alternatives.length - 1;
    case 'Alternative':
      return node.elements.reduce((n, e) => n + programSize(e), 0);
    case 'Quantifier': {
      const body = programSize(node.element);
      const optional = node.max === Infinity ? body + 1 : (node.max - node.min) * (body + 1);
      return node.min * body + optional;
    }
    default:
      return 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Characters: JavaScript's sets and case folding, over UTF-16 code units

const UNITS = 0x10000;
const isWordUnit = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const SPACE_RANGES: Array<[number, number]> = [
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];
const LINE_TERMINATORS = [0x0a, 0x0d, 0x2028, 0x2029];

/** The spec's Canonicalize for non-unicode ignoreCase. */
function canon(c: number): number {
  const upper = String.fromCharCode(c).toUpperCase();
  if (upper.length !== 1) return c;
  const u = upper.charCodeAt(0);
  return c >= 128 && u < 128 ? c : u;
}

let foldClasses: { groups: number[][]; groupOf: Map<number, number[]> } | undefined;
/** Groups of two or more code units that Canonicalize to the same unit (built once, on first use). */
function caseClasses(): { groups: number[][]; groupOf: Map<number, number[]> } {
  if (foldClasses) return foldClasses;
  const byCanon = new Map<number, number[]>();
  for (let c = 0; c < UNITS; c++) {
    const k = canon(c);
    const group = byCanon.get(k);
    if (group) group.push(c);
    else byCanon.set(k, [c]);
  }
  const groups = [...byCanon.values()].filter((g) => g.length > 1);
  const groupOf = new Map<number, number[]>();
  for (const g of groups) for (const c of g) groupOf.set(c, g);
  foldClasses = { groups, groupOf };
  return foldClasses;
}

type UnitSet = Uint8Array;

function setOf(node: AST.CharacterSet | AST.CharacterClass, caseSensitive: boolean): UnitSet {
  const set = new Uint8Array(UNITS);
  const addRange = (lo: number, hi: number) => set.fill(1, lo, hi + 1);
  const addEscape = (e: AST.CharacterSet): void => {
    const part = new Uint8Array(UNITS);
    if (e.kind === 'digit') part.fill(1, 48, 58);
    else if (e.kind === 'word') for (let c = 0; c < 128; c++) part[c] = isWordUnit(c) ? 1 : 0;
    else if (e.kind === 'space') for (const [lo, hi] of SPACE_RANGES) part.fill(1, lo, hi + 1);
    else if (e.kind === 'any') {
      part.fill(1);
      for (const t of LINE_TERMINATORS) part[t] = 0;
    }
    const negate = 'negate' in e && e.negate;
    for (let c = 0; c < UNITS; c++) if (part[c] !== (negate ? 1 : 0)) set[c] = 1;
  };
  let negate = false;
  if (node.type === 'CharacterSet') addEscape(node);
  else {
    negate = node.negate;
    for (const e of node.elements) {
      if (e.type === 'Character') addRange(e.value, e.value);
      else if (e.type === 'CharacterClassRange') addRange(e.min.value, e.max.value);
      else if (e.type === 'CharacterSet') addEscape(e);
    }
  }
  // `.` is not folded (it has no letters to fold); every other set is, under `i`.
  const fold = !caseSensitive && !(node.type === 'CharacterSet' && node.kind === 'any');
  if (fold) {
    for (const group of caseClasses().groups) {
      if (group.some((c) => set[c] === 1)) for (const c of group) set[c] = 1;
    }
  }
  if (negate) for (let c = 0; c < UNITS; c++) set[c] ^= 1;
  return set;
}

// RE2 reads code points, JavaScript (without `u`) code units: every surrogate unit is handed to
// RE2 as a private code point of its own, in the pattern and in the text alike.
const SURROGATE_BASE = 0xd800;
const SURROGATE_END = 0xdfff;
const MAPPED_SURROGATE_BASE = 0x100000;
const mapUnit = (c: number) => (c >= SURROGATE_BASE && c <= SURROGATE_END ? MAPPED_SURROGATE_BASE + c - SURROGATE_BASE : c);
const hex = (c: number) => `\\x{${c.toString(16)}}`;
/** A class no character is in. */
const NOTHING = '[^\\x{0}-\\x{10ffff}]';
/** Marks the cut at the input limit before a non-word character: nothing in a pattern matches it. */
const CUT_NONWORD = String.fromCodePoint(0x10fffe);

function mapText(text: string): string {
  return /[\uD800-\uDFFF]/.test(text)
    ? text.replace(/[\uD800-\uDFFF]/g, (s) => String.fromCodePoint(mapUnit(s.charCodeAt(0))))
    : text;
}

/** A set as an RE2 class of code points. Always positive, so nothing outside the units matches. */
function classOf(set: UnitSet, exclude: number | undefined): string {
  if (exclude !== undefined) set[exclude] = 0;
  let out = '';
  for (let c = 0; c < UNITS; c++) {
    if (set[c] !== 1) continue;
    let end = c;
    // A run stops at the surrogate boundaries, where the mapping jumps.
    while (end + 1 < UNITS && set[end + 1] === 1 && end + 1 !== SURROGATE_BASE && end !== SURROGATE_END) end++;
    out += end === c ? hex(mapUnit(c)) : `${hex(mapUnit(c))}-${hex(mapUnit(end))}`;
    c = end;
  }
  return out === '' ? NOTHING : `[${out}]`;
}

// ---------------------------------------------------------------------------------------------
// Layer 5: the translation into RE2 syntax, and the engine

const RE2_MAX_REPEAT = 1_000;

function repeat(body: string, min: number, max: number): string {
  const parts: string[] = [];
  while (min > RE2_MAX_REPEAT) {
    parts.push(`${body}{${RE2_MAX_REPEAT}}`);
    min -= RE2_MAX_REPEAT;
    if (max !== Infinity) max -= RE2_MAX_REPEAT;
  }
  if (max === Infinity) {
    parts.push(`${body}{${min},}`);
    return parts.join('');
  }
  const first = Math.min(max, RE2_MAX_REPEAT);
  parts.push(`${body}{${min},${first}}`);
  for (let left = max - first; left > 0; left -= RE2_MAX_REPEAT) parts.push(`${body}{0,${Math.min(left, RE2_MAX_REPEAT)}}`);
  return parts.join('');
}

function translate(node: Node | AST.Pattern, caseSensitive: boolean, exclude: number | undefined): string {
  const t = (n: Node) => translate(n, caseSensitive, exclude);
  switch (node.type) {
    case 'Pattern':
    case 'Group':
    case 'CapturingGroup':
      return `(?:${node.alternatives.map(t).join('|')})`;
    case 'Alternative':
      return node.elements.map(t).join('');
    case 'Quantifier':
      return repeat(`(?:${t(node.element)})`, node.min, node.max);
    case 'Assertion':
      // No look-arounds reach here (layer 2). RE2's \b is ASCII, like JavaScript's without `u`.
      if (node.kind === 'start') return '^';
      if (node.kind === 'end') return '$';
      return node.kind === 'word' && node.negate ? '\\B' : '\\b';
    case 'Character': {
      // A letter under `i` is the units that Canonicalize alike (a small group, looked up).
      const units = (caseSensitive ? undefined : caseClasses().groupOf.get(node.value)) ?? [node.value];
      const kept = units.filter((c) => c !== exclude);
      if (kept.length === 1) return hex(mapUnit(kept[0]!));
      return kept.length === 0 ? NOTHING : `[${kept.map((c) => hex(mapUnit(c))).join('')}]`;
    }
    case 'CharacterSet':
    case 'CharacterClass':
      return classOf(setOf(node, caseSensitive), exclude);
    default:
      throw new Error(`unexpected regex node ${node.type}`);
  }
}

const ASCII_WORD = [...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz'].map((c) => c.charCodeAt(0));

class Re2Regex implements GuardedRegex {
  /** By the character that marks a cut before a word character (undefined: no such mark). */
  private readonly programs = new Map<number | undefined, Re2.RE2JS>();

  constructor(
    readonly pattern: string,
    readonly caseSensitive: boolean,
    private readonly ast: AST.Pattern,
  ) {
    this.program(undefined);
  }

  /**
   * The pattern as RE2 runs it, anchored behind a prefix that steps over text units only: a
   * match starts inside the text and never steps onto the mark that ends a cut. `exclude` is
   * left out of every character set, for when it is that mark.
   */
  private program(exclude: number | undefined): Re2.RE2JS {
    let p = this.programs.get(exclude);
    if (!p) {
      const units = classOf(new Uint8Array(UNITS).fill(1), exclude);
      try {
        p = RE2().compile(`^${units}*?${translate(this.ast, this.caseSensitive, exclude)}`);
      } catch {
        throw tooBig(); // RE2's own limits (nested counted repeats multiplying past 1,000)
      }
      this.programs.set(exclude, p);
    }
    return p;
  }

  test(text: string): boolean {
    if (text.length <= REGEX_MAX_INPUT_LENGTH) return this.program(undefined).test(mapText(text));
    // Cut: the mark after the window has the word-ness of the real next character, so `\b`
    // and `$` at the cut answer as they would on the whole text, and nothing can match it.
    const window = text.slice(0, REGEX_MAX_INPUT_LENGTH);
    if (!isWordUnit(text.charCodeAt(REGEX_MAX_INPUT_LENGTH))) return this.program(undefined).test(mapText(window) + CUT_NONWORD);
    const free = ASCII_WORD.find((c) => !window.includes(String.fromCharCode(c)));
    if (free === undefined) return this.program(undefined).test(mapText(window) + CUT_NONWORD);
    return this.program(free).test(mapText(window) + String.fromCharCode(free));
  }
}
