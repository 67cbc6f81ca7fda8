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
 *    `\p{…}`, `\u{…}`, octal. Each gets its own plain message.
 * 3. **Shape**: a repeated part inside another repeated part where both are unbounded
 *    (`(a+)+`, `(\w*\s?)*`) is refused as "too complex". Our engine would survive it, but it is
 *    the classic catastrophic shape and is nearly always a mistake; refusing it also keeps the
 *    pattern safe if anyone previews it with a backtracking engine (a browser, regex101).
 * 4. **Size**: counted repeats are expanded; the compiled program may hold at most
 *    {@link REGEX_MAX_PROGRAM_SIZE} instructions (`(a{50}){50}` is refused).
 * 5. **Engine**: the pattern is compiled to a Thompson NFA and run by simulating all states at
 *    once, which is linear in the input: O(input × program) with both bounded, so the worst
 *    case is a few million cheap steps whatever the pattern and the text.
 * 6. **Input**: only the first {@link REGEX_MAX_INPUT_LENGTH} UTF-16 units of a message are
 *    searched (a match must start and end inside them; `$` and `\b` still look at the real
 *    next character, so a cut never invents an end of text).
 *
 * Semantics follow JavaScript's RegExp without the `u` flag (UTF-16 code units, ASCII `\w` and
 * `\b`, `i` folding via toUpperCase as the spec's Canonicalize). Only whether the text matches
 * is answered, so greedy/lazy quantifiers and capture groups make no difference and are
 * accepted. Flags: case-insensitive or not; `^`/`$` are start/end of the text.
 */

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
    const ast = new Parser(pattern, caseSensitive).parse();
    const program = compileProgram(ast);
    return { ok: true, regex: new NfaRegex(pattern, caseSensitive, program) };
  } catch (err) {
    if (err instanceof GuardError) return { ok: false, reason: err.message };
    throw err;
  }
}

class GuardError extends Error {}

// ---------------------------------------------------------------------------------------------
// Characters

type CharTest = (c: number) => boolean;

const isDigit: CharTest = (c) => c >= 48 && c <= 57;
const isWordChar: CharTest = (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isSpace: CharTest = (c) =>
  c === 0x20 ||
  (c >= 0x09 && c <= 0x0d) ||
  c === 0xa0 ||
  c === 0x1680 ||
  (c >= 0x2000 && c <= 0x200a) ||
  c === 0x2028 ||
  c === 0x2029 ||
  c === 0x202f ||
  c === 0x205f ||
  c === 0x3000 ||
  c === 0xfeff;
const isLineTerminator: CharTest = (c) => c === 0x0a || c === 0x0d || c === 0x2028 || c === 0x2029;
const not =
  (t: CharTest): CharTest =>
  (c) =>
    !t(c);

/** The spec's Canonicalize for non-unicode ignoreCase, memoised per code unit. */
const canonTable = new Int32Array(0x10000).fill(-1);
function canon(c: number): number {
  const cached = canonTable[c]!;
  if (cached >= 0) return cached;
  const upper = String.fromCharCode(c).toUpperCase();
  let result = c;
  if (upper.length === 1) {
    const u = upper.charCodeAt(0);
    if (!(c >= 128 && u < 128)) result = u;
  }
  canonTable[c] = result;
  return result;
}

const lowerTable = new Int32Array(0x10000).fill(-1);
function lowerOf(c: number): number {
  const cached = lowerTable[c]!;
  if (cached >= 0) return cached;
  const lower = String.fromCharCode(c).toLowerCase();
  const result = lower.length === 1 ? lower.charCodeAt(0) : c;
  lowerTable[c] = result;
  return result;
}

/** Case-insensitive version of a test: true if some character with the same canonical form passes. */
function foldTest(t: CharTest): CharTest {
  return (c) => {
    if (t(c)) return true;
    const k = canon(c);
    if (k !== c && t(k)) return true;
    const l = lowerOf(k);
    return l !== c && l !== k && canon(l) === k && t(l);
  };
}

// ---------------------------------------------------------------------------------------------
// Syntax tree

type Node =
  | { t: 'empty' }
  | { t: 'char'; test: CharTest }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; options: Node[] }
  | { t: 'repeat'; body: Node; min: number; max: number }
  | { t: 'assert'; kind: AssertKind };

type AssertKind = 'bol' | 'eol' | 'wb' | 'nwb';

type ClassItem = { set: CharTest } | { ch: number };

function hasUnboundedRepeat(node: Node): boolean {
  switch (node.t) {
    case 'repeat':
      return node.max === Infinity || hasUnboundedRepeat(node.body);
    case 'seq':
      return node.items.some(hasUnboundedRepeat);
    case 'alt':
      return node.options.some(hasUnboundedRepeat);
    default:
      return false;
  }
}

