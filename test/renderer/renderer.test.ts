/**
 * The window, in real headless Chromium: the renderer is built with Vite's JS API into a temp
 * folder, served on 127.0.0.1, and driven through a fake `window.replyline` (fake-api.ts) that
 * answers from canned data and lets each test push events. One block also drives the headless
 * HTTP transport against a stand-in server. Screenshots of every screen go to test-results/screenshots/ (the README's come from the end-to-end run).
 *
 * Every page is checked after its test: no request to any origin but the page's own, no CSP
 * violation, no uncaught error.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jsQRModule from 'jsqr';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeState, type ConnectionState, type EventPayloads, type Result, type StoreResetView } from '../../main/contract/api.js';
import { CONTENT_SECURITY_POLICY_META } from '../../main/core/app/window-files.js';
import { installFakeApi, type FakeCall, type FakeData, type FakeWindow } from './fake-api.js';
import { ACCOUNT_DIGITS, FULL_NUMBER, QR_1, QR_2, T0, fakeData } from './fixtures.js';
import { startServer, type TestServer } from './server.js';

// jsqr is CommonJS; under NodeNext its default import is the module object.
const jsQR = jsQRModule.default;

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
const SCREENSHOTS = path.resolve('test-results/screenshots/ui');
/** Screenshots the README and docs show: committed with REPLYLINE_UPDATE_SCREENSHOTS=1. */
const DOC_SCREENSHOTS = process.env.REPLYLINE_UPDATE_SCREENSHOTS === '1' ? path.resolve('docs/screenshots') : SCREENSHOTS;
const TOKEN = 'test-token-5b7e1c';

if (!HAS_CHROMIUM) {
  console.warn(`renderer UI tests skipped: no Chromium at ${CHROMIUM} (install the Debian "chromium" package to run them)`);
}

interface Opened {
  page: Page;
  context: BrowserContext;
}

