/**
 * Store resets: the core's banner for a store that had to be reset (what happened, where the
 * damaged copy is), shown until dismissed, beside the desktop shell's own notices.
 * In real headless Chromium through a fake API: see harness.ts.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StoreResetView } from '../../main/contract/api.js';
import { HAS_CHROMIUM, warnIfNoChromium } from '../support/browser.js';
import { T0, fakeData } from './fixtures.js';
import { useWindow } from './harness.js';

warnIfNoChromium('renderer UI tests');

/** The banner is a screenshot in docs/: written there with REPLYLINE_UPDATE_SCREENSHOTS=1 (then committed). */
const DOC_SCREENSHOTS = path.resolve(process.env.REPLYLINE_UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-results/screenshots/ui');

const COPY = '/home/alex/.config/Replyline/settings.json.corrupt-2025-05-12T09-12-03-114Z';
const SETTINGS_RESET: StoreResetView = {
  id: 'settings',
  store: 'settings',
  title: 'Your settings could not be read',
  message: `The settings file was damaged, so Replyline started with the default settings, no rules, and auto-reply off. Check Settings and Rules before you switch auto-reply on again. The damaged file was kept as ${COPY}.`,
  copies: [COPY],
  at: T0 - 18 * 60_000,
};

describe.skipIf(!HAS_CHROMIUM)('renderer: store resets', () => {
  const { open, emit, calls, unnamedControls } = useWindow();

  const openWithReset = () => {
    const base = fakeData();
    return open({ data: { snapshot: { ...base.snapshot, autoReply: { enabled: false }, storeResets: [SETTINGS_RESET] }, rules: [] } });
  };

  it('tells the person once that a damaged store was reset, where the copy is, until they dismiss it', async () => {
    const page = await openWithReset();
    const banner = page.locator('[data-testid=store-reset][data-store=settings]');
    await banner.waitFor();
    const text = await banner.innerText();
    expect(text).toContain('Your settings could not be read');
    expect(text).toContain('auto-reply off');
    expect(text).toContain(COPY);
    expect(await banner.getAttribute('role')).toBe('alert');
    expect(await unnamedControls(page)).toEqual([]);
    await page.screenshot({ path: path.join(DOC_SCREENSHOTS, 'store-reset.png'), animations: 'disabled' });

    await banner.locator('[data-testid=dismiss-store-reset]').click();
    await banner.waitFor({ state: 'detached' });
    expect(await calls(page, 'dismissStoreReset')).toEqual([{ command: 'dismissStoreReset', args: { id: 'settings' } }]);

    // Another store reset while the window is open arrives as an event.
    await emit(page, 'store-resets', [{ ...SETTINGS_RESET, id: 'outbox', store: 'outbox', title: 'The list of replies waiting to go out was damaged' }]);
    await page.locator('[data-testid=store-reset][data-store=outbox]').waitFor();
    expect(await page.locator('[data-testid=store-reset]').count()).toBe(1);
  });

  it("shows a store reset and the shell's notices together; dismissing one leaves the other", async () => {
    const page = await openWithReset();
    const reset = page.locator('[data-testid=store-reset][data-store=settings]');
    const notice = page.locator('[data-testid=notice-notification]');
    await reset.waitFor();
    await emit(page, 'notice', { kind: 'notification', title: 'A reply was not sent', body: 'A reply was not sent: open Replyline' });
    await notice.waitFor();
    expect(await reset.isVisible()).toBe(true);
    expect(await notice.isVisible()).toBe(true);

    await notice.locator('[data-testid=notice-dismiss]').click();
    await notice.waitFor({ state: 'detached' });
    expect(await reset.isVisible()).toBe(true);
    expect(await calls(page, 'dismissStoreReset')).toEqual([]);

    await emit(page, 'notice', { kind: 'notification', title: 'Logged out of WhatsApp', body: 'Logged out of WhatsApp: open Replyline' });
    await notice.waitFor();
    await reset.locator('[data-testid=dismiss-store-reset]').click();
    await reset.waitFor({ state: 'detached' });
    expect(await notice.isVisible()).toBe(true);
  });
});