class Parser {
  private i = 0;

  constructor(
    private readonly src: string,
    private readonly caseSensitive: boolean,
  ) {}

  parse(): Node {
    const node = this.disjunction();
    if (this.i < this.src.length) throw new GuardError("the pattern has a ')' without a matching '('");
    return node;
  }

  private peek(offset = 0): string {
    return this.src.charAt(this.i + offset);
  }

  private disjunction(): Node {
    const options = [this.alternative()];
    while (this.peek() === '|') {
      this.i++;
      options.push(this.alternative());
    }
    return options.length === 1 ? options[0]! : { t: 'alt', options };
  }

  private alternative(): Node {
    const items: Node[] = [];
    while (this.i < this.src.length && this.peek() !== '|' && this.peek() !== ')') items.push(this.term());
    if (items.length === 0) return { t: 'empty' };
    return items.length === 1 ? items[0]! : { t: 'seq', items };
  }

  private term(): Node {
    const c = this.peek();
    if (c === '^' || c === '$') {
      this.i++;
      this.refuseQuantifier();
      return { t: 'assert', kind: c === '^' ? 'bol' : 'eol' };
    }
    if (c === '\\' && (this.peek(1) === 'b' || this.peek(1) === 'B')) {
      const kind = this.peek(1) === 'b' ? 'wb' : 'nwb';
      this.i += 2;
      this.refuseQuantifier();
      return { t: 'assert', kind };
    }
    const atom = this.atom();
    return this.quantified(atom);
  }

  private refuseQuantifier(): void {
    if (this.quantifierAhead()) throw new GuardError('the pattern repeats something that cannot be repeated');
  }

  private quantifierAhead(): boolean {
    const c = this.peek();
    return c === '*' || c === '+' || c === '?' || (c === '{' && this.braceQuantifier(false) !== undefined);
  }

  /** Parse `{n}`, `{n,}`, `{n,m}` at the cursor; undefined if it isn't one (then `{` is literal). */
  private braceQuantifier(consume: boolean): { min: number; max: number } | undefined {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
    if (!m) return undefined;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    if (consume) this.i += m[0].length;
    return { min, max };
  }

  private quantified(atom: Node): Node {
    let q: { min: number; max: number } | undefined;
    const c = this.peek();
    if (c === '*' || c === '+' || c === '?') {
      this.i++;
      q = { min: c === '+' ? 1 : 0, max: c === '?' ? 1 : Infinity };
    } else if (c === '{') q = this.braceQuantifier(true);
    if (!q) return atom;
    const { min, max } = q;
    if (this.peek() === '?') this.i++; // lazy: same answer for "does it match"
    if (max === Infinity && hasUnboundedRepeat(atom)) {
      throw new GuardError(
        'the pattern is too complex (it repeats a part that itself repeats without limit, like (a+)+)',
      );
    }
    if (min > REGEX_MAX_PROGRAM_SIZE || (max !== Infinity && max > REGEX_MAX_PROGRAM_SIZE)) {
      throw tooBig();
    }
    return { t: 'repeat', body: atom, min, max };
  }

  private atom(): Node {
    const c = this.peek();
    switch (c) {
      case '(':
        return this.group();
      case '[':
        return this.charClass();
      case '.':
        this.i++;
        return { t: 'char', test: not(isLineTerminator) };
      case '\\':
        return this.atomEscape();
      case '*':
      case '+':
      case '?':
        throw new GuardError('the pattern repeats something that cannot be repeated');
      case '{':
        if (this.braceQuantifier(false)) throw new GuardError('the pattern repeats something that cannot be repeated');
        break;
    }
    this.i++;
    return this.literal(c.charCodeAt(0));
  }

  private literal(ch: number): Node {
    if (this.caseSensitive) return { t: 'char', test: (c) => c === ch };
    const k = canon(ch);
    return { t: 'char', test: (c) => c === ch || canon(c) === k };
  }

  private set(test: CharTest): Node {
    return { t: 'char', test: this.caseSensitive ? test : foldTest(test) };
  }

  private group(): Node {
    this.i++; // (
    if (this.peek() === '?') {
      const next = this.peek(1);
      const after = this.peek(2);
      if (next === '=' || next === '!' || (next === '<' && (after === '=' || after === '!'))) {
        throw new GuardError("look-ahead and look-behind groups like (?=…) and (?<!…) aren't supported");
      }
      if (next === ':') this.i += 2;
      else if (next === '<') {
        const end = this.src.indexOf('>', this.i);
        this.i = end + 1; // named group; the name was checked by the native compile
      } else throw new GuardError("groups of the form (?…) other than (?:…) and (?<name>…) aren't supported");
    }
    const body = this.disjunction();
    if (this.peek() !== ')') throw new GuardError("the pattern has a '(' without a matching ')'");
    this.i++;
    return body;
  }

