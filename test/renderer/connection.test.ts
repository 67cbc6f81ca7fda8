/**
 * The connection screen: the overview, the encryption warnings, pairing by QR (crisp and
 * decodable, redrawn on rotation, renewed when expired), the reconnect countdown and the
 * "use here or relink" prompt on a 440.
 * In real headless Chromium through a fake API: see harness.ts.
 */
import { describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, warnIfNoChromium } from '../support/browser.js';
import { ACCOUNT_DIGITS, QR_1, QR_2, T0, fakeData } from './fixtures.js';
import { poll, useWindow } from './harness.js';

warnIfNoChromium('renderer UI tests');

describe.skipIf(!HAS_CHROMIUM)('renderer: connection and pairing', () => {
  const { open, emitState, calls, shot, decodePng, unnamedControls } = useWindow();

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
});
