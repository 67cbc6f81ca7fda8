import { describe, expect, it } from 'vitest';
import {
  DEFAULT_COOLDOWN_MS,
  DEFAULT_DELAY,
  validateRules,
  validateSettings,
} from '../../../main/core/autoreply/index.js';

const base = {
  id: 'r1',
  name: 'Away',
  match: { type: 'any' },
  reply: { type: 'template', text: 'I am away' },
};

function errorsOf(input: unknown): string[] {
  const result = validateRules(input);
  if (result.ok) throw new Error('expected errors');
  return result.errors.map((e) => e.message);
}

describe('validateRules', () => {
  it('fills defaults', () => {
    const result = validateRules([base]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const [r] = result.rules;
    expect(r).toMatchObject({
      enabled: true,
      scope: { mode: 'everyone' },
      groups: 'off',
      delay: DEFAULT_DELAY,
      cooldownMs: DEFAULT_COOLDOWN_MS,
    });
  });

  it('accepts every match and reply type', () => {
    const result = validateRules([
      { ...base, id: 'a', match: { type: 'exact', text: '  Hi  ' } },
      { ...base, id: 'b', match: { type: 'keywords', keywords: ['price', 'opening hours'] } },
      { ...base, id: 'c', match: { type: 'regex', pattern: '^order\\s*#?\\d+$' } },
      { ...base, id: 'd', match: { type: 'first-message' } },
      { ...base, id: 'e', reply: { type: 'webhook', url: 'http://127.0.0.1:8080/hook', fallback: 'Later!' } },
      {
        ...base,
        id: 'f',
        reply: { type: 'openai', baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3', apiKeyRef: 'local-llm' },
        schedule: { mode: 'outside', timeZone: 'Europe/Berlin', windows: [{ days: ['mon', 'fri'], start: '09:00', end: '17:00' }] },
        scope: { mode: 'except', contacts: ['+49 151 1234 5678', '4917612345678@s.whatsapp.net'] },
        groups: 'mentioned',
      },
    ]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.rules[0]!.match).toEqual({ type: 'exact', text: 'Hi', caseSensitive: false });
    expect(result.rules[4]!.reply).toMatchObject({ timeoutMs: 15_000, maxBytes: 65_536 });
    expect(result.rules[5]!.reply).toMatchObject({ timeoutMs: 45_000, systemPrompt: '' });
  });

  const invalid: [string, unknown, RegExp][] = [
    ['not a list', { rules: [] }, /^The rules should be a list$/],
    ['a rule that is not an object', [5], /^Rule 1: this entry should be a set of settings$/],
    ['missing name', [{ ...base, name: undefined }], /^Rule 1: the name is missing$/],
    ['blank name', [{ ...base, name: '  ' }], /^Rule 1: the rule has no name$/],
    ['unknown match type', [{ ...base, match: { type: 'sometimes' } }], /^Rule 1 “Away”: the kind of match must be one of: any, exact, keywords, regex, first-message, greeting, missed-call$/],
    [
      'catastrophic regex',
      [base, { ...base, id: 'r2', match: { type: 'regex', pattern: '(a+)+$' } }],
      /^Rule 2 “Away”: the pattern is too complex/,
    ],
    ['back-reference', [{ ...base, match: { type: 'regex', pattern: '(a)\\1' } }], /^Rule 1 “Away”: back-references like \\1 aren't supported$/],
    ['long regex', [{ ...base, match: { type: 'regex', pattern: 'x'.repeat(300) } }], /the pattern is too long/],
    ['broken regex', [{ ...base, match: { type: 'regex', pattern: '([a-z]' } }], /the pattern isn't a valid regular expression/],
    ['empty keywords', [{ ...base, match: { type: 'keywords', keywords: [] } }], /add at least one keyword/],
    ['blank keyword', [{ ...base, match: { type: 'keywords', keywords: ['ok', ' '] } }], /a keyword is empty/],
    ['empty exact', [{ ...base, match: { type: 'exact', text: '   ' } }], /the text to match is empty/],
    ['empty reply', [{ ...base, reply: { type: 'template', text: ' ' } }], /^Rule 1 “Away”: the reply text is empty$/],
    ['bad url', [{ ...base, reply: { type: 'webhook', url: 'ftp://x' } }], /the webhook address must be a web address starting with http/],
    ['tiny timeout', [{ ...base, reply: { type: 'webhook', url: 'http://x', timeoutMs: 5 } }], /the timeout must be at least 0.1 s/],
    ['bad time', [{ ...base, schedule: { windows: [{ days: ['mon'], start: '9am', end: '17:00' }] } }], /times must be written like 09:00/],
    ['same start and end', [{ ...base, schedule: { windows: [{ days: ['mon'], start: '09:00', end: '09:00' }] } }], /starts and ends at the same time/],
    ['no days', [{ ...base, schedule: { windows: [{ days: [], start: '09:00', end: '10:00' }] } }], /pick at least one day/],
    ['bad day', [{ ...base, schedule: { windows: [{ days: ['funday'], start: '09:00', end: '10:00' }] } }], /day 1 must be one of: mon, tue/],
    ['bad zone', [{ ...base, schedule: { timeZone: 'Mars/Olympus', windows: [{ days: ['mon'], start: '09:00', end: '10:00' }] } }], /the time zone is not one this computer knows/],
    ['bad contact', [{ ...base, scope: { mode: 'only', contacts: ['+49 151 1234 5678', 'bob'] } }], /“bob” is not a phone number with its country code/],
    ['bad jid', [{ ...base, scope: { mode: 'only', contacts: ['x@example.com'] } }], /is not a WhatsApp ID/],
    ['empty list', [{ ...base, scope: { mode: 'only', contacts: [] } }], /the contact list is empty/],
    ['bad groups', [{ ...base, groups: 'sometimes' }], /the group setting must be one of: off, all, mentioned/],
    ['delay order', [{ ...base, delay: { minMs: 5_000, maxMs: 1_000 } }], /the shortest delay is longer than the longest/],
    ['short cooldown', [{ ...base, cooldownMs: 0 }], /the cooldown must be at least 10 s/],
    ['duplicate id', [base, { ...base, name: 'Again' }], /^Rule 2 “Again”: another rule already has the same id$/],
    ['cooldown text', [{ ...base, cooldownMs: 'soon' }], /^Rule 1 “Away”: the cooldown should be a number$/],
  ];
  for (const [what, input, message] of invalid) {
    it(`explains: ${what}`, () => {
      const messages = errorsOf(input);
      expect(messages.some((m) => message.test(m)), messages.join('\n')).toBe(true);
    });
  }

  it('reports paths as zod does', () => {
    const result = validateRules([base, { ...base, id: 'r2', match: { type: 'regex', pattern: '(?=x)' } }]);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]!.path).toEqual([1, 'match', 'pattern']);
  });

  it('reports every problem at once', () => {
    expect(errorsOf([{ ...base, name: '' }, { ...base, id: 'r2', groups: 'x', cooldownMs: -1 }])).toHaveLength(3);
  });
});

describe('validateSettings', () => {
  it('accepts settings and prefixes rule problems', () => {
    expect(validateSettings({ enabled: true, rules: [base] }).ok).toBe(true);
    const result = validateSettings({ enabled: 'yes', rules: [{ ...base, reply: { type: 'template' } }] });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.message)).toEqual([
      'The auto-reply switch should be on or off (true/false)',
      'Rule 1 “Away”: the reply text is missing',
    ]);
  });
});
