/**
 * Notices from the desktop shell: the one-time close-to-tray notice and refused notifications.
 * In real headless Chromium through a fake API: see harness.ts.
 */
import { describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, warnIfNoChromium } from '../support/browser.js';
import { poll, useWindow } from './harness.js';

warnIfNoChromium('renderer UI tests');

describe.skipIf(!HAS_CHROMIUM)('renderer: notices', () => {
  const { open, emit, shot, unnamedControls, calls } = useWindow();

  it('shows the one-time close-to-tray notice; it hides the window or leads to Settings', async () => {
    const page = await open();
    await page.evaluate(() => {
      const w = window as unknown as { close(): void; __closed: number };
      w.__closed = 0;
      w.close = () => void (w.__closed += 1);
    });
    const closed = () => page.evaluate(() => (window as unknown as { __closed: number }).__closed);
    const notice = page.locator('[data-testid=notice-closed-to-tray]');
    const closedToTray = {
      kind: 'closed-to-tray',
      title: 'Replyline keeps running in the tray',
      body: 'To quit when you close the window, turn off “Keep running in the tray” in Settings.',
    } as const;
    expect(await notice.count()).toBe(0);

    await emit(page, 'notice', closedToTray);
    await notice.waitFor();
    expect(await notice.innerText()).toContain('turn off “Keep running in the tray” in Settings');
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.testid)).toBe('notice-hide-window');
    expect(await unnamedControls(page)).toEqual([]);
    await shot(page, 'notice-closed-to-tray');
    await page.keyboard.press('Enter');
    expect(await closed()).toBe(1);
    expect(await notice.count()).toBe(0);

    await emit(page, 'notice', closedToTray);
    await page.click('[data-testid=notice-open-settings]');
    expect(await page.locator('[data-testid=panel-settings]').isVisible()).toBe(true);
    expect(await notice.count()).toBe(0);
    expect(await closed()).toBe(1);

    // …where the setting the notice names turns closing into quitting.
    const setting = page.locator('[data-testid=setting-closeToTray]');
    await poll(() => setting.isChecked()).toBe(true);
    expect(await page.locator('label', { has: setting }).innerText()).toBe('Keep running in the tray when I close the window');
    await setting.uncheck();
    await page.click('[data-testid=settings-save]');
    await poll(async () => (await calls(page, 'updateSettings')).map((c) => c.args)).toEqual([{ closeToTray: false }]);
  });

  it('shows notifications the system refused in the window, without piling them up', async () => {
    const page = await open();
    const cards = page.locator('[data-testid=notice-notification]');
    const note = (title: string) => ({ kind: 'notification', title, body: `${title}: open Replyline` }) as const;
    await emit(page, 'notice', note('WhatsApp is open elsewhere'));
    await emit(page, 'notice', note('WhatsApp is open elsewhere'));
    await poll(() => cards.count()).toBe(1);
    for (const t of ['A reply was not sent', 'Logged out of WhatsApp', 'Replyline cannot reconnect']) await emit(page, 'notice', note(t));
    await poll(() => cards.count()).toBe(3);
    expect(await cards.first().innerText()).toContain('A reply was not sent');
    await cards.first().locator('[data-testid=notice-dismiss]').click();
    await poll(() => cards.count()).toBe(2);
  });
});
