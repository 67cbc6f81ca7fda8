/**
 * Keyboard-only use and the dark colour scheme.
 * In real headless Chromium through a fake API: see harness.ts.
 */
import { describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, warnIfNoChromium } from '../support/browser.js';
import { QR_1 } from './fixtures.js';
import { poll, useWindow } from './harness.js';

warnIfNoChromium('renderer UI tests');

describe.skipIf(!HAS_CHROMIUM)('renderer: keyboard and themes', () => {
  const { open, emitState, calls, shot, decodePng, unnamedControls } = useWindow();

  it('reaches the main controls with the keyboard alone', async () => {
    const page = await open();
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        return el?.dataset.testid ?? el?.dataset.field ?? el?.tagName ?? '';
      });
    const tabUntil = async (testid: string, max = 25) => {
      for (let i = 0; i < max; i++) {
        await page.keyboard.press('Tab');
        if ((await focused()) === testid) return true;
      }
      return false;
    };

    expect(await tabUntil('autoreply-toggle')).toBe(true);
    await page.keyboard.press('Space');
    await poll(() => page.locator('[data-testid=autoreply-status]').innerText()).toBe('Off');
    expect(await tabUntil('tab-home')).toBe(true);
    // Arrow keys move between screens; Tab enters the screen.
    await page.keyboard.press('ArrowRight');
    expect(await focused()).toBe('tab-replies');
    expect(await page.locator('[data-testid=panel-replies]').isVisible()).toBe(true);
    expect(await tabUntil('reply-search', 3)).toBe(true);
    expect(await tabUntil('reply-status-filter', 2)).toBe(true);
    expect(await tabUntil('reply-export', 2)).toBe(true);
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);

    // End → Settings; the form is reachable and saves with Enter.
    await page.focus('[data-testid=tab-replies]');
    await page.keyboard.press('End');
    expect(await focused()).toBe('tab-settings');
    expect(await tabUntil('setting-catchUpWindowMinutes', 3)).toBe(true);
    await page.keyboard.press('Control+A');
    await page.keyboard.type('20');
    expect(await tabUntil('settings-save', 10)).toBe(true);
    await page.keyboard.press('Enter');
    await poll(async () => (await calls(page, 'updateSettings')).map((c) => c.args)).toEqual([{ catchUpWindowMinutes: 20 }]);

    // Rules: Home/ArrowRight to the Rules tab, then into the editor.
    await page.focus('[data-testid=tab-settings]');
    await page.keyboard.press('ArrowLeft');
    expect(await focused()).toBe('tab-rules');
    expect(await tabUntil('rule-down', 6)).toBe(true);
    expect(await tabUntil('rules-save', 80)).toBe(true);

    // The 440 prompt's buttons work from the keyboard.
    await emitState(page, { kind: 'conflict' });
    await page.locator('[data-testid=use-here]').focus();
    await page.keyboard.press('Enter');
    await poll(async () => (await calls(page, 'useHere')).length).toBe(1);

    for (const id of ['home', 'replies', 'activity', 'chats', 'history', 'missed', 'rules', 'settings']) {
      await page.click(`[data-testid=tab-${id}]`);
      expect(await unnamedControls(page), `unnamed controls on ${id}`).toEqual([]);
    }
  });

  it('follows the dark colour scheme', async () => {
    const page = await open({ colorScheme: 'dark' });
    const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(await bg()).toBe('rgb(21, 24, 28)');
    await page.click('[data-testid=tab-history]');
    await page.locator('[data-testid=history-count]').first().waitFor();
    await shot(page, 'history-dark');
    await page.click('[data-testid=tab-activity]');
    await page.locator('[data-testid=activity-row]').first().waitFor();
    await shot(page, 'activity-dark');
    await page.click('[data-testid=tab-home]');
    await emitState(page, { kind: 'awaiting-qr', qr: QR_1, qrIndex: 0 });
    await page.waitForSelector('[data-testid=qr][data-qr-index="0"]');
    // Dark theme, but the QR stays dark-on-white and readable.
    expect(await decodePng(await page.locator('[data-testid=qr]').screenshot())).toBe(QR_1);
    await shot(page, 'pairing-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await bg()).toBe('rgb(246, 247, 249)');
  });
});
