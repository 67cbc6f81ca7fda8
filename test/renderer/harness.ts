/**
 * The window in real headless Chromium, for the renderer tests (one file per view): the renderer
 * is built with Vite (test/support/browser.ts, shared by the files of a run), served on 127.0.0.1
 * (server.ts), and driven through a fake `window.replyline` (fake-api.ts) that answers from
 * canned data and lets each test push events. Screenshots of every screen go to
 * test-results/screenshots/ui/ (the README's come from the end-to-end run).
 *
 * `useWindow()` registers the hooks in the calling `describe`: after each test, every page it
 * opened is checked — no request to any origin but the page's own, no CSP violation, no uncaught
 * error.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { describeState, type ConnectionState, type EventPayloads, type Result } from '../../main/contract/api.js';
import { buildRenderer, cspViolations, decodeQr, launchChromium, watchCspViolations } from '../support/browser.js';
import { installFakeApi, type FakeCall, type FakeData, type FakeWindow } from './fake-api.js';
import { T0, fakeData } from './fixtures.js';
import { startServer, type TestServer } from './server.js';

const SCREENSHOTS = path.resolve('test-results/screenshots/ui');
export const TOKEN = 'test-token-5b7e1c';

/** `expect.poll` with the renderer tests' bounds. */
export const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 5_000, interval: 50 });

export interface OpenOptions {
  data?: Partial<FakeData>;
  fake?: boolean;
  path?: string;
  colorScheme?: 'light' | 'dark';
  clock?: boolean;
}

/** The built renderer, served by the stand-in server, and a browser (started once per file). */
export function useServedRenderer(timeoutMs = 120_000): { readonly outDir: string; readonly server: TestServer; readonly browser: Browser } {
  const state = {} as { outDir: string; server: TestServer; browser: Browser };
  beforeAll(async () => {
    state.outDir = await buildRenderer();
    state.server = await startServer(state.outDir, TOKEN);
    state.browser = await launchChromium();
  }, timeoutMs);
  afterAll(async () => {
    await state.browser?.close();
    await state.server?.close();
  });
  return state;
}

export function useWindow() {
  const served = useServedRenderer();
  let decoder: Page;
  const opened: Array<{ page: Page; context: BrowserContext }> = [];
  let requests: string[] = [];
  let pageErrors: string[] = [];

  beforeAll(async () => {
    decoder = await served.browser.newPage();
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 120_000);

  afterEach(async () => {
    for (const { page, context } of opened.splice(0)) {
      const violations = await cspViolations(page).catch(() => [] as string[]);
      await context.close();
      expect(violations, 'CSP violations').toEqual([]);
    }
    const foreign = requests.filter((u) => !u.startsWith(`${served.server.origin}/`) && !/^(data|blob):/.test(u));
    expect(foreign, 'requests to other origins').toEqual([]);
    expect(pageErrors, 'uncaught page errors').toEqual([]);
    requests = [];
    pageErrors = [];
  });

  async function open(options: OpenOptions = {}): Promise<Page> {
    const context = await served.browser.newContext({
      viewport: { width: 1100, height: 820 },
      locale: 'en-GB',
      timezoneId: 'UTC',
      colorScheme: options.colorScheme ?? 'light',
      reducedMotion: 'reduce',
      acceptDownloads: true,
    });
    const page = await context.newPage();
    opened.push({ page, context });
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await watchCspViolations(page);
    if (options.fake !== false) await page.addInitScript(installFakeApi, fakeData(options.data));
    if (options.clock !== false) await page.clock.install({ time: T0 });
    await page.goto(`${served.server.origin}${options.path ?? '/'}`);
    if (options.fake !== false) await page.waitForSelector('#app[data-ready="true"]');
    return page;
  }

  const emit = <E extends keyof EventPayloads>(page: Page, event: E, payload: EventPayloads[E]) =>
    page.evaluate(
      ({ e, p }) => (window as unknown as FakeWindow).__fake.emit(e as keyof EventPayloads, p as never),
      { e: event as string, p: payload as unknown },
    );

  /** Push a state as the core would, with its `describeState` words unless given. */
  const emitState = (page: Page, state: ConnectionState, stateText?: string) =>
    emit(page, 'state', { state, stateText: stateText ?? describeState(state, T0) });

  const calls = (page: Page, command?: string): Promise<FakeCall[]> =>
    page.evaluate(
      (c) => (window as unknown as FakeWindow).__fake.calls.filter((x) => !c || x.command === c),
      command,
    );

  const respond = (page: Page, command: string, result: Result<unknown> | undefined) =>
    page.evaluate(([c, r]) => ((window as unknown as FakeWindow).__fake.responses[c] = r), [command, result] as const);

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true, animations: 'disabled' });

  /** Decode a QR from a PNG (as a person's camera would see it on screen). */
  const decodePng = (png: Buffer) => decodeQr(decoder, png);

  /** Controls on screen without an accessible name. */
  const unnamedControls = (page: Page) =>
    page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLElement>('button, input, select, textarea, [role=tab], [tabindex="0"]'))
        .filter((el) => el.offsetParent !== null || el.getClientRects().length > 0)
        .filter((el) => {
          const labels = (el as HTMLInputElement).labels;
          const byLabel = labels && labels.length > 0 ? Array.from(labels, (l) => l.textContent ?? '').join('') : '';
          const byAria = el.getAttribute('aria-label') ?? '';
          const byRef = (el.getAttribute('aria-labelledby') ?? '')
            .split(' ')
            .map((id: string) => document.getElementById(id)?.textContent ?? '')
            .join('');
          const own = el.tagName === 'BUTTON' || el.getAttribute('role') === 'tab' ? (el.textContent ?? '') : '';
          return !(byLabel + byAria + byRef + own).trim();
        })
        .map((el) => el.outerHTML.slice(0, 120)),
    );

  const panelText = (page: Page, id: string) => page.locator(`[data-testid=panel-${id}]`).innerText();

  return {
    get outDir() {
      return served.outDir;
    },
    open,
    emit,
    emitState,
    calls,
    respond,
    shot,
    decodePng,
    unnamedControls,
    panelText,
  };
}
