import { describe, expect, it } from 'vitest';
import { MAX_QUOTED_MESSAGE, firstName, renderTemplate } from '../../../main/core/autoreply/template.js';

// 2025-07-14 16:05 UTC = 18:05 in Berlin (summer time), 12:05 in New York.
const at = Date.UTC(2025, 6, 14, 16, 5);
const ctx = { name: 'Anna Maria Schmidt', message: 'Are you open?', at, timeZone: 'Europe/Berlin', locale: 'en-GB' };

describe('renderTemplate', () => {
  const cases: [string, string, Partial<typeof ctx>?][] = [
    ['Hi {name}!', 'Hi Anna Maria Schmidt!'],
    ['Hi {first_name}!', 'Hi Anna!'],
    ['It is {time} on {date}.', 'It is 18:05 on 14 July 2025.'],
    ['It is {time}.', 'It is 12:05 PM.', { timeZone: 'America/New_York', locale: 'en-US' }],
    ['{date}', '14. Juli 2025', { locale: 'de-DE' }],
    ['You wrote: "{message}"', 'You wrote: "Are you open?"'],
    ['Hi {nickname} {NAME} {name', 'Hi {nickname} {NAME} {name'],
    ['Hi {first_name|there}!', 'Hi there!', { name: undefined }],
    ['Hi {first_name|there}!', 'Hi Anna!'],
    ['Hi {name}!', 'Hi !', { name: undefined }],
    ['{first_name}', 'Lena', { name: '🌸 Lena K.' }],
    ['{first_name}', '🌸', { name: '🌸' }],
    ['{name}', 'Evil {message} name', { name: 'Evil {message}\nname' }],
    ['{message}', '{name} ${process.exit()}', { message: '{name} ${process.exit()}' }],
    ['{{name}}', '{Anna Maria Schmidt}'],
    ['no placeholders', 'no placeholders'],
  ];
  for (const [template, expected, overrides] of cases) {
    it(`${JSON.stringify(template)}${overrides ? ` with ${JSON.stringify(overrides)}` : ''}`, () => {
      const context = { ...ctx, ...overrides };
      if (overrides && 'name' in overrides && overrides.name === undefined) delete (context as { name?: string }).name;
      // ICU versions differ on a narrow no-break space before "PM".
      expect(renderTemplate(template, context).replace(/\u202f/g, ' ')).toBe(expected);
    });
  }

  it('quotes at most a bounded part of the message', () => {
    const out = renderTemplate('{message}', { ...ctx, message: 'x'.repeat(MAX_QUOTED_MESSAGE + 50) });
    expect(out).toBe('x'.repeat(MAX_QUOTED_MESSAGE) + '…');
    // Counted in characters: at the limit a message stays whole, emoji (two UTF-16 units each) included.
    const emoji = '😀'.repeat(MAX_QUOTED_MESSAGE);
    expect(renderTemplate('{message}', { ...ctx, message: emoji })).toBe(emoji);
    expect(renderTemplate('{message}', { ...ctx, message: `${emoji}😀` })).toBe(`${emoji}…`);
    expect(renderTemplate('{message}', { ...ctx, message: 'y'.repeat(MAX_QUOTED_MESSAGE) })).toBe('y'.repeat(MAX_QUOTED_MESSAGE));
  });

  it('cleans the name the same whether a template uses it once, twice, or not at all', () => {
    const named = { ...ctx, name: ' Ann\u0000\n Lee ' };
    expect(renderTemplate('{name}/{first_name}/{name}', named)).toBe('Ann Lee/Ann/Ann Lee');
    expect(renderTemplate('Re: {message}', named)).toBe(`Re: ${ctx.message}`);
  });

  it('first names skip leading symbols', () => {
    expect(firstName('  ')).toBe('');
    expect(firstName('~ José Luis')).toBe('José');
  });
});
