/**
 * Activity ("why no reply?"): every decision with its outcome, reason sentence, until when and
 * rule; the link to the reply; search, filters and export like the reply log; live `activity`
 * events; muting a chat from a row.
 * In real headless Chromium through a fake API: see harness.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ActivityView } from '../../main/contract/api.js';
import { HAS_CHROMIUM, warnIfNoChromium } from '../support/browser.js';
import { ACTIVITY, FULL_NUMBER, T0, fakeData } from './fixtures.js';
import { poll, useWindow } from './harness.js';

warnIfNoChromium('renderer UI tests');

describe.skipIf(!HAS_CHROMIUM)('renderer: activity', () => {
  const { open, emit, calls, shot, panelText, unnamedControls } = useWindow();

  it('shows each decision with its outcome, reason sentence, until when, rule and reply', async () => {
    const page = await open();
    await page.click('[data-testid=tab-activity]');
    const rows = page.locator('[data-testid=activity-row]');
    await poll(() => rows.count()).toBe(ACTIVITY.length);
    expect(await page.locator('[data-testid=activity-count]').innerText()).toBe(`${ACTIVITY.length} messages`);

    const row = (id: string) => page.locator(`[data-testid=activity-row][data-id="${id}"]`);
    // Replied: the rule, and a link to the reply with its status.
    const replied = row('ACT0');
    expect(await replied.locator('[data-testid=activity-outcome]').innerText()).toBe('Replied');
    expect(await replied.locator('[data-testid=activity-explanation]').innerText()).toBe('Rule “Away” answered.');
    expect(await replied.locator('[data-testid=activity-rule]').innerText()).toBe('Rule: Away');
    expect(await replied.innerText()).toContain('Sending');
    // Cooldown: the plain sentence, the reason's words and until when (the page runs in UTC at 09:30).
    const cooldown = row('ACT1');
    expect(await cooldown.locator('[data-testid=activity-outcome]').innerText()).toBe('No reply');
    expect(await cooldown.locator('[data-testid=activity-reason]').innerText()).toBe('Cooldown');
    expect(await cooldown.locator('[data-testid=activity-explanation]').innerText()).toBe('Rule “Away” answered this chat a short while ago, so it waits before answering again.');
    expect(await cooldown.locator('[data-testid=activity-until]').innerText()).toBe('Until 09:40');
    expect(await cooldown.locator('[data-testid=activity-until] time').getAttribute('datetime')).toBe(new Date(T0 + 10 * 60_000).toISOString());
    // The kind and the label of a message without text.
    const voice = row('ACT2');
    expect(await voice.locator('[data-testid=activity-kind]').innerText()).toBe('Voice message');
    expect(await voice.innerText()).toContain('[voice message]');
    expect(await voice.locator('[data-testid=activity-reason]').innerText()).toBe('Kind not answered');
    // A reply called back because you answered yourself.
    const cancelled = row('ACT3');
    expect(await cancelled.locator('[data-testid=activity-outcome]').innerText()).toBe('Reply called back');
    expect(await cancelled.locator('[data-testid=activity-reason]').innerText()).toBe('You answered yourself');
    // Group and muted chats say so.
    expect(await row('ACT6').innerText()).toContain('in a group');
    expect(await row('ACT4').locator('[data-testid=activity-reason]').innerText()).toBe('Chat muted');
    expect(await row('ACT4').locator('[data-testid=chat-muted]').innerText()).toMatch(/^Muted\s+until 12:00\s+Unmute$/);

    // Numbers are masked, never full, also for a contact without a saved name.
    const text = await panelText(page, 'activity');
    expect(text).not.toContain(FULL_NUMBER);
    expect(text).not.toContain('23456789');
    expect(await row('ACT5').innerText()).toContain('+49 ••• ••• 67 89');
    expect(await unnamedControls(page)).toEqual([]);
    await shot(page, 'activity');

    // The link goes to that reply in the reply log: filters cleared, the row marked and focused.
    await page.click('[data-testid=tab-replies]');
    await page.fill('[data-testid=reply-search]', 'nothing like this');
    await page.locator('[data-testid=reply-empty]').waitFor();
    await page.click('[data-testid=tab-activity]');
    await replied.locator('[data-testid=activity-reply-link]').click();
    await poll(() => page.locator('[data-testid=tab-replies]').getAttribute('aria-selected')).toBe('true');
    const target = page.locator('[data-testid=reply-row][data-id="3EB0REPLY0"]');
    await poll(() => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.id)).toBe('3EB0REPLY0');
    expect(await target.getAttribute('class')).toContain('highlight');
    expect(await page.locator('[data-testid=reply-search]').inputValue()).toBe('');
  });

  it('searches and filters like the reply log, and exports what is shown', async () => {
    const page = await open();
    await page.click('[data-testid=tab-activity]');
    const rows = page.locator('[data-testid=activity-row]');
    await poll(() => rows.count()).toBe(ACTIVITY.length);

    await page.selectOption('[data-testid=activity-outcome-filter]', 'skipped');
    await poll(() => rows.count()).toBe(ACTIVITY.filter((a) => a.outcome === 'skipped').length);
    expect((await calls(page, 'listActivity')).at(-1)!.args).toEqual({ outcome: 'skipped', limit: 500 });

    await page.selectOption('[data-testid=activity-reason-filter]', 'cooldown');
    await poll(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-reason')).toBe('cooldown');
    expect((await calls(page, 'listActivity')).at(-1)!.args).toEqual({ outcome: 'skipped', reason: 'cooldown', limit: 500 });

    await page.selectOption('[data-testid=activity-outcome-filter]', '');
    await page.selectOption('[data-testid=activity-reason-filter]', '');
    await page.selectOption('[data-testid=activity-kind-filter]', 'image');
    await poll(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-kind')).toBe('image');

    await page.selectOption('[data-testid=activity-kind-filter]', '');
    await page.fill('[data-testid=activity-contact]', 'jonas');
    await poll(() => rows.count()).toBe(2);
    await page.fill('[data-testid=activity-search]', 'short while');
    await poll(() => rows.count()).toBe(1);
    expect((await calls(page, 'listActivity')).at(-1)!.args).toEqual({ search: 'short while', contact: 'jonas', limit: 500 });
    expect(await page.locator('[data-testid=activity-count]').innerText()).toBe('1 message match');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=activity-export]')]);
    expect(download.suggestedFilename()).toBe('replyline-activity-2025-05-12.csv');
    expect(readFileSync((await download.path())!, 'utf8')).toBe(fakeData().activityCsv);
    expect((await calls(page, 'exportActivity')).at(-1)!.args).toEqual({ search: 'short while', contact: 'jonas' });

    await page.fill('[data-testid=activity-search]', 'nothing like this');
    await page.locator('[data-testid=activity-empty]').waitFor();
    expect(await page.locator('[data-testid=activity-empty]').innerText()).toBe('No messages match.');
  });

  it('follows activity events: a new decision appears, a changed one is patched in place', async () => {
    const page = await open({ data: { activity: [] } });
    await page.click('[data-testid=tab-activity]');
    await page.locator('[data-testid=activity-empty]').waitFor();
    expect(await page.locator('[data-testid=activity-empty]').innerText()).toContain('Nothing yet');

    // The core records a decision (the fake's list holds it, as the core's would) and says so.
    const muted: ActivityView = { ...ACTIVITY[4]!, id: 'NEW1', at: T0, decidedAt: T0 };
    await page.evaluate((r) => {
      const fake = (window as unknown as { __fake: { data: { activity: unknown[] }; emit(e: string, p: unknown): void } }).__fake;
      fake.data.activity = [r];
      fake.emit('activity', r);
    }, muted);
    const row = page.locator('[data-testid=activity-row][data-id=NEW1]');
    await row.waitFor();
    expect(await row.locator('[data-testid=activity-explanation]').innerText()).toBe('You muted this chat.');
    // Until when: the core sends the number, the window writes it in this computer's locale.
    expect(await row.locator('[data-testid=activity-until]').innerText()).toBe('Until 12:00');

    // The same record changes (here: it was answered after all): the row changes in place, no reload.
    const loads = (await calls(page, 'listActivity')).length;
    await emit(page, 'activity', { ...muted, outcome: 'replied', reason: undefined, until: undefined, explanation: 'Sent from “Missed while offline”.', replyId: '3EB0REPLY4', replyStatus: 'sent' });
    await poll(() => row.getAttribute('data-outcome')).toBe('replied');
    expect(await row.locator('[data-testid=activity-explanation]').innerText()).toBe('Sent from “Missed while offline”.');
    expect(await row.locator('[data-testid=activity-until]').count()).toBe(0);
    expect((await calls(page, 'listActivity')).length).toBe(loads);

    // Under a filter it no longer fits, the row goes.
    await page.selectOption('[data-testid=activity-outcome-filter]', 'replied');
    await poll(() => calls(page, 'listActivity').then((c) => c.at(-1)!.args)).toEqual({ outcome: 'replied', limit: 500 });
    await emit(page, 'activity', { ...muted, outcome: 'cancelled', reason: 'owner-read', explanation: 'You read it on another device.' });
    await poll(() => row.count()).toBe(0);
  });

  it('mutes a chat from an activity row for 8 hours; the row then offers Unmute', async () => {
    const page = await open();
    await page.click('[data-testid=tab-activity]');
    const row = page.locator('[data-testid=activity-row][data-id=ACT2]');
    await row.waitFor();
    await row.locator('[data-testid=chat-mute]').click();
    await row.locator('[data-testid=chat-mute-choice][data-minutes="480"]').click();
    await poll(async () => (await calls(page, 'muteChat')).map((c) => c.args)).toEqual([{ chatId: 'chat-maria', minutes: 480 }]);
    // Every row of that chat now says so; focus stays on the row's control.
    const mutedRows = page.locator('[data-testid=activity-row] [data-testid=chat-muted][data-chat-id=chat-maria]');
    await poll(() => mutedRows.count()).toBe(ACTIVITY.filter((a) => a.chatId === 'chat-maria').length);
    expect(await row.locator('[data-testid=chat-muted]').innerText()).toMatch(/^Muted\s+until 17:30\s+Unmute$/);
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid)).toBe('chat-unmute');
    await poll(() => page.locator('[data-testid=muted-count]').innerText()).toBe('2');
  });
});
