/**
 * Missed while offline: the list, and sending or skipping an item.
 * In real headless Chromium through a fake API: see harness.ts.
 */
import { describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, warnIfNoChromium } from '../support/browser.js';
import { fakeData } from './fixtures.js';
import { poll, useWindow } from './harness.js';

warnIfNoChromium('renderer UI tests');

describe.skipIf(!HAS_CHROMIUM)('renderer: missed while offline', () => {
  const { open, emit, calls, respond, shot, panelText } = useWindow();

  it('lists missed messages; send and skip call the core and remove the item', async () => {
    const page = await open();
    await page.click('[data-testid=tab-missed]');
    const items = page.locator('[data-testid=missed-item]');
    await poll(() => items.count()).toBe(3);
    const text = await panelText(page, 'missed');
    expect(text).toContain('Are you open on Saturday?');
    expect(text).not.toContain('23456789');
    await shot(page, 'missed');

    await items.first().locator('[data-testid=missed-send]').click();
    await poll(() => items.count()).toBe(2);
    expect((await calls(page, 'sendMissed')).map((c) => c.args)).toEqual([{ id: 'MISSED1' }]);
    await page.locator('[data-testid=missed-item][data-id=MISSED3] [data-testid=missed-skip]').click();
    await poll(() => items.count()).toBe(1);
    expect((await calls(page, 'skipMissed')).map((c) => c.args)).toEqual([{ id: 'MISSED3' }]);
    expect(await page.locator('[data-testid=missed-count]').innerText()).toBe('1');

    // The core's list replaces ours.
    await emit(page, 'missed', []);
    await page.locator('[data-testid=missed-empty]').waitFor();
    expect(await page.locator('[data-testid=missed-count]').isHidden()).toBe(true);

    // A failed action keeps the item and says why.
    await emit(page, 'missed', fakeData().missed);
    await respond(page, 'skipMissed', { ok: false, error: { kind: 'not-found', message: 'That message is gone.' } });
    await items.first().locator('[data-testid=missed-skip]').click();
    await poll(() => page.locator('[data-testid=toast]').innerText()).toContain('That message is gone.');
    expect(await items.count()).toBe(3);
  });
});
