/**
 * The reconnect history: counts per cause with their meanings, the uptime chart, entries, export.
 * In real headless Chromium through a fake API: see harness.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, warnIfNoChromium } from '../support/browser.js';
import { T0, fakeData } from './fixtures.js';
import { poll, useWindow } from './harness.js';

warnIfNoChromium('renderer UI tests');

describe.skipIf(!HAS_CHROMIUM)('renderer: reconnect history', () => {
  const { open, emit, calls, shot } = useWindow();

  it('shows counts per cause with meanings, the uptime chart, entries and exports', async () => {
    const page = await open();
    await page.click('[data-testid=tab-history]');
    const counts = page.locator('[data-testid=history-count]');
    await poll(() => counts.count()).toBe(3);
    expect(await counts.first().getAttribute('data-cause')).toBe('connection-lost');
    expect(await counts.first().locator('[data-testid=history-count-value]').innerText()).toBe('3');
    expect(await counts.first().innerText()).toContain('The connection was lost');
    expect(await page.locator('[data-testid=history-count][data-cause=replaced]').innerText()).toContain(
      'WhatsApp is open elsewhere',
    );

    const chart = page.locator('[data-testid=uptime-chart]');
    expect(await chart.getAttribute('data-range')).toBe('day');
    expect(await chart.locator('[data-testid=uptime-bar]').count()).toBe(24);
    expect(await chart.locator('[data-testid=uptime-bar]').nth(12).getAttribute('data-up')).toBe('0.000');
    const bar = await chart.locator('rect.bar').first().boundingBox();
    expect(bar!.height).toBeGreaterThan(40);
    expect(await page.locator('[data-testid=uptime-summary]').innerText()).toMatch(/^Connected 9\d\.\d% of the last 24 hours\.$/);
    expect(await chart.getAttribute('aria-label')).toContain('Uptime chart');

    const rows = page.locator('[data-testid=history-row]');
    expect(await rows.count()).toBe(6);
    expect(await rows.first().innerText()).toContain('Network came back');
    expect(await rows.nth(1).innerText()).toContain('408');
    expect(await rows.first().innerText()).toContain('1 min 35 s');
    await shot(page, 'history');

    await page.click('[data-testid=uptime-range-week]');
    expect(await chart.getAttribute('data-range')).toBe('week');
    expect(await chart.locator('[data-testid=uptime-bar]').count()).toBe(28);
    expect(await page.locator('[data-testid=uptime-range-week]').getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('[data-testid=uptime-summary]').innerText()).toContain('of the last 7 days');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=history-export]')]);
    expect(download.suggestedFilename()).toBe('replyline-reconnect-history-2025-05-12.csv');
    expect(readFileSync((await download.path())!, 'utf8')).toBe(fakeData().historyCsv);

    // A new history entry makes the screen read the history again.
    const before = (await calls(page, 'getHistory')).length;
    await emit(page, 'history', { seq: 10, at: T0, state: 'reconnecting', cause: 'timed-out', code: 408, meaning: 'x' });
    await poll(async () => (await calls(page, 'getHistory')).length).toBe(before + 1);
  });
});
