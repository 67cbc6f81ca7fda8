/**
 * End to end, as a person uses it: the real window (the built renderer) served by headless mode
 * running as a child process, in headless Chromium, against the fake WhatsApp server. The QR is
 * read off the screen and "scanned" by the fake phone; a rule is written in the Rules screen;
 * auto-reply is switched on in the header; a contact's message gets its reply, shown as sent;
 * a 440 shows the "open elsewhere" prompt and Use here recovers; the Reconnects screen explains
 * the drops in plain words.
 *
 * Screenshots of each screen go to test-results/screenshots/e2e/; with REPLYLINE_UPDATE_SCREENSHOTS=1
 * they go to docs/screenshots/ instead (committed; the README shows one).
 * Every page is checked: no request to another origin, no CSP violation, no uncaught error.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeWaServer } from '../fake-wa/index.js';
import type { ReplyView, Snapshot } from '../../main/contract/api.js';
import { tempDir } from '../support/temp-dir.js';
import { startFakeWa } from '../support/wa-harness.js';
import { registerSecret } from '../setup/log-capture.js';
import { HeadlessProcess, REPO_ROOT } from '../support/headless-process.js';
import { writeKeyFile } from '../support/key-file.js';
import {
  buildRenderer,
  cspViolations,
  decodeQr as decodeQrOn,
  HAS_CHROMIUM,
  openWindowBrowser,
  warnIfNoChromium,
  type WindowBrowser,
} from '../support/browser.js';

const SCREENSHOTS = path.join(
  REPO_ROOT,
  process.env.REPLYLINE_UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-results/screenshots/e2e',
);
const VIEWPORT = { width: 1100, height: 800 };

warnIfNoChromium('end-to-end window tests');

describe.skipIf(!HAS_CHROMIUM)('the window, end to end (headless mode + Chromium + fake WhatsApp)', () => {
  let server: FakeWaServer;
  let hp: HeadlessProcess;
  let browser: WindowBrowser;
  let page: Page;
  let decoder: Page;

  const QUESTION = 'Is the shop open on Sunday?';
  const REPLY_TEMPLATE = 'Thanks! I am away until Monday. You wrote: {message}';
  const REPLY = `Thanks! I am away until Monday. You wrote: ${QUESTION}`;

  beforeAll(async () => {
    registerSecret(QUESTION);
    registerSecret(REPLY);
    server = await startFakeWa();
    const [rendererDir] = await Promise.all([buildRenderer()]);
    // With a key file, as the README advises for a server: the session is encrypted, and the window
    // shows what a person who followed that advice sees (no unencrypted-session warning).
    hp = await HeadlessProcess.start({ dataDir: tempDir('e2e-data-'), server, rendererDir, extraArgs: ['--key-file', writeKeyFile()] });
    // A new, empty profile: nothing from an earlier run (storage, cache) can help.
    browser = await openWindowBrowser(hp.origin, VIEWPORT);
    page = browser.page;
    // A separate blank page decodes screenshots, as a phone camera would see them.
    decoder = await browser.context.newPage();
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (hp) expect(await hp.stop()).toBe(0);
    await server?.close();
  });

  // ---- Helpers -------------------------------------------------------------------------------

  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), animations: 'disabled' });

  const banner = (state: string) => page.locator(`[data-testid=state-banner][data-state="${state}"]`);

  /** Decode a QR from a PNG, as a phone's camera would see it on screen. */
  const decodeQr = (png: Buffer) => decodeQrOn(decoder, png);

  async function checkPage(): Promise<void> {
    expect(await cspViolations(page), 'CSP violations').toEqual([]);
    expect(browser.foreignRequests, 'requests to other origins').toEqual([]);
    expect(browser.pageErrors, 'uncaught page errors').toEqual([]);
  }

  // ---- The story -----------------------------------------------------------------------------

  it('pairs by the QR on screen: read off the page, scanned by the phone, the banner turns to connected', async () => {
    await page.goto(hp.ready.url);
    // The token leaves the address bar at once.
    await expect.poll(() => page.url()).toBe(`${hp.origin}/`);
    const qrCanvas = page.locator('[data-testid=qr]');
    await banner('awaiting-qr').waitFor();
    await qrCanvas.waitFor({ state: 'visible' });
    await expect.poll(() => page.locator('[data-testid=pairing]').getAttribute('data-phase')).toBe('qr');

    // What the phone's camera sees: the canvas as drawn on screen.
    let decoded: string | undefined;
    await expect
      .poll(async () => (decoded = await decodeQr(await qrCanvas.screenshot({ animations: 'disabled' }))), { timeout: 5_000 })
      .toBeTruthy();
    // It is the QR headless mode printed for the index shown.
    const index = Number(await qrCanvas.getAttribute('data-qr-index'));
    const printed = hp.lines.filter((l) => l.type === 'qr').map((l) => l.qr as string);
    expect(decoded).toBe(printed[index - 1]);
    // The QR text is only ever on the canvas, never in the DOM.
    expect(await page.content()).not.toContain(decoded!.split('#')[1]!.slice(0, 20));
    await shot('pairing');

    await server.scanQr(decoded!);
    await banner('open').waitFor({ timeout: 15_000 });
    await expect.poll(() => page.locator('[data-testid=state-text]').innerText()).toBe('Connected');
    await expect.poll(() => page.locator('[data-testid=pair-success]').isVisible()).toBe(true);
    await shot('connected');
    await checkPage();
  });

  it('writes a rule in the Rules screen and switches auto-reply on in the header', async () => {
    await page.locator('[data-testid=tab-rules]').click();
    await page.locator('[data-testid=rules-empty]').waitFor();
    await page.locator('[data-testid=rules-add]').click();
    const card = page.locator('[data-testid=rule-card][data-index="0"]');
    await card.locator('input[data-field=name]').fill('Away');
    await card.locator('textarea[data-field="reply.text"]').fill(REPLY_TEMPLATE);
    await page.locator('[data-testid=rules-save]').click();
    await expect.poll(() => page.locator('[data-testid=rules-status]').innerText()).toBe('Saved 1 rule.');
    const stored = await hp.ok<{ rules: Array<{ name: string; match: unknown; reply: unknown }> }>('GET', '/api/rules');
    expect(stored.rules).toEqual([
      expect.objectContaining({ name: 'Away', match: { type: 'any' }, reply: { type: 'template', text: REPLY_TEMPLATE } }),
    ]);
    await shot('rules');

    const toggle = page.locator('[data-testid=autoreply-toggle]');
    expect(await toggle.isChecked()).toBe(false);
    await toggle.check();
    await expect.poll(() => page.locator('[data-testid=autoreply-status]').getAttribute('data-mode')).toBe('on');
    expect((await hp.ok<Snapshot>('GET', '/api/state')).autoReply).toEqual({ enabled: true });
    await checkPage();
  });

  it('a contact writes; the reply log shows the reply as sent and the contact got exactly that text once', async () => {
    await page.locator('[data-testid=tab-replies]').click();
    const alice = server.createContact({ name: 'Alice Example' });
    await alice.sendText(server.defaultAccount, QUESTION);

    const row = page.locator('[data-testid=reply-row][data-status=sent]');
    await row.waitFor({ timeout: 20_000 });
    const id = await row.getAttribute('data-id');
    expect(await page.locator('[data-testid=reply-row]').count()).toBe(1);
    const text = await row.innerText();
    expect(text).toContain(REPLY);
    expect(text).toContain('Away');
    expect(text).toContain('Alice Example');
    // The number is masked in the window.
    expect(text).not.toContain(alice.phoneNumber.replace(/\D/g, '').slice(-7));

    const [reply] = await hp.ok<ReplyView[]>('GET', '/api/replies');
    expect(reply).toMatchObject({ id, status: 'sent', text: REPLY, attempts: 1 });
    await server.waitFor(() => alice.received.length > 0, 5_000, 'the reply to arrive');
    expect(alice.texts()).toEqual([REPLY]);
    expect(server.record.messagesWithId(id!).filter((m) => m.to === alice.phoneJid).map((m) => m.text)).toEqual([REPLY]);
    await shot('reply-log');
    await checkPage();
  });

  it('a 440 shows "open elsewhere"; Use here brings the link back', async () => {
    await page.locator('[data-testid=tab-home]').click();
    server.faults.conflict('replaced');
    await banner('conflict').waitFor({ timeout: 15_000 });
    const prompt = page.locator('[data-testid=conflict-prompt]');
    await prompt.waitFor();
    expect(await prompt.innerText()).toContain('WhatsApp is open elsewhere');
    await shot('conflict');

    // It does not retry on its own.
    const logins = server.record.connections.length;
    await page.waitForTimeout(300);
    expect(server.record.connections.length).toBe(logins);

    await prompt.locator('[data-testid=use-here]').click();
    await banner('open').waitFor({ timeout: 15_000 });
    await prompt.waitFor({ state: 'detached' });
    await checkPage();
  });

  it('the Reconnects screen lists the drops in plain words', async () => {
    await page.locator('[data-testid=tab-history]').click();
    const conflictRow = page.locator('[data-testid=history-row][data-cause=replaced]');
    await conflictRow.first().waitFor({ timeout: 10_000 });
    expect(await conflictRow.first().innerText()).toContain('WhatsApp is open elsewhere with this session');
    const restartRow = page.locator('[data-testid=history-row][data-cause=restart-required]');
    expect(await restartRow.first().innerText()).toContain('WhatsApp asked for a restart (normal right after linking)');
    // Counted per cause, with the meaning.
    const count = page.locator('[data-testid=history-count][data-cause=replaced]');
    expect(await count.locator('[data-testid=history-count-value]').innerText()).toBe('1');
    expect(await count.innerText()).toContain('WhatsApp is open elsewhere with this session');
    // The way back: Use here, by the person.
    const backRow = page.locator('[data-testid=history-row][data-state=open]').first();
    expect(await backRow.innerText()).toContain('You (reconnect / use here)');
    // The shot starts at the causes, so the list of changes is in it too.
    await page.locator('#causes-heading').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await shot('history');
    await checkPage();
  });
});