describe.skipIf(!HAS_CHROMIUM)('renderer (headless Chromium, fake API)', () => {
  let outDir: string;
  let browser: Browser;
  let server: TestServer;
  let decoder: Page;
  const opened: Opened[] = [];
  let requests: string[] = [];
  let pageErrors: string[] = [];

  beforeAll(async () => {
    outDir = mkdtempSync(path.join(os.tmpdir(), 'replyline-renderer-'));
    await build({
      configFile: path.resolve('vite.config.ts'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
    server = await startServer(outDir, TOKEN);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    decoder = await browser.newPage();
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    for (const { page, context } of opened.splice(0)) {
      const violations = await page
        .evaluate(() => (window as unknown as { __violations?: string[] }).__violations ?? [])
        .catch(() => [] as string[]);
      await context.close();
      expect(violations, 'CSP violations').toEqual([]);
    }
    const foreign = requests.filter((u) => !u.startsWith(`${server.origin}/`) && !/^(data|blob):/.test(u));
    expect(foreign, 'requests to other origins').toEqual([]);
    expect(pageErrors, 'uncaught page errors').toEqual([]);
    requests = [];
    pageErrors = [];
  });

  // ---- Helpers -------------------------------------------------------------------------------

  async function open(
    options: { data?: Partial<FakeData>; fake?: boolean; path?: string; colorScheme?: 'light' | 'dark'; clock?: boolean } = {},
  ): Promise<Page> {
    const context = await browser.newContext({
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
    await page.addInitScript(() => {
      const list: string[] = [];
      (window as unknown as { __violations: string[] }).__violations = list;
      document.addEventListener('securitypolicyviolation', (e) => list.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    if (options.fake !== false) await page.addInitScript(installFakeApi, fakeData(options.data));
    if (options.clock !== false) await page.clock.install({ time: T0 });
    await page.goto(`${server.origin}${options.path ?? '/'}`);
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

  const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 5_000, interval: 50 });

  /** Decode a QR from a PNG (as a person's camera would see it on screen). */
  async function decodePng(png: Buffer): Promise<string | undefined> {
    const { width, height, rgba } = await decoder.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let bin = '';
      for (let i = 0; i < data.length; i += 0x8000) bin += String.fromCharCode(...data.subarray(i, i + 0x8000));
      return { width: canvas.width, height: canvas.height, rgba: btoa(bin) };
    }, png.toString('base64'));
    const data = new Uint8ClampedArray(Buffer.from(rgba, 'base64'));
    return jsQR(data, width, height, { inversionAttempts: 'dontInvert' })?.data;
  }

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

  // ---- Build ---------------------------------------------------------------------------------

  it('builds with relative asset paths, a strict CSP and no inline script or style', () => {
    const html = readFileSync(path.join(outDir, 'index.html'), 'utf8');
    // The <meta> carries the one CSP both shells send as a header (less frame-ancestors, which a
    // <meta> cannot carry), and it is at least as strict as the hand-written one it replaced.
    expect(html).toContain(`content="${CONTENT_SECURITY_POLICY_META}"`);
    for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'", "base-uri 'none'", "form-action 'none'"]) {
      expect(CONTENT_SECURITY_POLICY_META.split('; ')).toContain(directive);
    }
    expect(html).toMatch(/<script type="module"[^>]* src="\.\/assets\/[^"]+\.js"><\/script>/);
    expect(html).toMatch(/href="\.\/assets\/[^"]+\.css"/);
    expect(html).not.toMatch(/<style|style="|<script(?![^>]*src=)[^>]*>[^<]/);
    expect(html).not.toMatch(/https?:\/\//);
  });

  // ---- Connection screen, pairing ------------------------------------------------------------

  it('shows the connected state, the overview, and never the account number', async () => {
    const page = await open();
    const banner = page.locator('[data-testid=state-banner]');
    expect(await banner.getAttribute('data-state')).toBe('open');
    expect(await page.locator('[data-testid=state-text]').innerText()).toBe('Connected');
    expect(await page.locator('[data-testid=overview-link]').innerText()).toContain('Connected as Alex since 08:50');
    expect(await page.locator('[data-testid=missed-count]').innerText()).toBe('3');
    expect(await page.locator('[data-testid=encryption-notice]').isHidden()).toBe(true);
    expect(await page.locator('body').innerText()).not.toContain(ACCOUNT_DIGITS);
    expect(await unnamedControls(page)).toEqual([]);
    await shot(page, 'connection');
  });

  it('warns when the session is stored without OS encryption', async () => {
    const base = fakeData();
    const page = await open({ data: { snapshot: { ...base.snapshot, encryption: 'weak' } } });
    const notice = page.locator('[data-testid=encryption-notice]');
    await notice.waitFor();
    expect(await notice.innerText()).toContain('Your system offers no keychain; the session is stored without OS encryption');
    expect(await page.locator('[data-testid=overview-protection]').innerText()).toBe('Stored without OS encryption');
    await shot(page, 'connection-no-keychain');
  });

  it('says plainly that headless mode stores the session without encryption', async () => {
    const base = fakeData();
    const page = await open({ data: { snapshot: { ...base.snapshot, encryption: 'none' } } });
    const notice = page.locator('[data-testid=encryption-notice]');
    await notice.waitFor();
    expect(await notice.innerText()).toContain('Headless mode stores the session without encryption');
    expect(await notice.innerText()).not.toContain('keyring');
  });

  it('tells the person once that a damaged store was reset, where the copy is, until they dismiss it', async () => {
    const base = fakeData();
    const copy = '/home/alex/.config/Replyline/settings.json.corrupt-2025-05-12T09-12-03-114Z';
    const settingsReset: StoreResetView = {
      id: 'settings',
      store: 'settings',
      title: 'Your settings could not be read',
      message: `The settings file was damaged, so Replyline started with the default settings, no rules, and auto-reply off. Check Settings and Rules before you switch auto-reply on again. The damaged file was kept as ${copy}.`,
      copies: [copy],
      at: T0 - 18 * 60_000,
    };
    const page = await open({
      data: { snapshot: { ...base.snapshot, autoReply: { enabled: false }, storeResets: [settingsReset] }, rules: [] },
    });
    const banner = page.locator('[data-testid=store-reset][data-store=settings]');
    await banner.waitFor();
    const text = await banner.innerText();
    expect(text).toContain('Your settings could not be read');
    expect(text).toContain('auto-reply off');
    expect(text).toContain(copy);
    expect(await banner.getAttribute('role')).toBe('alert');
    expect(await unnamedControls(page)).toEqual([]);
    await page.screenshot({ path: path.join(DOC_SCREENSHOTS, 'store-reset.png'), animations: 'disabled' });

    await banner.locator('[data-testid=dismiss-store-reset]').click();
    await banner.waitFor({ state: 'detached' });
    expect(await calls(page, 'dismissStoreReset')).toEqual([{ command: 'dismissStoreReset', args: { id: 'settings' } }]);

    // Another store reset while the window is open arrives as an event.
    await emit(page, 'store-resets', [{ ...settingsReset, id: 'outbox', store: 'outbox', title: 'The list of replies waiting to go out was damaged' }]);
    await page.locator('[data-testid=store-reset][data-store=outbox]').waitFor();
    expect(await page.locator('[data-testid=store-reset]').count()).toBe(1);
  });

  it('draws the QR crisp and decodable, and redraws it when WhatsApp rotates it', async () => {
    const page = await open();
    await emitState(page, { kind: 'awaiting-qr', qr: QR_1, qrIndex: 0 }, 'Scan the QR code with WhatsApp on your phone');
    const qr = page.locator('[data-testid=qr]');
    await page.waitForSelector('[data-testid=qr][data-qr-index="0"]');
    expect(await page.locator('[data-testid=pairing]').getAttribute('data-phase')).toBe('qr');
    expect(await page.locator('[data-testid=state-banner]').getAttribute('data-state')).toBe('awaiting-qr');
    const box = (await qr.boundingBox())!;
    expect(box.width).toBeGreaterThanOrEqual(256);
    expect(box.height).toBe(box.width);
    expect(await decodePng(await qr.screenshot())).toBe(QR_1);
    // The canvas' own pixels decode too (what a later e2e test may read).
    const dataUrl = await qr.evaluate((c: HTMLCanvasElement) => c.toDataURL('image/png'));
    expect(await decodePng(Buffer.from(dataUrl.split(',')[1]!, 'base64'))).toBe(QR_1);
    // The QR text is drawn, never written into the page.
    expect(await page.content()).not.toContain(QR_1.slice(0, 20));
    await shot(page, 'pairing');

    await emitState(page, { kind: 'awaiting-qr', qr: QR_2, qrIndex: 1 });
    await page.waitForSelector('[data-testid=qr][data-qr-index="1"]');
    expect(await decodePng(await qr.screenshot())).toBe(QR_2);
  });

  it('offers "get a new one" when the QR expired, and it calls requestQr', async () => {
    const page = await open();
    await emitState(page, { kind: 'awaiting-qr', qr: QR_1, qrIndex: 0 });
    await emitState(page, { kind: 'qr-expired' }, 'QR code expired — get a new one');
    const button = page.locator('[data-testid=qr-new]');
    await button.waitFor();
    expect(await page.locator('[data-testid=qr-expired]').innerText()).toContain('expired');
    expect(await page.locator('[data-testid=qr]').isHidden()).toBe(true);
    expect(await page.locator('[data-testid=state-banner]').getAttribute('data-state')).toBe('qr-expired');
    await shot(page, 'pairing-expired');
    await button.click();
    await poll(async () => (await calls(page, 'requestQr')).length).toBe(1);
    // After the scan: connecting, then open — the pairing card says so.
    await emitState(page, { kind: 'awaiting-qr', qr: QR_2, qrIndex: 0 });
    await emitState(page, { kind: 'open', since: T0, account: { phoneJid: `${ACCOUNT_DIGITS}@s.whatsapp.net` } }, 'Connected');
    await page.waitForSelector('[data-testid=pair-success]:visible');
  });

  it('counts down to the next attempt and reconnects on request', async () => {
    const page = await open();
    await page.clock.pauseAt(T0 + 60_000);
    await emitState(page, {
      kind: 'reconnecting',
      attempt: 3,
      nextAttemptAt: T0 + 60_000 + 5_000,
      delayMs: 5_000,
      cause: 'connection-lost',
    });
    const banner = page.locator('[data-testid=state-banner]');
    await page.waitForSelector('[data-testid=state-banner][data-state=reconnecting]');
    expect(await page.locator('[data-testid=countdown]').getAttribute('data-seconds')).toBe('5');
    expect(await page.locator('[data-testid=state-text]').innerText()).toBe('Reconnecting in 5 s (attempt 3)');
    expect(await page.locator('[data-testid=state-detail]').innerText()).toContain('The connection was lost');
    await page.clock.runFor(2_000);
    expect(await page.locator('[data-testid=countdown]').getAttribute('data-seconds')).toBe('3');
    await shot(page, 'reconnecting');
    await page.clock.runFor(3_000);
    expect(await page.locator('[data-testid=state-text]').innerText()).toBe('Reconnecting now (attempt 3)…');
    await page.clock.resume();
    await banner.locator('[data-testid=reconnect-now]').click();
    await poll(async () => (await calls(page, 'reconnectNow')).length).toBe(1);
  });

  it('asks "use here or relink" on a 440 and calls the chosen command', async () => {
    const page = await open();
    await emitState(page, { kind: 'conflict' }, 'WhatsApp is open elsewhere with this session');
    const prompt = page.locator('[data-testid=conflict-prompt]');
    await prompt.waitFor();
    expect(await prompt.innerText()).toContain('WhatsApp is open elsewhere');
    expect(await page.locator('[data-testid=state-banner]').getAttribute('data-state')).toBe('conflict');
    await shot(page, 'conflict');
    await prompt.locator('[data-testid=use-here]').click();
    await poll(async () => (await calls(page, 'useHere')).length).toBe(1);
    await poll(() => prompt.locator('[data-testid=relink]').isEnabled()).toBe(true);
    await prompt.locator('[data-testid=relink]').click();
    await poll(async () => (await calls(page, 'relink')).length).toBe(1);

    await emitState(page, { kind: 'open', since: T0, account: { phoneJid: `${ACCOUNT_DIGITS}@s.whatsapp.net` } }, 'Connected');
    await prompt.waitFor({ state: 'detached' });
    await emitState(page, { kind: 'needs-relink', reason: 'the session no longer matches the phone' });
    const relink = page.locator('[data-testid=relink-prompt]');
    await relink.waitFor();
    expect(await relink.innerText()).toContain('the session no longer matches the phone');
    await relink.locator('[data-testid=relink]').click();
    await poll(async () => (await calls(page, 'relink')).length).toBe(2);
  });

  // ---- Reply log -----------------------------------------------------------------------------

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

  // ---- History -------------------------------------------------------------------------------

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

  // ---- Missed while offline ------------------------------------------------------------------

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

  // ---- Rules ---------------------------------------------------------------------------------

  it('edits rules and shows the per-rule validation details from setRules', async () => {
    const page = await open();
    await page.click('[data-testid=tab-rules]');
    const cards = page.locator('[data-testid=rule-card]');
    await poll(() => cards.count()).toBe(2);
    const second = cards.nth(1);
    expect(await second.locator('[data-field="match.type"]').inputValue()).toBe('regex');
    expect(await second.locator('[data-field="match.pattern"]').inputValue()).toBe('(a+)+$');
    expect(await second.locator('[data-field="scope.mode"]').inputValue()).toBe('except');
    expect(await second.locator('[data-field=groups]').inputValue()).toBe('mentioned');
    expect(await cards.first().locator('[data-field="schedule.windows.0.start"]').inputValue()).toBe('09:00');

    await cards.first().locator('[data-field=name]').fill('Away (evenings)');
    expect(await page.locator('[data-testid=rules-status]').innerText()).toBe('Unsaved changes');

    await respond(page, 'setRules', {
      ok: false,
      error: {
        kind: 'invalid-rules',
        message: 'Some rules need a fix before they can be saved',
        details: [
          { path: '1.match.pattern', message: 'Rule 2 “Prices”: the pattern is too complex (nested repetition)' },
          { path: '0.schedule.windows.0.days', message: 'Rule 1 “Away (evenings)”: pick at least one day' },
          { path: '1', message: 'Rule 2 “Prices”: something about the whole rule' },
        ],
      },
    });
    await page.click('[data-testid=rules-save]');
    const summary = page.locator('[data-testid=rules-errors]');
    await summary.waitFor();
    expect(await summary.innerText()).toContain('Some rules need a fix before they can be saved');
    expect(await summary.innerText()).toContain('the pattern is too complex');
    // Focus goes to the summary so keyboard and screen-reader users land on it.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('rules-errors-heading');

    const pattern = second.locator('[data-field="match.pattern"]');
    expect(await pattern.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await pattern.getAttribute('aria-describedby'))!.split(' ');
    const fieldErrors = second.locator('[data-testid=rule-error]');
    const patternError = second.locator('[data-testid=rule-error][data-path="1.match.pattern"]');
    expect(describedBy).toContain(await patternError.getAttribute('id'));
    expect(await patternError.innerText()).toContain('the pattern is too complex');
    expect(await fieldErrors.count()).toBe(2);
    expect(await second.locator('[data-testid=rule-card-errors]').innerText()).toContain('something about the whole rule');
    expect(await cards.first().locator('[data-testid=rule-error]').innerText()).toContain('pick at least one day');
    await shot(page, 'rules');

    // The summary links to the field.
    await summary.locator('[data-testid=rules-error-link]').first().click();
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.field)).toBe('match.pattern');

    // Fix it and save.
    await pattern.fill('^(price|cost)\\b');
    expect(await pattern.getAttribute('aria-invalid')).toBeNull();
    await second.locator('[data-field="match.type"]').selectOption('keywords');
    await second.locator('[data-field="match.keywords"]').fill('price, cost , how much');
    await respond(page, 'setRules', undefined);
    await page.click('[data-testid=rules-save]');
    await poll(() => page.locator('[data-testid=rules-status]').innerText()).toBe('Saved 2 rules.');
    expect(await summary.isHidden()).toBe(true);
    const saved = (await calls(page, 'setRules')).at(-1)!.args as { rules: Array<Record<string, unknown>> };
    expect(saved.rules[0]!.name).toBe('Away (evenings)');
    expect(saved.rules[1]!.match).toEqual({ type: 'keywords', keywords: ['price', 'cost', 'how much'], caseSensitive: false });
    // Fields the form does not show are kept as they were.
    expect(saved.rules[0]!.delay).toEqual({ minMs: 1000, maxMs: 3000, typing: true });

    // Add a rule; it gets an id and focus lands on its name.
    await page.click('[data-testid=rules-add]');
    await poll(() => cards.count()).toBe(3);
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.field)).toBe('name');
    await page.keyboard.type('Weekend');
    await cards.nth(2).locator('[data-field="reply.text"]').fill('Back on Monday, {first_name}!');
    await cards.nth(2).locator('[data-testid=rule-up]').click();
    await page.click('[data-testid=rules-save]');
    await poll(() => page.locator('[data-testid=rules-status]').innerText()).toBe('Saved 3 rules.');
    const third = (await calls(page, 'setRules')).at(-1)!.args as { rules: Array<Record<string, unknown>> };
    expect(third.rules.map((r) => r.name)).toEqual(['Away (evenings)', 'Weekend', 'Prices']);
    expect(third.rules[1]!.id).toMatch(/^rule-/);
    expect(third.rules[1]!.reply).toEqual({ type: 'template', text: 'Back on Monday, {first_name}!' });
  });

  // ---- Responders: keys and Test ---------------------------------------------------------------

  const AI_KEY = 'sk-proj-window-test-1a2b3c4d5e6f';
  const aiRule = {
    id: 'ai',
    name: 'Assistant',
    enabled: true,
    match: { type: 'any' },
    scope: { mode: 'everyone' },
    groups: 'off',
    reply: {
      type: 'openai',
      baseUrl: 'https://api.openai.com/v1',
      model: 'gpt-4o-mini',
      apiKeyRef: 'openai',
      systemPrompt: 'You answer for Alex.',
      temperature: 0.3,
      maxTokens: 300,
      contextTurns: 8,
      contextChars: 4000,
      timeoutMs: 30_000,
      fallback: 'I will answer soon.',
    },
  };
  const hookRule = {
    id: 'hook',
    name: 'Shop',
    enabled: true,
    match: { type: 'keywords', keywords: ['order'] },
    reply: { type: 'webhook', url: 'https://shop.example/replyline', secretRef: 'shop-hook', timeoutMs: 15_000 },
  };
  const responderData = (): Partial<FakeData> => ({
    rules: [aiRule, hookRule],
    secrets: {
      canStore: true,
      secrets: [
        { name: 'openai', set: false, source: 'none', usedBy: ['Assistant'] },
        { name: 'shop-hook', set: true, source: 'stored', usedBy: ['Shop'] },
      ],
    },
    chatMemory: [
      { id: 'c1', contactName: 'Maria Schmidt', contactMasked: '+49 ••• ••• 45 67', turns: 6, lastAt: T0 - 20 * 60_000 },
      { id: 'c2', contactName: '', contactMasked: '+44 ••• ••• 55 21', turns: 2, lastAt: T0 - 3 * 3_600_000 },
    ],
  });

  it('a responder shows every field; a key is entered in a password field and then shows as set, never its value; Test shows the reply and the time', async () => {
    const page = await open({ data: responderData() });
    await page.click('[data-testid=tab-rules]');
    const card = page.locator('[data-testid=rule-card]').first();
    await card.waitFor();
    const value = (field: string) => card.locator(`[data-field="${field}"]`).inputValue();
    expect(await value('reply.type')).toBe('openai');
    expect(await value('reply.baseUrl')).toBe('https://api.openai.com/v1');
    expect(await value('reply.model')).toBe('gpt-4o-mini');
    expect(await value('reply.apiKeyRef')).toBe('openai');
    expect(await value('reply.systemPrompt')).toBe('You answer for Alex.');
    expect(await value('reply.temperature')).toBe('0.3');
    expect(await value('reply.maxTokens')).toBe('300');
    expect(await value('reply.contextTurns')).toBe('8');
    expect(await value('reply.contextChars')).toBe('4000');
    expect(await value('reply.timeoutMs')).toBe('30');
    expect(await value('reply.fallback')).toBe('I will answer soon.');
    expect(await unnamedControls(page)).toEqual([]);

    // The key: "Not set", a password field, Save.
    const secret = card.locator('[data-testid=rule-secret]');
    const status = secret.locator('[data-testid=secret-status]');
    await poll(() => status.innerText()).toBe('Not set');
    const input = secret.locator('[data-testid=secret-input]');
    expect(await input.getAttribute('type')).toBe('password');
    await input.fill(AI_KEY);
    await secret.locator('[data-testid=secret-save]').click();
    await poll(() => status.innerText()).toBe('Set');
    expect((await calls(page, 'setSecret')).map((c) => c.args)).toEqual([{ name: 'openai', value: AI_KEY }]);
    expect(await input.inputValue()).toBe('');
    expect(await secret.locator('[data-testid=secret-save]').innerText()).toBe('Replace');
    expect(await page.content()).not.toContain(AI_KEY);

    // Test: the sample message (edited) and the rule as it is in the editor (unsaved edits too).
    await card.locator('[data-field="reply.model"]').fill('gpt-4.1-mini');
    await card.locator('[data-testid=responder-test-message]').fill('Do you have gluten-free bread?');
    await card.locator('[data-testid=responder-test-run]').click();
    const result = card.locator('[data-testid=responder-test-result]');
    await poll(() => result.getAttribute('data-outcome')).toBe('reply');
    expect(await result.innerText()).toContain('Reply in 1.2 s:');
    expect(await result.innerText()).toContain('We are open today from 9 to 18.');
    const [test] = await calls(page, 'testResponder');
    expect(test!.args).toEqual({ reply: { ...aiRule.reply, model: 'gpt-4.1-mini' }, message: 'Do you have gluten-free bread?' });
    await shot(page, 'rules-ai-responder');

    // A failure, in the core's plain words, with the time it took.
    await respond(page, 'testResponder', {
      ok: true,
      value: { outcome: 'no-reply', error: 'The AI chat server did not accept the API key (HTTP 401); check the key.', ms: 310 },
    });
    await card.locator('[data-testid=responder-test-run]').click();
    await poll(() => result.getAttribute('data-outcome')).toBe('no-reply');
    expect(await result.innerText()).toBe('No reply (310 ms): The AI chat server did not accept the API key (HTTP 401); check the key.');
    await respond(page, 'testResponder', {
      ok: true,
      value: { outcome: 'fallback', error: 'The AI chat server did not answer within 30 s.', text: 'I will answer soon.', ms: 30_004 },
    });
    await card.locator('[data-testid=responder-test-run]').click();
    await poll(() => result.getAttribute('data-outcome')).toBe('fallback');
    expect(await result.innerText()).toContain('No answer in 30.0 s: The AI chat server did not answer within 30 s.');
    expect(await result.innerText()).toContain('I will answer soon.');

    // The webhook rule: address, signing secret (set), timeout, fallback, its own Test.
    const hook = page.locator('[data-testid=rule-card]').nth(1);
    expect(await hook.locator('[data-field="reply.url"]').inputValue()).toBe('https://shop.example/replyline');
    expect(await hook.locator('[data-field="reply.secretRef"]').inputValue()).toBe('shop-hook');
    expect(await hook.locator('[data-field="reply.timeoutMs"]').inputValue()).toBe('15');
    expect(await hook.locator('[data-testid=rule-secret] [data-testid=secret-status]').innerText()).toBe('Set');
    await hook.locator('[data-testid=responder-test-run]').click();
    await poll(async () => (await calls(page, 'testResponder')).length).toBe(4);
    expect((await calls(page, 'testResponder')).at(-1)!.args).toEqual({ reply: hookRule.reply, message: 'Hi! Are you open today?' });

    // Edited fields are saved in the rule's units (seconds → ms; an emptied field is left out).
    await card.locator('[data-field="reply.timeoutMs"]').fill('12.5');
    await card.locator('[data-field="reply.temperature"]').fill('');
    await page.click('[data-testid=rules-save]');
    await poll(async () => (await calls(page, 'setRules')).length).toBe(1);
    const savedReply = ((await calls(page, 'setRules'))[0]!.args as { rules: Array<{ reply: Record<string, unknown> }> }).rules[0]!.reply;
    expect(savedReply).toEqual({ ...aiRule.reply, model: 'gpt-4.1-mini', timeoutMs: 12_500, temperature: undefined });
  });

  it('Settings lists the keys (set / not set, never a value) with Replace and Remove, and the remembered chats with Forget', async () => {
    const page = await open({ data: responderData() });
    await page.click('[data-testid=tab-settings]');
    const entries = page.locator('[data-testid=secrets-card] [data-testid=secret-entry]');
    await poll(() => entries.count()).toBe(2);
    const openai = page.locator('[data-testid=secrets-card] [data-secret=openai]');
    const shop = page.locator('[data-testid=secrets-card] [data-secret=shop-hook]');
    expect(await openai.innerText()).toContain('used by “Assistant”');
    expect(await openai.locator('[data-testid=secret-status]').innerText()).toBe('Not set');
    expect(await shop.locator('[data-testid=secret-status]').innerText()).toBe('Set');
    expect(await shop.innerText()).toContain('kept encrypted by Replyline');
    expect(await openai.locator('[data-testid=secret-remove]').isHidden()).toBe(true);

    await openai.locator('[data-testid=secret-input]').fill(AI_KEY);
    await openai.locator('[data-testid=secret-save]').click();
    await poll(() => openai.locator('[data-testid=secret-status]').innerText()).toBe('Set');
    expect(await openai.locator('[data-testid=secret-remove]').isVisible()).toBe(true);
    expect(await page.content()).not.toContain(AI_KEY);

    await shop.locator('[data-testid=secret-remove]').click();
    await poll(() => shop.locator('[data-testid=secret-status]').innerText()).toBe('Not set');
    expect((await calls(page, 'removeSecret')).map((c) => c.args)).toEqual([{ name: 'shop-hook' }]);

    // A new name, then its value.
    await page.locator('[data-testid=secret-new-name]').fill('groq');
    await page.click('[data-testid=secret-add]');
    const groq = page.locator('[data-testid=secrets-card] [data-secret=groq]');
    await groq.locator('[data-testid=secret-input]').fill('gsk_window_test_value_00');
    await groq.locator('[data-testid=secret-save]').click();
    await poll(() => groq.locator('[data-testid=secret-status]').innerText()).toBe('Set');

    // Chat memory: listed by name and masked number; forget one, then all.
    const items = page.locator('[data-testid=chat-memory-item]');
    await poll(() => items.count()).toBe(2);
    expect(await items.first().innerText()).toContain('Maria Schmidt');
    expect(await items.first().innerText()).toContain('6 messages');
    expect(await page.locator('[data-testid=setting-chatMemoryDays]').inputValue()).toBe('30');
    await shot(page, 'settings-secrets');
    await items.first().locator('[data-testid=chat-memory-forget]').click();
    await poll(() => items.count()).toBe(1);
    expect((await calls(page, 'forgetChat')).map((c) => c.args)).toEqual([{ id: 'c1' }]);
    await page.click('[data-testid=chat-memory-forget-all]');
    await poll(() => items.count()).toBe(0);
    expect(await page.locator('[data-testid=chat-memory-empty]').isVisible()).toBe(true);
    expect(await unnamedControls(page)).toEqual([]);
  });

  it('where secrets cannot be kept (headless mode without a key), the window says what to do instead and offers no field', async () => {
    const note = 'Headless mode keeps no secrets of its own: set REPLYLINE_SECRET_<NAME> in its environment, or pass --secrets-file.';
    const page = await open({
      data: { ...responderData(), secrets: { canStore: false, note, secrets: [{ name: 'openai', set: true, source: 'environment', usedBy: ['Assistant'] }] } },
    });
    await page.click('[data-testid=tab-settings]');
    await poll(() => page.locator('[data-testid=secrets-note]').innerText()).toBe(note);
    const openai = page.locator('[data-testid=secrets-card] [data-secret=openai]');
    expect(await openai.locator('[data-testid=secret-status]').innerText()).toBe('Set');
    expect(await openai.innerText()).toContain('from the environment');
    expect(await openai.locator('[data-testid=secret-input]').isHidden()).toBe(true);
    expect(await page.locator('[data-testid=secret-new-name]').isHidden()).toBe(true);
  });

  // ---- Settings ------------------------------------------------------------------------------

  it('saves only changed settings and checks numbers first', async () => {
    const page = await open();
    await page.click('[data-testid=tab-settings]');
    const catchUp = page.locator('[data-testid=setting-catchUpWindowMinutes]');
    await poll(() => catchUp.inputValue()).toBe('15');
    expect(await page.locator('[data-testid=setting-notifications]').isChecked()).toBe(true);
    expect(await page.locator('[data-testid=about-data-dir]').innerText()).toBe('/home/alex/.config/Replyline');
    await shot(page, 'settings');

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

  // ---- Notices from the desktop shell -------------------------------------------------------

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

  // ---- Keyboard, themes ----------------------------------------------------------------------

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
    expect(await tabUntil('settings-save', 8)).toBe(true);
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

    for (const id of ['home', 'replies', 'history', 'missed', 'rules', 'settings']) {
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

// ---- Headless transport ------------------------------------------------------------------------

describe.skipIf(!HAS_CHROMIUM)('renderer over HTTP (headless mode transport)', () => {
  let outDir: string;
  let browser: Browser;
  let server: TestServer;
  let context: BrowserContext | undefined;
  let requests: string[] = [];

  const data = fakeData();

  beforeAll(async () => {
    outDir = mkdtempSync(path.join(os.tmpdir(), 'replyline-renderer-http-'));
    await build({ configFile: path.resolve('vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    server = await startServer(outDir, TOKEN);
    server.answer = (command) =>
      (
        ({
          getSnapshot: data.snapshot,
          listMissed: data.missed,
          getSettings: data.settings,
          listReplies: data.replies,
          reconnectNow: null,
        }) as Record<string, unknown>
      )[command];
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    await context?.close();
    context = undefined;
    const foreign = requests.filter((u) => !u.startsWith(`${server.origin}/`));
    expect(foreign, 'requests to other origins').toEqual([]);
    requests = [];
    server.rpc.length = 0;
    server.eventRequests.length = 0;
  });

  async function openPage(url: string): Promise<Page> {
    context = await browser.newContext({ locale: 'en-GB', timezoneId: 'UTC' });
    const page = await context.newPage();
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(url);
    return page;
  }

  const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 5_000, interval: 50 });

  it('takes the token from the fragment, hides it, and talks RPC + SSE with it', async () => {
    const page = await openPage(`${server.origin}/#token=${TOKEN}`);
    await page.waitForSelector('#app[data-ready="true"]');
    expect(page.url()).toBe(`${server.origin}/`);
    expect(await page.locator('[data-testid=state-banner]').getAttribute('data-state')).toBe('open');

    const snapshot = server.rpc.find((r) => r.command === 'getSnapshot')!;
    expect(snapshot.authorization).toBe(`Bearer ${TOKEN}`);
    expect(snapshot.body).toBe('');
    expect(server.rpc.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    await poll(() => server.eventRequests).toContain(`?token=${TOKEN}`);

    // Arguments travel as JSON.
    await page.click('[data-testid=tab-replies]');
    await poll(() => page.locator('[data-testid=reply-row]').count()).toBe(6);
    const list = server.rpc.find((r) => r.command === 'listReplies')!;
    expect(list.contentType).toBe('application/json');
    expect(JSON.parse(list.body)).toEqual({ limit: 500 });

    // Events arrive over SSE.
    await poll(() => server.openStreams()).toBe(1);
    server.push('state', {
      state: { kind: 'reconnecting', attempt: 2, nextAttemptAt: Date.now() + 30_000, delayMs: 30_000, cause: 'timed-out' },
      stateText: 'Reconnecting in 30 s (attempt 2)',
    });
    await page.waitForSelector('[data-testid=state-banner][data-state=reconnecting]');
    await page.click('[data-testid=reconnect-now]');
    await poll(() => server.rpc.some((r) => r.command === 'reconnectNow' && r.body === '')).toBe(true);

    // The stream drops and comes back: the window reads everything again.
    const snapshots = server.rpc.filter((r) => r.command === 'getSnapshot').length;
    server.dropStreams();
    await poll(() => server.rpc.filter((r) => r.command === 'getSnapshot').length).toBeGreaterThan(snapshots);
    await page.waitForSelector('[data-testid=state-banner][data-state=open]');

    // A reload keeps working (token kept for this tab only).
    await page.reload();
    await page.waitForSelector('#app[data-ready="true"]');
  });

  it('explains a wrong token and a missing token instead of failing silently', async () => {
    const wrong = await openPage(`${server.origin}/#token=wrong`);
    await wrong.waitForSelector('[data-testid=state-banner][data-state=unreachable]');
    expect(await wrong.locator('[data-testid=state-detail]').innerText()).toContain('no longer allowed');
    await context!.close();
    server.rpc.length = 0;

    const none = await openPage(`${server.origin}/`);
    await none.waitForSelector('[data-testid=state-banner][data-state=unreachable]');
    expect(await none.locator('[data-testid=state-detail]').innerText()).toContain('no access token');
    expect(server.rpc).toEqual([]);
  });
});
