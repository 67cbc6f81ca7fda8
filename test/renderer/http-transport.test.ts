/**
 * The window over HTTP, as headless mode serves it: the token taken from the URL fragment and
 * hidden, commands as JSON RPC with the token, events over server-sent events (and what happens
 * when the stream drops), and plain words for a wrong or missing token. Served by the stand-in
 * server (served.server.ts) in real headless Chromium.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, warnIfNoChromium } from '../support/browser.js';
import { fakeData } from './fixtures.js';
import { poll, TOKEN, useServedRenderer } from './harness.js';

warnIfNoChromium('renderer UI tests');

describe.skipIf(!HAS_CHROMIUM)('renderer over HTTP (headless mode transport)', () => {
  const served = useServedRenderer();
  let context: BrowserContext | undefined;
  let requests: string[] = [];

  const data = fakeData();

  beforeAll(() => {
    served.server.answer = (command) =>
      (
        ({
          getSnapshot: data.snapshot,
          listMissed: data.missed,
          getSettings: data.settings,
          listReplies: data.replies,
          reconnectNow: null,
        }) as Record<string, unknown>
      )[command];
  });

  afterEach(async () => {
    await context?.close();
    context = undefined;
    const foreign = requests.filter((u) => !u.startsWith(`${served.server.origin}/`));
    expect(foreign, 'requests to other origins').toEqual([]);
    requests = [];
    served.server.rpc.length = 0;
    served.server.eventRequests.length = 0;
  });

  async function openPage(url: string): Promise<Page> {
    context = await served.browser.newContext({ locale: 'en-GB', timezoneId: 'UTC' });
    const page = await context.newPage();
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(url);
    return page;
  }

  it('takes the token from the fragment, hides it, and talks RPC + SSE with it', async () => {
    const page = await openPage(`${served.server.origin}/#token=${TOKEN}`);
    await page.waitForSelector('#app[data-ready="true"]');
    expect(page.url()).toBe(`${served.server.origin}/`);
    expect(await page.locator('[data-testid=state-banner]').getAttribute('data-state')).toBe('open');

    const snapshot = served.server.rpc.find((r) => r.command === 'getSnapshot')!;
    expect(snapshot.authorization).toBe(`Bearer ${TOKEN}`);
    expect(snapshot.body).toBe('');
    expect(served.server.rpc.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    await poll(() => served.server.eventRequests).toContain(`?token=${TOKEN}`);

    // Arguments travel as JSON.
    await page.click('[data-testid=tab-replies]');
    await poll(() => page.locator('[data-testid=reply-row]').count()).toBe(6);
    const list = served.server.rpc.find((r) => r.command === 'listReplies')!;
    expect(list.contentType).toBe('application/json');
    expect(JSON.parse(list.body)).toEqual({ limit: 500 });

    // Events arrive over SSE.
    await poll(() => served.server.openStreams()).toBe(1);
    served.server.push('state', {
      state: { kind: 'reconnecting', attempt: 2, nextAttemptAt: Date.now() + 30_000, delayMs: 30_000, cause: 'timed-out' },
      stateText: 'Reconnecting in 30 s (attempt 2)',
    });
    await page.waitForSelector('[data-testid=state-banner][data-state=reconnecting]');
    await page.click('[data-testid=reconnect-now]');
    await poll(() => served.server.rpc.some((r) => r.command === 'reconnectNow' && r.body === '')).toBe(true);
    // Every event of the contract gets through, the conversation ones too (`muted` here).
    served.server.push('muted', data.muted);
    await poll(() => page.locator('[data-testid=muted-count]').innerText()).toBe(String(data.muted.length));

    // The stream drops and comes back: the window reads everything again.
    const snapshots = served.server.rpc.filter((r) => r.command === 'getSnapshot').length;
    served.server.dropStreams();
    await poll(() => served.server.rpc.filter((r) => r.command === 'getSnapshot').length).toBeGreaterThan(snapshots);
    await page.waitForSelector('[data-testid=state-banner][data-state=open]');

    // A reload keeps working (token kept for this tab only).
    await page.reload();
    await page.waitForSelector('#app[data-ready="true"]');
  });

  it('explains a wrong token and a missing token instead of failing silently', async () => {
    const wrong = await openPage(`${served.server.origin}/#token=wrong`);
    await wrong.waitForSelector('[data-testid=state-banner][data-state=unreachable]');
    expect(await wrong.locator('[data-testid=state-detail]').innerText()).toContain('no longer allowed');
    await context!.close();
    served.server.rpc.length = 0;

    const none = await openPage(`${served.server.origin}/`);
    await none.waitForSelector('[data-testid=state-banner][data-state=unreachable]');
    expect(await none.locator('[data-testid=state-detail]').innerText()).toContain('no access token');
    expect(served.server.rpc).toEqual([]);
  });
});
