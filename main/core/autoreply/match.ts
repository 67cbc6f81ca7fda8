/**
 * Does a message's text satisfy a rule's match?
 *
 * - any: always.
 * - exact: the whole text, trimmed, runs of white space counted as one space, Unicode NFC;
 *   case-insensitive unless `caseSensitive`.
 * - keywords: any keyword appears as a whole word (or phrase), case-insensitive. "price" matches
 *   "Price?" but not "priceless". Scripts written without spaces (Chinese, Japanese, Thai, …)
 *   have no word boundaries, so there a keyword matches anywhere.
 * - regex: through the guarded linear-time engine (see regex-guard.ts).
 * - first-message: the contact has never been seen before (decided by the engine's memory).
 * - greeting: first-message, or the chat has been quiet for the rule's days of silence.
 * - missed-call: always (the engine only offers missed calls to such rules).
 */
import { compileGuardedRegex, type GuardedRegex } from './regex-guard.js';
import type { Match } from './schema.js';

export type MatchOutcome = 'match' | 'no-text-match' | 'seen-before' | 'invalid-pattern';

export interface MatchContext {
  /** The contact never wrote before. */
  firstContact: boolean;
  /** How long the chat had been quiet before this message (undefined: never a message). */
  quietMs?: number;
}

const DAY_MS = 24 * 3_600_000;

export function evaluateMatch(match: Match, text: string, context: MatchContext): MatchOutcome {
  switch (match.type) {
    case 'any':
    case 'missed-call':
      return 'match';
    case 'first-message':
      return context.firstContact ? 'match' : 'seen-before';
    case 'greeting':
      return context.firstContact || (context.quietMs !== undefined && context.quietMs >= match.quietDays * DAY_MS)
        ? 'match'
        : 'seen-before';
    case 'exact':
      return exactMatches(match.text, text, match.caseSensitive) ? 'match' : 'no-text-match';
    case 'keywords':
      return keywordsMatch(match.keywords, text) ? 'match' : 'no-text-match';
    case 'regex': {
      const regex = cachedRegex(match.pattern, match.caseSensitive);
      if (!regex) return 'invalid-pattern';
      return regex.test(text) ? 'match' : 'no-text-match';
    }
  }
}

function canonicalText(s: string): string {
  return s.normalize('NFC').trim().replace(/\s+/g, ' ');
}

export function exactMatches(expected: string, text: string, caseSensitive = false): boolean {
  const a = canonicalText(expected);
  const b = canonicalText(text);
  return caseSensitive ? a === b : a.toLowerCase() === b.toLowerCase();
}

const keywordCache = new WeakMap<readonly string[], string[]>();

function keywordForm(s: string): string {
  return s.normalize('NFC').toLowerCase().replace(/\s+/g, ' ').trim();
}

const WORDLIKE = /[\p{L}\p{N}\p{M}_]/u;
const UNSPACED_SCRIPT =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && WORDLIKE.test(ch) && !UNSPACED_SCRIPT.test(ch);
}

function charBefore(s: string, index: number): string | undefined {
  if (index <= 0) return undefined;
  const low = s.charCodeAt(index - 1);
  if (low >= 0xdc00 && low <= 0xdfff && index >= 2) return s.slice(index - 2, index);
  return s.charAt(index - 1);
}

function charAt(s: string, index: number): string | undefined {
  if (index >= s.length) return undefined;
  return String.fromCodePoint(s.codePointAt(index)!);
}

export function keywordsMatch(keywords: readonly string[], text: string): boolean {
  let forms = keywordCache.get(keywords);
  if (!forms) {
    forms = keywords.map(keywordForm).filter((k) => k.length > 0);
    keywordCache.set(keywords, forms);
  }
  const haystack = keywordForm(text);
  for (const keyword of forms) {
    const needsStart = isWordChar(charAt(keyword, 0));
    const needsEnd = isWordChar(charBefore(keyword, keyword.length));
    for (let at = haystack.indexOf(keyword); at >= 0; at = haystack.indexOf(keyword, at + 1)) {
      if (needsStart && isWordChar(charBefore(haystack, at))) continue;
      if (needsEnd && isWordChar(charAt(haystack, at + keyword.length))) continue;
      return true;
    }
  }
  return false;
}

const REGEX_CACHE_LIMIT = 500;
const regexCache = new Map<string, GuardedRegex | null>();

function cachedRegex(pattern: string, caseSensitive: boolean): GuardedRegex | null {
  const key = `${caseSensitive ? 's' : 'i'}\u0000${pattern}`;
  let regex = regexCache.get(key);
  if (regex === undefined) {
    const compiled = compileGuardedRegex(pattern, { caseSensitive });
    regex = compiled.ok ? compiled.regex : null;
    if (regexCache.size >= REGEX_CACHE_LIMIT) regexCache.clear();
    regexCache.set(key, regex);
  }
  return regex;
}
