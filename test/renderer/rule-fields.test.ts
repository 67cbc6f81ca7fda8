/**
 * The conversation-aware fields of a rule in the editor — which kinds of message it answers,
 * "reply only if I don't", the greeting match, the missed-call rule, `{kind}` among the
 * placeholders — and rules as a JSON file: export, import (replace or append) and a refused
 * file's per-rule problems.
 * In real headless Chromium through a fake API: see harness.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE_KINDS } from '../../main/contract/conversation.js';
import { MAX_RULES_FILE_BYTES, rulesFileBytes } from '../../main/contract/bounds.js';
import { HAS_CHROMIUM, warnIfNoChromium } from '../support/browser.js';
import { tempDir } from '../support/temp-dir.js';
import { fakeData } from './fixtures.js';
import { poll, useWindow } from './harness.js';

warnIfNoChromium('renderer UI tests');

type SavedRule = Record<string, unknown> & { match: Record<string, unknown> };

describe.skipIf(!HAS_CHROMIUM)('renderer: rule fields for conversations, rules file', () => {
  const { open, calls, respond, shot, unnamedControls } = useWindow();

  it('edits kinds, the grace period, a greeting and a missed-call rule; {kind} is among the placeholders', async () => {
    const page = await open();
    await page.click('[data-testid=tab-rules]');
    const cards = page.locator('[data-testid=rule-card]');
    await poll(() => cards.count()).toBe(2);
    expect(await page.locator('[data-testid=panel-rules] .hint').first().innerText()).toContain('{kind}');
    expect(await cards.first().innerText()).toContain('{message} and {kind}');

    const away = cards.first();
    // Kinds: every kind by default; "only these" ticks the default kinds to start from.
    expect(await away.locator('select[data-field=kinds]').inputValue()).toBe('all');
    await away.locator('select[data-field=kinds]').selectOption('some');
    const kindBoxes = away.locator('fieldset[data-field=kinds] input[type=checkbox]');
    await poll(() => kindBoxes.count()).toBe(11);
    expect(await away.locator('input[data-kind=missed-call]').isChecked()).toBe(false);
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.field)).toBe('kinds-mode');
    for (const kind of ['image', 'video', 'audio', 'document', 'sticker', 'location', 'contact', 'poll']) {
      await away.locator(`input[data-kind=${kind}]`).uncheck();
    }
    // Grace period in minutes, kept in ms.
    await away.locator('input[data-field=graceMs]').fill('15');

    // Prices becomes a greeting after 30 days of silence.
    const prices = cards.nth(1);
    await prices.locator('[data-field="match.type"]').selectOption('greeting');
    expect(await prices.locator('[data-field="match.quietDays"]').inputValue()).toBe('14');
    await prices.locator('[data-field="match.quietDays"]').fill('30');

    // A new missed-call rule: no kinds to choose, a plain hint instead.
    await page.click('[data-testid=rules-add]');
    await poll(() => cards.count()).toBe(3);
    const call = cards.nth(2);
    await call.locator('[data-field=name]').fill('Missed call');
    await call.locator('[data-field="match.type"]').selectOption('missed-call');
    await call.locator('[data-testid=rule-missed-call-hint]').waitFor();
    expect(await call.locator('[data-field=kinds]').count()).toBe(0);
    await call.locator('[data-field="reply.text"]').fill('Sorry I missed your call — I will call back.');
    expect(await unnamedControls(page)).toEqual([]);
    await shot(page, 'rule-fields');

    await page.click('[data-testid=rules-save]');
    await poll(() => page.locator('[data-testid=rules-status]').innerText()).toBe('Saved 3 rules.');
    const { rules } = (await calls(page, 'setRules')).at(-1)!.args as { rules: SavedRule[] };
    expect(rules[0]!.kinds).toEqual(['text', 'voice']);
    expect(rules[0]!.graceMs).toBe(15 * 60_000);
    expect(rules[1]!.match).toEqual({ type: 'greeting', quietDays: 30 });
    expect(rules[2]!.match).toEqual({ type: 'missed-call' });
    expect(rules[2]).not.toHaveProperty('kinds');

    // Back to every kind: the list goes (the default), and an emptied grace period too.
    await cards.first().locator('select[data-field=kinds-mode]').selectOption('all');
    await cards.first().locator('input[data-field=graceMs]').fill('');
    await page.click('[data-testid=rules-save]');
    await poll(async () => (await calls(page, 'setRules')).length).toBe(2);
    const again = ((await calls(page, 'setRules')).at(-1)!.args as { rules: SavedRule[] }).rules;
    expect(again[0]).not.toHaveProperty('kinds');
    expect(again[0]).not.toHaveProperty('graceMs');
  });

  it('shows the core’s messages on the new fields, next to them', async () => {
    const page = await open();
    await page.click('[data-testid=tab-rules]');
    const away = page.locator('[data-testid=rule-card]').first();
    await away.waitFor();
    await away.locator('select[data-field=kinds]').selectOption('some');
    // (Locators from .all() are live by index: unticking would shift them. Untick by kind instead.)
    for (const kind of DEFAULT_RULE_KINDS) await away.locator(`input[data-kind=${kind}]`).uncheck();
    expect(await away.locator('fieldset[data-field=kinds] input:checked').count()).toBe(0);
    await away.locator('input[data-field=graceMs]').fill('2000');
    await respond(page, 'setRules', {
      ok: false,
      error: {
        kind: 'invalid-rules',
        message: 'Some rules need fixing before they can be saved.',
        details: [
          { path: '0.kinds', message: 'Rule 1 “Away”: pick at least one kind of message' },
          { path: '0.graceMs', message: 'Rule 1 “Away”: the grace period must be at most 24 hours' },
        ],
      },
    });
    await page.click('[data-testid=rules-save]');
    await page.locator('[data-testid=rules-errors]').waitFor();
    expect(await away.locator('fieldset[data-field=kinds]').getAttribute('aria-invalid')).toBe('true');
    expect(await away.locator('fieldset[data-field=kinds] [data-testid=rule-error]').innerText()).toContain('pick at least one kind');
    const grace = away.locator('input[data-field=graceMs]');
    expect(await grace.getAttribute('aria-invalid')).toBe('true');
    const errorId = await away.locator('[data-testid=rule-error][data-path="0.graceMs"]').getAttribute('id');
    expect((await grace.getAttribute('aria-describedby'))!.split(' ')).toContain(errorId);
  });

  it('exports the rules as a JSON file and imports one, replacing or appending; a refused file shows each problem', async () => {
    const page = await open();
    await page.click('[data-testid=tab-rules]');
    await page.locator('[data-testid=rule-card]').first().waitFor();

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=rules-export]')]);
    expect(download.suggestedFilename()).toBe('replyline-rules-2025-05-12.json');
    const exported = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { rules: unknown[] };
    expect(exported.rules).toEqual(fakeData().rules);

    const dir = tempDir('rules-file-');
    const file = path.join(dir, 'weekend.json');
    const weekend = { id: 'weekend', name: 'Weekend', match: { type: 'any' }, reply: { type: 'template', text: 'Back on Monday.' } };
    writeFileSync(file, JSON.stringify({ format: 'replyline-rules', version: 1, rules: [weekend] }));

    // Append: the saved rules stay, the file's come after; the editor shows what the core saved.
    await page.setInputFiles('[data-testid=rules-import-file]', file);
    await page.check('[data-testid=rules-import-append]');
    await page.click('[data-testid=rules-import]');
    await poll(() => page.locator('[data-testid=rules-import-status]').innerText()).toBe('Imported. You now have 3 rules.');
    const [appended] = await calls(page, 'importRules');
    expect(appended!.args).toEqual({ json: readFileSync(file, 'utf8'), mode: 'append' });
    await poll(() => page.locator('[data-testid=rule-card]').count()).toBe(3);
    expect(await page.locator('[data-testid=rule-card]').nth(2).locator('[data-field=name]').inputValue()).toBe('Weekend');
    expect(await page.locator('[data-testid=rules-status]').innerText()).toBe('Imported; 3 rules saved.');

    // Unsaved edits and "replace": the window warns that they go.
    await page.locator('[data-testid=rule-card]').first().locator('[data-field=name]').fill('Changed');
    await page.check('[data-testid=rules-import-replace]');
    await page.setInputFiles('[data-testid=rules-import-file]', file);
    expect(await page.locator('[data-testid=rules-import-dirty]').isVisible()).toBe(true);

    // A refused file: all or nothing, each problem in the core's words, focus on the summary.
    await respond(page, 'importRules', {
      ok: false,
      error: {
        kind: 'invalid-rules',
        message: 'Some rules in the file need fixing; nothing was imported.',
        details: [
          { path: '0.reply.text', message: 'Rule 1 “Weekend”: the reply text is empty' },
          { path: '1.match.type', message: 'Rule 2: the kind of match must be one of: any, exact, keywords, regex, first-message, greeting, missed-call' },
        ],
      },
    });
    await page.click('[data-testid=rules-import]');
    const errors = page.locator('[data-testid=rules-import-errors]');
    await errors.waitFor();
    expect(await errors.locator('h4').innerText()).toBe('Some rules in the file need fixing; nothing was imported.');
    expect(await errors.locator('[data-testid=rules-import-error]').allInnerTexts()).toEqual([
      'Rule 1 “Weekend”: the reply text is empty',
      'Rule 2: the kind of match must be one of: any, exact, keywords, regex, first-message, greeting, missed-call',
    ]);
    expect(await page.locator('[data-testid=rules-import-status]').innerText()).toBe('Nothing was imported.');
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H4');
    // The editor kept the person's unsaved edit.
    expect(await page.locator('[data-testid=rule-card]').first().locator('[data-field=name]').inputValue()).toBe('Changed');
    expect((await calls(page, 'importRules')).at(-1)!.args).toMatchObject({ mode: 'replace' });
  });

  it('imports a file up to the size the headless API carries too, and refuses a larger one itself, in plain words', async () => {
    const page = await open();
    await page.click('[data-testid=tab-rules]');
    await page.locator('[data-testid=rule-card]').first().waitFor();
    const dir = tempDir('rules-file-size-');
    const base = JSON.stringify({ format: 'replyline-rules', version: 1, rules: [{ id: 'w', name: 'Wochenende “Ω”', match: { type: 'any' }, reply: { type: 'template', text: 'Back on Monday.' } }] }, null, 2);
    const sized = (bytes: number) => {
      const file = path.join(dir, `rules-${bytes}.json`);
      writeFileSync(file, base + ' '.repeat(bytes - rulesFileBytes(base)));
      return file;
    };
    // The largest: sent to the core as it is.
    await page.setInputFiles('[data-testid=rules-import-file]', sized(MAX_RULES_FILE_BYTES));
    await page.click('[data-testid=rules-import]');
    await poll(async () => (await calls(page, 'importRules')).length).toBe(1);
    expect(rulesFileBytes((((await calls(page, 'importRules'))[0]!.args) as { json: string }).json)).toBe(MAX_RULES_FILE_BYTES);
    // One byte more: refused here, never sent.
    await page.setInputFiles('[data-testid=rules-import-file]', sized(MAX_RULES_FILE_BYTES + 1));
    await page.click('[data-testid=rules-import]');
    const errors = page.locator('[data-testid=rules-import-errors]');
    await errors.waitFor();
    expect(await errors.locator('[data-testid=rules-import-error]').allInnerTexts()).toEqual(['The file is too large to be a rules file.']);
    expect(await calls(page, 'importRules')).toHaveLength(1);
  });
});
