/**
 * Settings: only changed values are sent, numbers are checked first (bounds from the contract).
 * In real headless Chromium through a fake API: see harness.ts.
 */
import { describe, expect, it } from 'vitest';
import { SETTINGS_BOUNDS } from '../../main/contract/bounds.js';
import { HAS_CHROMIUM, warnIfNoChromium } from '../support/browser.js';
import { fakeData } from './fixtures.js';
import { poll, useWindow } from './harness.js';

warnIfNoChromium('renderer UI tests');

describe.skipIf(!HAS_CHROMIUM)('renderer: settings', () => {
  const { open, emit, calls, shot } = useWindow();

  it('saves only changed settings and checks numbers first', async () => {
    const page = await open();
    await page.click('[data-testid=tab-settings]');
    const catchUp = page.locator('[data-testid=setting-catchUpWindowMinutes]');
    await poll(() => catchUp.inputValue()).toBe('15');
    expect(await page.locator('[data-testid=setting-notifications]').isChecked()).toBe(true);
    expect(await page.locator('[data-testid=about-data-dir]').innerText()).toBe('/home/alex/.config/Replyline');
    await shot(page, 'settings');

    // The takeover pause: its bounds are the contract's, checked before anything is sent.
    const takeover = page.locator('[data-testid=setting-takeoverPauseMinutes]');
    expect(await takeover.inputValue()).toBe('30');
    expect([await takeover.getAttribute('min'), await takeover.getAttribute('max')]).toEqual([
      String(SETTINGS_BOUNDS.takeoverPauseMinutes.min),
      String(SETTINGS_BOUNDS.takeoverPauseMinutes.max),
    ]);
    await takeover.fill(String(SETTINGS_BOUNDS.takeoverPauseMinutes.max + 1));
    await page.click('[data-testid=settings-save]');
    expect(await takeover.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#takeoverPauseMinutes-error').innerText()).toBe(
      `After I write in a chat myself, stay quiet there for: enter a whole number from 0 to ${SETTINGS_BOUNDS.takeoverPauseMinutes.max}.`,
    );
    await takeover.fill('30');

    await catchUp.fill('-5');
    await page.click('[data-testid=settings-save]');
    expect(await catchUp.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('[data-testid=settings-status]').innerText()).toContain('Not saved');
    expect(await calls(page, 'updateSettings')).toEqual([]);

    await catchUp.fill('30');
    await page.locator('[data-testid=setting-notifications]').uncheck();
    await page.click('[data-testid=settings-save]');
    await poll(() => page.locator('[data-testid=settings-status]').innerText()).toBe('Settings saved.');
    expect((await calls(page, 'updateSettings')).map((c) => c.args)).toEqual([{ catchUpWindowMinutes: 30, notifications: false }]);
    expect(await catchUp.getAttribute('aria-invalid')).toBeNull();

    // A settings event (e.g. from the tray) updates the form when nothing is being edited.
    await emit(page, 'settings', { ...fakeData().settings, startAtLogin: true });
    await poll(() => page.locator('[data-testid=setting-startAtLogin]').isChecked()).toBe(true);
  });
});