  /** Escapes valid both outside and inside a class; returns a char code or a set. */
  private commonEscape(inClass: boolean): ClassItem {
    const c = this.peek();
    this.i++;
    switch (c) {
      case 'd':
        return { set: isDigit };
      case 'D':
        return { set: not(isDigit) };
      case 'w':
        return { set: isWordChar };
      case 'W':
        return { set: not(isWordChar) };
      case 's':
        return { set: isSpace };
      case 'S':
        return { set: not(isSpace) };
      case 'n':
        return { ch: 0x0a };
      case 'r':
        return { ch: 0x0d };
      case 't':
        return { ch: 0x09 };
      case 'v':
        return { ch: 0x0b };
      case 'f':
        return { ch: 0x0c };
      case 'b':
        if (inClass) return { ch: 0x08 };
        break;
      case '':
        throw new GuardError('the pattern ends with a lone backslash');
      case '0':
        if (!/[0-9]/.test(this.peek())) return { ch: 0 };
        throw new GuardError("octal escapes like \\012 aren't supported; write \\x0A instead");
      case 'c': {
        const l = this.peek();
        if (/[A-Za-z]/.test(l)) {
          this.i++;
          return { ch: l.charCodeAt(0) % 32 };
        }
        throw new GuardError("the escape \\c must be followed by a letter");
      }
      case 'x': {
        const hex = /^[0-9A-Fa-f]{2}/.exec(this.src.slice(this.i));
        if (hex) {
          this.i += 2;
          return { ch: parseInt(hex[0], 16) };
        }
        return { ch: 'x'.charCodeAt(0) };
      }
      case 'u': {
        if (this.peek() === '{') throw new GuardError("the escape \\u{…} isn't supported; write \\uXXXX instead");
        const hex = /^[0-9A-Fa-f]{4}/.exec(this.src.slice(this.i));
        if (hex) {
          this.i += 4;
          return { ch: parseInt(hex[0], 16) };
        }
        return { ch: 'u'.charCodeAt(0) };
      }
      case 'p':
      case 'P':
        throw new GuardError("Unicode property escapes like \\p{L} aren't supported");
      case 'k':
        throw new GuardError("back-references like \\k<name> aren't supported");
    }
    if (/[1-9]/.test(c)) {
      throw new GuardError("back-references like \\1 aren't supported");
    }
    return { ch: c.charCodeAt(0) }; // identity escape: \. \/ \- \$ …
  }

  private atomEscape(): Node {
    this.i++; // backslash
    const item = this.commonEscape(false);
    return 'set' in item ? this.set(item.set) : this.literal(item.ch);
  }

  private charClass(): Node {
    this.i++; // [
    let negate = false;
    if (this.peek() === '^') {
      negate = true;
      this.i++;
    }
    const ranges: [number, number][] = [];
    const sets: CharTest[] = [];
    const add = (item: ClassItem) => {
      if ('set' in item) sets.push(item.set);
      else ranges.push([item.ch, item.ch]);
    };
    while (this.peek() !== ']') {
      if (this.i >= this.src.length) throw new GuardError("the pattern has a '[' without a matching ']'");
      const first = this.classAtom();
      if (this.peek() === '-' && this.peek(1) !== ']' && this.i + 1 < this.src.length) {
        const save = this.i;
        this.i++;
        const second = this.classAtom();
        if ('ch' in first && 'ch' in second) {
          if (first.ch > second.ch) throw new GuardError('the pattern has a range out of order, like [z-a]');
          ranges.push([first.ch, second.ch]);
          continue;
        }
        // [\d-z]: the dash is literal (JavaScript's web-compatibility rule).
        this.i = save;
      }
      add(first);
    }
    this.i++; // ]
    const inClass: CharTest = (c) => {
      for (const [lo, hi] of ranges) if (c >= lo && c <= hi) return true;
      for (const s of sets) if (s(c)) return true;
      return false;
    };
    const folded = this.caseSensitive ? inClass : foldTest(inClass);
    return { t: 'char', test: negate ? not(folded) : folded };
  }

  private classAtom(): ClassItem {
    const c = this.peek();
    if (c === '\\') {
      this.i++;
      if (this.peek() === '-') {
        this.i++;
        return { ch: 0x2d };
      }
      return this.commonEscape(true);
    }
    this.i++;
    return { ch: c.charCodeAt(0) };
  }
}

function tooBig(): GuardError {
  return new GuardError(
    `the pattern is too complex (it expands to more than ${REGEX_MAX_PROGRAM_SIZE.toLocaleString('en-US')} steps; use smaller {n,m} counts)`,
  );
}

