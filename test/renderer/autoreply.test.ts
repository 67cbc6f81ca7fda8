/**
 * The auto-reply switch and pause in the header.
 * In real headless Chromium through a fake API: see harness.ts.
 */
import { describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, warnIfNoChromium } from '../support/browser.js';
import { poll, useWindow } from './harness.js';

warnIfNoChromium('renderer UI tests');

describe.skipIf(!HAS_CHROMIUM)('renderer: auto-reply switch', () => {
  const { open, emit, calls } = useWindow();

  it('switches auto-reply and pauses it from the header', async () => {
    const page = await open();
    const toggle = page.locator('[data-testid=autoreply-toggle]');
    expect(await toggle.isChecked()).toBe(true);
    await page.click('[data-testid=pause-1h]');
    await poll(() => page.locator('[data-testid=autoreply-status]').innerText()).toMatch(/^Paused until 10:30$/);
    expect((await calls(page, 'pauseAutoReply'))[0]!.args).toEqual({ until: expect.any(Number) as number });
    await page.click('[data-testid=resume]');
    await poll(() => page.locator('[data-testid=autoreply-status]').innerText()).toBe('On');
    await toggle.uncheck();
    await poll(() => page.locator('[data-testid=autoreply-status]').innerText()).toBe('Off');
    expect((await calls(page, 'setAutoReply')).map((c) => c.args)).toEqual([{ enabled: false }]);
    await emit(page, 'auto-reply', { enabled: true });
    await poll(() => toggle.isChecked()).toBe(true);
  });
});
