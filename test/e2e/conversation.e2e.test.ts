/**
 * End to end, the conversation-aware window: headless mode as a child process, the real window
 * in headless Chromium, the real Baileys client against the fake WhatsApp server.
 *
 * - Try a message: a rule typed in the editor and not yet saved is tried on a message; the reply
 *   text the window shows is, character for character, what the contact later receives when
 *   they send that message (the rule saved, auto-reply on), and nothing was sent by trying.
 * - Activity: the reply, then a cooldown, a muted chat and "you answered yourself" appear live
 *   with their plain reasons.
 * - Muting from a reply-log row, unmuting from the Chats screen's muted list; the core's lists
 *   (GET /api/muted) follow.
 *
 * Screenshots go to test-results/screenshots/e2e/; with REPLYLINE_UPDATE_SCREENSHOTS=1 to
 * docs/screenshots/ (the README shows the activity one). Every page is checked: no request to
 * another origin, no CSP violation, no uncaught error.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeContact, FakeWaServer } from '../fake-wa/index.js';
import type { ActivityView, MutedChatView, ReplyView, Result, TryRulesResult } from '../../main/contract/api.js';
import { tempDir } from '../support/temp-dir.js';
import { startFakeWa } from '../support/wa-harness.js';
import { registerSecret } from '../setup/log-capture.js';
import { HeadlessProcess, REPO_ROOT } from '../support/headless-process.js';
import { writeKeyFile } from '../support/key-file.js';
import { buildRenderer, cspViolations, HAS_CHROMIUM, openWindowBrowser, warnIfNoChromium, type WindowBrowser } from '../support/browser.js';

const SCREENSHOTS = path.join(
  REPO_ROOT,
  process.env.REPLYLINE_UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-results/screenshots/e2e',
);

warnIfNoChromium('end-to-end window tests');

describe.skipIf(!HAS_CHROMIUM)('the window, end to end: try a rule, why no reply, mute (headless mode + Chromium + fake WhatsApp)', () => {
  let server: FakeWaServer;
  let hp: HeadlessProcess;
  let browser: WindowBrowser;
  let page: Page;
  let alice: FakeContact;

  const TEMPLATE = 'Hi {first_name}! Thanks for your {kind}: “{message}”. I am away until Monday.';
  const QUESTION = 'Do you repair bikes on Saturdays?\nMine has a flat tyre.';
  const SECOND = 'Hello? Anyone there?';
  const THIRD = 'Sorry to insist!';
  const FOURTH = 'Thanks, talk soon';
  const OWNER = 'Yes, come by at ten';

  beforeAll(async () => {
    for (const secret of [QUESTION, SECOND, THIRD, FOURTH, OWNER]) registerSecret(secret);
    server = await startFakeWa();
    const rendererDir = await buildRenderer();
    // With a key file, as the README advises for a server: the session is encrypted, and the window
    // shows what a person who followed that advice sees (no unencrypted-session warning).
    hp = await HeadlessProcess.start({ dataDir: tempDir('e2e-conv-data-'), server, rendererDir, extraArgs: ['--key-file', writeKeyFile()] });
    // Linked through the QR headless mode printed (the window's pairing is window.e2e.test.ts's).
    await server.scanQr(await hp.nextQr());
    await hp.waitForState('open', 0, 20_000);
    alice = server.createContact({ name: 'Alice Example' });

    browser = await openWindowBrowser(hp.origin);
    page = browser.page;
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.goto(hp.ready.url);
    await page.waitForSelector('#app[data-ready="true"]');
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    if (hp) expect(await hp.stop()).toBe(0);
    await server?.close();
  });

  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), animations: 'disabled' });

  async function checkPage(): Promise<void> {
    expect(await cspViolations(page), 'CSP violations').toEqual([]);
    expect(browser.foreignRequests, 'requests to other origins').toEqual([]);
    expect(browser.pageErrors, 'uncaught page errors').toEqual([]);
  }

  /** Alice's message reaches the rules: wait for its decision record in the core. */
  async function aliceSends(text: string): Promise<ActivityView> {
    const id = await alice.sendText(server.defaultAccount, text);
    let found: ActivityView | undefined;
    await expect
      .poll(
        async () => {
          const records = await hp.ok<ActivityView[]>('GET', '/api/activity');
          found = records.find((r) => r.preview === text.slice(0, 200));
          return found !== undefined;
        },
        { timeout: 20_000, interval: 100 },
      )
      .toBe(true);
    expect(id).toBeTruthy();
    return found!;
  }

  const activityRow = (id: string) => page.locator(`[data-testid=activity-row][data-id="${id}"]`);

  let tried = '';

  it('tries an unsaved rule on a message: the window shows the exact reply, and nothing is sent', async () => {
    await page.locator('[data-testid=tab-rules]').click();
    await page.locator('[data-testid=rules-empty]').waitFor();
    await page.locator('[data-testid=rules-add]').click();
    const card = page.locator('[data-testid=rule-card][data-index="0"]');
    await card.locator('input[data-field=name]').fill('Away');
    await card.locator('textarea[data-field="reply.text"]').fill(TEMPLATE);
    expect(await page.locator('[data-testid=rules-status]').innerText()).toBe('Unsaved changes');

    const panel = page.locator('[data-testid=try-panel]');
    await panel.locator('[data-testid=try-text]').fill(QUESTION);
    await panel.locator('[data-testid=try-name]').fill(alice.name);
    await panel.locator('[data-testid=try-run]').click();
    const result = panel.locator('[data-testid=try-result]');
    await expect.poll(() => result.getAttribute('data-outcome'), { timeout: 10_000 }).toBe('reply');
    expect(await result.locator('[data-testid=try-rule]').innerText()).toBe('Rule “Away” would answer');
    tried = await result.locator('[data-testid=try-reply-text]').evaluate((el) => el.textContent ?? '');
    expect(tried).toBe(`Hi Alice! Thanks for your text message: “${QUESTION}”. I am away until Monday.`);
    registerSecret(tried);
    // Auto-reply is still off: the window says what would hold the reply back now.
    expect(await result.locator('[data-testid=try-notes]').innerText()).toContain('Auto-reply is off');
    expect(await result.locator('[data-testid=try-on]').innerText()).toBe('Tried on the rules as edited here (not saved yet).');
    await panel.scrollIntoViewIfNeeded();
    await shot('try-a-message');

    // Trying saved nothing and sent nothing.
    expect((await hp.ok<{ rules: unknown[] }>('GET', '/api/rules')).rules).toEqual([]);
    expect(await hp.ok<ReplyView[]>('GET', '/api/replies')).toEqual([]);
    expect(alice.received).toEqual([]);
    await checkPage();
  });

  it('the contact sends that message: they receive exactly the reply the window showed, once', async () => {
    await page.locator('[data-testid=rules-save]').click();
    await expect.poll(() => page.locator('[data-testid=rules-status]').innerText()).toBe('Saved 1 rule.');
    await page.locator('[data-testid=autoreply-toggle]').check();
    await expect.poll(() => page.locator('[data-testid=autoreply-status]').getAttribute('data-mode')).toBe('on');

    await page.locator('[data-testid=tab-activity]').click();
    await page.locator('[data-testid=activity-empty]').waitFor();
    const record = await aliceSends(QUESTION);
    await server.waitFor(() => alice.received.length > 0, 15_000, 'the reply to arrive');
    expect(alice.texts()).toEqual([tried]);
    const [reply] = await hp.ok<ReplyView[]>('GET', '/api/replies');
    expect(reply).toMatchObject({ text: tried, status: 'sent', attempts: 1 });

    // The decision arrived live in the open Activity screen, linked to that reply.
    const row = activityRow(record.id);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.locator('[data-testid=activity-outcome]').innerText()).toBe('Replied');
    expect(await row.locator('[data-testid=activity-rule]').innerText()).toBe('Rule: Away');
    await expect.poll(() => row.locator('.badge.status-sent').count(), { timeout: 10_000 }).toBe(1);
    await row.locator('[data-testid=activity-reply-link]').click();
    await expect
      .poll(() => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.id))
      .toBe(reply!.id);
    expect(await page.locator(`[data-testid=reply-row][data-id="${reply!.id}"]`).innerText()).toContain('Alice Example');
    await checkPage();
  });

  it('a second message within the cooldown: Activity says why no reply, and until when', async () => {
    await page.locator('[data-testid=tab-activity]').click();
    const record = await aliceSends(SECOND);
    expect(record).toMatchObject({ outcome: 'skipped', reason: 'cooldown' });
    const row = activityRow(record.id);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.locator('[data-testid=activity-reason]').innerText()).toBe('Cooldown');
    expect(await row.locator('[data-testid=activity-explanation]').innerText()).toBe(record.explanation);
    expect(record.explanation).toContain('Rule “Away” answered this chat a short while ago');
    expect(await row.locator('[data-testid=activity-until]').innerText()).toMatch(/^Until \d\d:\d\d$/);
    expect(alice.texts()).toEqual([tried]);
  });

  it('mutes the chat from the reply log; the next message is skipped as muted; unmuted from the Chats screen', async () => {
    await page.locator('[data-testid=tab-replies]').click();
    const replyRow = page.locator('[data-testid=reply-row]').first();
    await replyRow.locator('[data-testid=chat-mute]').click();
    await replyRow.locator('[data-testid=chat-mute-choice][data-minutes="60"]').click();
    await replyRow.locator('[data-testid=chat-muted]').waitFor({ timeout: 10_000 });
    const muted = await hp.ok<MutedChatView[]>('GET', '/api/muted');
    expect(muted).toHaveLength(1);
    expect(muted[0]).toMatchObject({ name: 'Alice Example', isGroup: false });
    expect(muted[0]!.until! - muted[0]!.mutedAt).toBe(60 * 60_000);

    await page.locator('[data-testid=tab-activity]').click();
    const record = await aliceSends(THIRD);
    expect(record).toMatchObject({ outcome: 'skipped', reason: 'muted' });
    const row = activityRow(record.id);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.locator('[data-testid=activity-reason]').innerText()).toBe('Chat muted');
    expect(await row.locator('[data-testid=activity-explanation]').innerText()).toBe('You muted this chat.');
    expect(await row.locator('[data-testid=activity-until]').innerText()).toMatch(/^Until \S/);
    // Every row of Alice's chat offers Unmute now.
    expect(await row.locator('[data-testid=chat-unmute]').count()).toBe(1);

    await page.locator('[data-testid=tab-chats]').click();
    const item = page.locator('[data-testid=muted-item]');
    await item.waitFor();
    expect(await item.innerText()).toContain('Alice Example');
    // The chat list renders after the muted list: wait for its row rather than count at once.
    await expect.poll(() => page.locator('[data-testid=chat-row]').count(), { timeout: 10_000 }).toBe(1);
    await item.locator('[data-testid=muted-unmute]').click();
    await page.locator('[data-testid=muted-empty]').waitFor({ timeout: 10_000 });
    expect(await hp.ok<MutedChatView[]>('GET', '/api/muted')).toEqual([]);
    expect(alice.texts()).toEqual([tried]);
    await checkPage();
  });

  it('after the owner writes from their phone, Activity says "you answered yourself" (the README screenshot)', async () => {
    await page.locator('[data-testid=tab-activity]').click();
    // WhatsApp stamps messages in whole seconds: the owner's message is a second older than
    // Alice's next one, so the order is plain (a tie in the same second is reported separately).
    await server.ownerPhone().sendText(alice, OWNER, { t: Math.floor(Date.now() / 1000) - 1 });
    // The owner's message reaches the core as the device-sent copy: try-a-rule's notes say so.
    await expect
      .poll(
        async () => {
          const r = await hp.ok<Result<TryRulesResult>>('POST', '/api/rpc/tryRules', { text: 'hi', contactNumber: alice.phoneNumber });
          return r.ok ? r.value.notes.map((n) => n.text).join(' ') : r.error.message;
        },
        { timeout: 15_000, interval: 100 },
      )
      .toBe('You wrote in this chat yourself, so auto-replies there pause for a while.');
    const record = await aliceSends(FOURTH);
    expect(record).toMatchObject({ outcome: 'skipped', reason: 'owner-answered' });
    const row = activityRow(record.id);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.locator('[data-testid=activity-reason]').innerText()).toBe('You answered yourself');
    expect(await row.locator('[data-testid=activity-explanation]').innerText()).toBe('You wrote in this chat yourself, so auto-replies here pause for a while.');
    expect(await row.locator('[data-testid=activity-until]').innerText()).toMatch(/^Until \S/);
    await expect.poll(() => page.locator('[data-testid=activity-row]').count()).toBe(4);
    // Numbers stay masked in the window.
    expect(await page.locator('[data-testid=panel-activity]').innerText()).not.toContain(alice.phoneNumber.replace(/\D/g, '').slice(-7));
    // The shot: the message region's last note dismissed, the screen from its heading down.
    const toast = page.locator('[data-testid=toast]');
    if (await toast.isVisible()) await toast.locator('button').click();
    await page.locator('#activity-heading').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await shot('activity');
    expect(alice.texts()).toEqual([tried]);
    await checkPage();
  });
});