// ---------------------------------------------------------------------------------------------
// Program (Thompson NFA)

const OP_CHAR = 0;
const OP_SPLIT = 1;
const OP_ASSERT = 2;
const OP_MATCH = 3;

interface Inst {
  op: number;
  test?: CharTest;
  kind?: AssertKind;
  a: number;
  b: number;
}

interface Program {
  insts: Inst[];
  start: number;
}

function compileProgram(root: Node): Program {
  const insts: Inst[] = [];
  const emit = (inst: Inst): number => {
    if (insts.length >= REGEX_MAX_PROGRAM_SIZE) throw tooBig();
    insts.push(inst);
    return insts.length - 1;
  };
  // Compile `node` so that it continues at `next`; returns its entry.
  const compile = (node: Node, next: number): number => {
    switch (node.t) {
      case 'empty':
        return next;
      case 'char':
        return emit({ op: OP_CHAR, test: node.test, a: next, b: -1 });
      case 'assert':
        return emit({ op: OP_ASSERT, kind: node.kind, a: next, b: -1 });
      case 'seq': {
        let entry = next;
        for (let k = node.items.length - 1; k >= 0; k--) entry = compile(node.items[k]!, entry);
        return entry;
      }
      case 'alt': {
        const entries = node.options.map((o) => compile(o, next));
        let entry = entries[entries.length - 1]!;
        for (let k = entries.length - 2; k >= 0; k--) entry = emit({ op: OP_SPLIT, a: entries[k]!, b: entry });
        return entry;
      }
      case 'repeat': {
        let entry = next;
        if (node.max === Infinity) {
          const loop = emit({ op: OP_SPLIT, a: -1, b: next });
          insts[loop]!.a = compile(node.body, loop);
          entry = loop;
        } else {
          for (let k = 0; k < node.max - node.min; k++) {
            entry = emit({ op: OP_SPLIT, a: compile(node.body, entry), b: entry });
          }
        }
        for (let k = 0; k < node.min; k++) entry = compile(node.body, entry);
        return entry;
      }
    }
  };
  const match = emit({ op: OP_MATCH, a: -1, b: -1 });
  const start = compile(root, match);
  return { insts, start };
}

class NfaRegex implements GuardedRegex {
  constructor(
    readonly pattern: string,
    readonly caseSensitive: boolean,
    private readonly program: Program,
  ) {}

  test(text: string): boolean {
    const { insts, start } = this.program;
    const n = insts.length;
    const len = Math.min(text.length, REGEX_MAX_INPUT_LENGTH);
    let current = new Int32Array(n);
    let next = new Int32Array(n);
    let currentCount = 0;
    let nextCount: number;
    const mark = new Int32Array(n).fill(-1);
    const stack = new Int32Array(n * 2 + 2);

    const assertHolds = (kind: AssertKind, pos: number): boolean => {
      switch (kind) {
        case 'bol':
          return pos === 0;
        case 'eol':
          return pos === text.length;
        case 'wb':
        case 'nwb': {
          const before = pos > 0 && isWordChar(text.charCodeAt(pos - 1));
          const after = pos < text.length && isWordChar(text.charCodeAt(pos));
          return (before !== after) === (kind === 'wb');
        }
      }
    };

    // Follow empty transitions from `pc` at `pos`; char states go into `list`. True on a match.
    const addThread = (list: Int32Array, count: number, pc0: number, pos: number): number => {
      let sp = 0;
      stack[sp++] = pc0;
      while (sp > 0) {
        const pc = stack[--sp]!;
        if (mark[pc] === pos) continue;
        mark[pc] = pos;
        const inst = insts[pc]!;
        switch (inst.op) {
          case OP_MATCH:
            return -1;
          case OP_CHAR:
            list[count++] = pc;
            break;
          case OP_SPLIT:
            stack[sp++] = inst.b;
            stack[sp++] = inst.a;
            break;
          case OP_ASSERT:
            if (assertHolds(inst.kind!, pos)) stack[sp++] = inst.a;
            break;
        }
      }
      return count;
    };

    for (let pos = 0; ; pos++) {
      // Unanchored search: a new attempt starts at every position.
      currentCount = addThread(current, currentCount, start, pos);
      if (currentCount < 0) return true;
      if (pos >= len) return false;
      const c = text.charCodeAt(pos);
      nextCount = 0;
      for (let k = 0; k < currentCount; k++) {
        const inst = insts[current[k]!]!;
        if (inst.test!(c)) {
          nextCount = addThread(next, nextCount, inst.a, pos + 1);
          if (nextCount < 0) return true;
        }
      }
      [current, next] = [next, current];
      currentCount = nextCount;
    }
  }
}
