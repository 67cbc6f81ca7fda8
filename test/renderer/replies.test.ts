/**
 * The reply log: list, filters, search, CSV export and live reply events.
 * In real headless Chromium through a fake API: see harness.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, warnIfNoChromium } from '../support/browser.js';
import { FULL_NUMBER, fakeData } from './fixtures.js';
import { poll, useWindow } from './harness.js';

warnIfNoChromium('renderer UI tests');

describe.skipIf(!HAS_CHROMIUM)('renderer: reply log', () => {
  const { open, emit, calls, shot, panelText } = useWindow();

  it('lists replies, filters, searches, exports CSV and follows reply events', async () => {
    const page = await open();
    await page.click('[data-testid=tab-replies]');
    const rows = page.locator('[data-testid=reply-row]');
    await poll(() => rows.count()).toBe(6);
    const text = await panelText(page, 'replies');
    expect(text).toContain('Maria Schmidt');
    expect(text).toContain('+49 ••• ••• 45 67');
    expect(text).toContain('WhatsApp rejected the message');
    // A contact without a saved name shows as the masked number, never the full one.
    expect(text).not.toContain(FULL_NUMBER);
    expect(text).not.toContain('23456789');
    expect(await rows.nth(3).innerText()).toContain('+49 ••• ••• 67 89');
    await shot(page, 'replies');

    await page.selectOption('[data-testid=reply-status-filter]', 'failed');
    await poll(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-status')).toBe('failed');
    expect((await calls(page, 'listReplies')).at(-1)!.args).toEqual({ status: 'failed', limit: 500 });

    await page.selectOption('[data-testid=reply-status-filter]', '');
    await page.fill('[data-testid=reply-search]', 'price');
    await poll(() => rows.count()).toBe(2);
    expect((await calls(page, 'listReplies')).at(-1)!.args).toEqual({ search: 'price', limit: 500 });
    expect(await page.locator('[data-testid=reply-count]').innerText()).toBe('2 replies match');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=reply-export]')]);
    expect(download.suggestedFilename()).toBe('replyline-replies-2025-05-12.csv');
    expect(readFileSync((await download.path())!, 'utf8')).toBe(fakeData().repliesCsv);
    expect((await calls(page, 'exportReplies')).at(-1)!.args).toEqual({ search: 'price' });

    // A status change arrives as an event and patches the row in place.
    const delivered = { ...fakeData().replies[1]!, status: 'read' as const };
    await emit(page, 'reply', delivered);
    await poll(() => page.locator(`[data-testid=reply-row][data-id="${delivered.id}"]`).getAttribute('data-status')).toBe('read');

    await page.fill('[data-testid=reply-search]', 'nothing like this');
    await page.locator('[data-testid=reply-empty]').waitFor();
    expect(await page.locator('[data-testid=reply-empty]').innerText()).toBe('No replies match.');
  });
});
