/**
 * Muting chats: from a reply-log row (1 h, 8 h, until unmuted), from the chats list, the muted
 * list with Unmute, keyboard use of the mute choices, and live `muted` events.
 * In real headless Chromium through a fake API: see harness.ts.
 */
import { describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, warnIfNoChromium } from '../support/browser.js';
import { FULL_NUMBER, T0 } from './fixtures.js';
import { poll, useWindow } from './harness.js';

warnIfNoChromium('renderer UI tests');

describe.skipIf(!HAS_CHROMIUM)('renderer: muting chats', () => {
  const { open, emit, calls, shot, panelText, unnamedControls } = useWindow();

  it('mutes a chat from a reply-log row for an hour, and unmutes it from the muted list', async () => {
    const page = await open();
    await page.click('[data-testid=tab-replies]');
    const jonas = page.locator('[data-testid=reply-row][data-id="3EB0REPLY0"]');
    await jonas.waitFor();
    // Sam's chat is muted already (from the snapshot's list): his row says until when.
    expect(await page.locator('[data-testid=reply-row][data-id="3EB0REPLY4"] [data-testid=chat-muted]').innerText()).toMatch(/^Muted\s+until 12:00\s+Unmute$/);

    await jonas.locator('[data-testid=chat-mute]').click();
    const choices = jonas.locator('[data-testid=chat-mute-choice]');
    expect(await choices.allInnerTexts()).toEqual(['1 hour', '8 hours', 'Until I unmute it']);
    await shot(page, 'mute-menu');
    await choices.first().click();
    await poll(async () => (await calls(page, 'muteChat')).map((c) => c.args)).toEqual([{ chatId: 'chat-jonas', minutes: 60 }]);
    // Both replies to Jonas show the mute; the message region says until when.
    await poll(() => page.locator('[data-testid=reply-row] [data-testid=chat-muted][data-chat-id=chat-jonas]').count()).toBe(2);
    expect(await jonas.locator('[data-testid=chat-muted]').innerText()).toMatch(/^Muted\s+until 10:30\s+Unmute$/);
    expect(await page.locator('[data-testid=toast]').innerText()).toContain('Auto-replies to Jonas Weber are muted until 10:30.');
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.closest('tr')?.dataset.id)).toBe('3EB0REPLY0');

    // The Chats screen lists both muted chats, newest first, with Unmute.
    await page.click('[data-testid=tab-chats]');
    const muted = page.locator('[data-testid=muted-item]');
    await poll(() => muted.count()).toBe(2);
    expect(await muted.first().innerText()).toContain('Jonas Weber');
    expect(await muted.first().innerText()).toContain('until 10:30');
    expect(await page.locator('[data-testid=muted-count]').innerText()).toBe('2');
    expect(await unnamedControls(page)).toEqual([]);
    await shot(page, 'chats');

    await muted.first().locator('[data-testid=muted-unmute]').click();
    await poll(async () => (await calls(page, 'unmuteChat')).map((c) => c.args)).toEqual([{ chatId: 'chat-jonas' }]);
    await poll(() => muted.count()).toBe(1);
    // Focus stays in the list, on the next Unmute.
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.chatId)).toBe('chat-sam');
    await page.click('[data-testid=tab-replies]');
    await poll(() => jonas.locator('[data-testid=chat-mute]').count()).toBe(1);
  });

  it('mutes from the chats list until unmuted, with the keyboard; numbers stay masked', async () => {
    const page = await open();
    await page.click('[data-testid=tab-chats]');
    const rows = page.locator('[data-testid=chat-row]');
    await poll(() => rows.count()).toBe(5);
    const text = await panelText(page, 'chats');
    expect(text).not.toContain(FULL_NUMBER);
    expect(text).not.toContain('23456789');
    expect(await rows.nth(3).innerText()).toContain('+49 ••• ••• 67 89');
    expect(await rows.nth(4).innerText()).toContain('Group (last: Lena)');

    await page.fill('[data-testid=chats-search]', 'maria');
    await poll(() => rows.count()).toBe(1);
    expect((await calls(page, 'listChats')).at(-1)!.args).toEqual({ limit: 200, search: 'maria' });

    // Keyboard: Enter opens the choices and focus moves to the first; Tab walks them; Escape closes.
    await rows.first().locator('[data-testid=chat-mute]').focus();
    await page.keyboard.press('Enter');
    await poll(() => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.minutes)).toBe('60');
    await page.keyboard.press('Escape');
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid)).toBe('chat-mute');
    expect(await rows.first().locator('details').getAttribute('open')).toBeNull();
    await page.keyboard.press('Enter');
    await poll(() => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.minutes)).toBe('60');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.minutes)).toBe('forever');
    await page.keyboard.press('Enter');
    await poll(async () => (await calls(page, 'muteChat')).map((c) => c.args)).toEqual([{ chatId: 'chat-maria', minutes: null }]);
    await poll(() => rows.first().locator('[data-testid=chat-muted]').innerText()).toMatch(/^Muted\s+until unmuted\s+Unmute$/);
    const item = page.locator('[data-testid=muted-item][data-chat-id=chat-maria]');
    expect(await item.innerText()).toContain('Muted until you unmute it');
  });

  it('follows muted events (a mute ended or set elsewhere, e.g. from another window)', async () => {
    const page = await open();
    await page.click('[data-testid=tab-chats]');
    await page.locator('[data-testid=muted-item]').first().waitFor();
    await emit(page, 'muted', []);
    await page.locator('[data-testid=muted-empty]').waitFor();
    expect(await page.locator('[data-testid=muted-count]').isHidden()).toBe(true);
    await emit(page, 'muted', [{ chatId: 'chat-lena', name: 'Lena', masked: '+43 ••• ••• 98 76', isGroup: false, mutedAt: T0, until: T0 + 8 * 3_600_000 }]);
    await poll(() => page.locator('[data-testid=muted-item]').innerText()).toContain('Lena');
    expect(await page.locator('[data-testid=muted-count]').innerText()).toBe('1');
  });
});
