/**
 * The rules editor, and the per-rule validation details from setRules.
 * In real headless Chromium through a fake API: see harness.ts.
 */
import { describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, warnIfNoChromium } from '../support/browser.js';
import { poll, useWindow } from './harness.js';

warnIfNoChromium('renderer UI tests');

describe.skipIf(!HAS_CHROMIUM)('renderer: rules', () => {
  const { open, calls, respond, shot } = useWindow();

  it('edits rules and shows the per-rule validation details from setRules', async () => {
    const page = await open();
    await page.click('[data-testid=tab-rules]');
    const cards = page.locator('[data-testid=rule-card]');
    await poll(() => cards.count()).toBe(2);
    const second = cards.nth(1);
    expect(await second.locator('[data-field="match.type"]').inputValue()).toBe('regex');
    expect(await second.locator('[data-field="match.pattern"]').inputValue()).toBe('(a+)+$');
    expect(await second.locator('[data-field="scope.mode"]').inputValue()).toBe('except');
    expect(await second.locator('[data-field=groups]').inputValue()).toBe('mentioned');
    expect(await cards.first().locator('[data-field="schedule.windows.0.start"]').inputValue()).toBe('09:00');

    await cards.first().locator('[data-field=name]').fill('Away (evenings)');
    expect(await page.locator('[data-testid=rules-status]').innerText()).toBe('Unsaved changes');

    await respond(page, 'setRules', {
      ok: false,
      error: {
        kind: 'invalid-rules',
        message: 'Some rules need a fix before they can be saved',
        details: [
          { path: '1.match.pattern', message: 'Rule 2 “Prices”: the pattern is too complex (nested repetition)' },
          { path: '0.schedule.windows.0.days', message: 'Rule 1 “Away (evenings)”: pick at least one day' },
          { path: '1', message: 'Rule 2 “Prices”: something about the whole rule' },
        ],
      },
    });
    await page.click('[data-testid=rules-save]');
    const summary = page.locator('[data-testid=rules-errors]');
    await summary.waitFor();
    expect(await summary.innerText()).toContain('Some rules need a fix before they can be saved');
    expect(await summary.innerText()).toContain('the pattern is too complex');
    // Focus goes to the summary so keyboard and screen-reader users land on it.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('rules-errors-heading');

    const pattern = second.locator('[data-field="match.pattern"]');
    expect(await pattern.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await pattern.getAttribute('aria-describedby'))!.split(' ');
    const fieldErrors = second.locator('[data-testid=rule-error]');
    const patternError = second.locator('[data-testid=rule-error][data-path="1.match.pattern"]');
    expect(describedBy).toContain(await patternError.getAttribute('id'));
    expect(await patternError.innerText()).toContain('the pattern is too complex');
    expect(await fieldErrors.count()).toBe(2);
    expect(await second.locator('[data-testid=rule-card-errors]').innerText()).toContain('something about the whole rule');
    expect(await cards.first().locator('[data-testid=rule-error]').innerText()).toContain('pick at least one day');
    await shot(page, 'rules');

    // The summary links to the field.
    await summary.locator('[data-testid=rules-error-link]').first().click();
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.field)).toBe('match.pattern');

    // Fix it and save.
    await pattern.fill('^(price|cost)\\b');
    expect(await pattern.getAttribute('aria-invalid')).toBeNull();
    await second.locator('[data-field="match.type"]').selectOption('keywords');
    await second.locator('[data-field="match.keywords"]').fill('price, cost , how much');
    await respond(page, 'setRules', undefined);
    await page.click('[data-testid=rules-save]');
    await poll(() => page.locator('[data-testid=rules-status]').innerText()).toBe('Saved 2 rules.');
    expect(await summary.isHidden()).toBe(true);
    const saved = (await calls(page, 'setRules')).at(-1)!.args as { rules: Array<Record<string, unknown>> };
    expect(saved.rules[0]!.name).toBe('Away (evenings)');
    expect(saved.rules[1]!.match).toEqual({ type: 'keywords', keywords: ['price', 'cost', 'how much'], caseSensitive: false });
    // Fields the form does not show are kept as they were.
    expect(saved.rules[0]!.delay).toEqual({ minMs: 1000, maxMs: 3000, typing: true });

    // Add a rule; it gets an id and focus lands on its name.
    await page.click('[data-testid=rules-add]');
    await poll(() => cards.count()).toBe(3);
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.field)).toBe('name');
    await page.keyboard.type('Weekend');
    await cards.nth(2).locator('[data-field="reply.text"]').fill('Back on Monday, {first_name}!');
    await cards.nth(2).locator('[data-testid=rule-up]').click();
    await page.click('[data-testid=rules-save]');
    await poll(() => page.locator('[data-testid=rules-status]').innerText()).toBe('Saved 3 rules.');
    const third = (await calls(page, 'setRules')).at(-1)!.args as { rules: Array<Record<string, unknown>> };
    expect(third.rules.map((r) => r.name)).toEqual(['Away (evenings)', 'Weekend', 'Prices']);
    expect(third.rules[1]!.id).toMatch(/^rule-/);
    expect(third.rules[1]!.reply).toEqual({ type: 'template', text: 'Back on Monday, {first_name}!' });
  });
});
