/**
 * "Try a message" in the rules editor: what is asked of the core's dry run (the message, its
 * kind, the contact, the time, the rules as edited or as saved) and how each answer reads — the
 * rule and its exact reply text, a responder, the reasons none would answer, notes, refusals.
 * In real headless Chromium through a fake API: see harness.ts. That the text shown is the text
 * later sent is checked end to end in test/e2e/conversation.e2e.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { TryRulesResult } from '../../main/contract/api.js';
import { HAS_CHROMIUM, warnIfNoChromium } from '../support/browser.js';
import { poll, useWindow } from './harness.js';
import { T0 } from './fixtures.js';

warnIfNoChromium('renderer UI tests');

describe.skipIf(!HAS_CHROMIUM)('renderer: try a message', () => {
  const { open, calls, respond, shot, unnamedControls } = useWindow();

  it('tries the rules as edited (unsaved) or as saved and shows the rule and the exact reply text', async () => {
    const page = await open();
    await page.click('[data-testid=tab-rules]');
    const cards = page.locator('[data-testid=rule-card]');
    await poll(() => cards.count()).toBe(2);
    const panel = page.locator('[data-testid=try-panel]');

    // An unsaved edit: the try uses it.
    await cards.first().locator('[data-field="reply.text"]').fill('Hi {first_name}, thanks for the {kind}!');
    await panel.locator('[data-testid=try-text]').fill('Do you have the blue one?');
    await panel.locator('[data-testid=try-kind]').selectOption('image');
    await panel.locator('[data-testid=try-name]').fill('Maria Schmidt');
    await panel.locator('[data-testid=try-number]').fill('+49 151 7654321');
    await panel.locator('[data-testid=try-at]').fill('2025-05-12T19:45');
    await panel.locator('[data-testid=try-history]').selectOption('days');
    await panel.locator('[data-testid=try-days]').fill('20');
    await respond(page, 'tryRules', {
      ok: true,
      value: {
        outcome: 'reply',
        rule: { id: 'away', name: 'Away' },
        text: 'Hi Maria, thanks for the photo!',
        delayMs: { min: 1000, max: 3000 },
        graceMs: 10 * 60_000,
        notes: [{ text: 'You muted this chat, so nothing would be sent there for now.', until: T0 + 150 * 60_000 }],
      } satisfies TryRulesResult,
    });
    await panel.locator('[data-testid=try-run]').click();
    const result = panel.locator('[data-testid=try-result]');
    await poll(() => result.getAttribute('data-outcome')).toBe('reply');
    const [call] = await calls(page, 'tryRules');
    const args = call!.args as Record<string, unknown> & { rules: Array<{ reply: unknown }> };
    expect(args).toMatchObject({
      text: 'Do you have the blue one?',
      kind: 'image',
      contactName: 'Maria Schmidt',
      contactNumber: '+49 151 7654321',
      // The page runs in UTC: 19:45 local is 19:45 UTC.
      at: Date.UTC(2025, 4, 12, 19, 45),
      daysSinceLastMessage: 20,
    });
    expect(args).not.toHaveProperty('inGroup');
    expect(args.rules).toHaveLength(2);
    expect(args.rules[0]!.reply).toEqual({ type: 'template', text: 'Hi {first_name}, thanks for the {kind}!' });
    expect(await result.locator('[data-testid=try-rule]').innerText()).toBe('Rule “Away” would answer');
    expect(await result.locator('[data-testid=try-reply-text]').innerText()).toBe('Hi Maria, thanks for the photo!');
    expect(await result.innerText()).toContain('It would wait 10 min first, and not be sent if you answer or read the chat meanwhile; then go out after 1–3 s.');
    // Until when: the core sends the number, the window writes it in this computer's locale (en-GB, UTC here).
    expect(await result.locator('[data-testid=try-notes]').innerText()).toBe('You muted this chat, so nothing would be sent there for now. Until 12:00.');
    expect(await result.locator('[data-testid=try-note-until] time').getAttribute('datetime')).toBe(new Date(T0 + 150 * 60_000).toISOString());
    expect(await result.locator('[data-testid=try-on]').innerText()).toBe('Tried on the rules as edited here (not saved yet).');
    // Nothing was saved or sent by trying.
    expect(await calls(page, 'setRules')).toEqual([]);
    expect(await unnamedControls(page)).toEqual([]);
    await panel.scrollIntoViewIfNeeded();
    await shot(page, 'try-a-message');

    // As saved: no rules go along (the core takes its saved ones).
    await panel.locator('[data-testid=try-rules-saved]').check();
    await panel.locator('[data-testid=try-history]').selectOption('never');
    await panel.locator('[data-testid=try-run]').click();
    await poll(async () => (await calls(page, 'tryRules')).length).toBe(2);
    const saved = (await calls(page, 'tryRules'))[1]!.args as Record<string, unknown>;
    expect(saved).not.toHaveProperty('rules');
    expect(saved.daysSinceLastMessage).toBeNull();
    await poll(() => result.locator('[data-testid=try-on]').innerText()).toBe('Tried on the saved rules (not your unsaved changes).');
  });

  it('explains why no rule would answer, rule by rule; a missed call, a group and a mention', async () => {
    const noReply: TryRulesResult = {
      outcome: 'no-reply',
      reason: 'outside-schedule',
      explanation: 'Rule “Away” only answers outside its schedule (Mon–Fri 09:00–17:00).',
      rules: [
        { id: 'away', name: 'Away', why: 'only answers outside its schedule' },
        { id: 'prices', name: 'Prices', why: 'the message does not match its pattern' },
      ],
      notes: [{ text: 'Auto-reply is off, so nothing would be sent now.' }],
    };
    const page = await open({ data: { tryResult: noReply } });
    await page.click('[data-testid=tab-rules]');
    const panel = page.locator('[data-testid=try-panel]');
    await panel.waitFor();
    // The mention only applies in a group.
    expect(await panel.locator('[data-testid=try-mentioned]').isDisabled()).toBe(true);
    await panel.locator('[data-testid=try-group]').check();
    await panel.locator('[data-testid=try-mentioned]').check();
    await panel.locator('[data-testid=try-kind]').selectOption('missed-call');
    expect(await panel.locator('[data-testid=try-text]').isHidden()).toBe(true);
    await panel.locator('[data-testid=try-run]').click();
    const result = panel.locator('[data-testid=try-result]');
    await poll(() => result.getAttribute('data-outcome')).toBe('no-reply');
    const args = (await calls(page, 'tryRules')).at(-1)!.args as Record<string, unknown>;
    expect(args).toMatchObject({ kind: 'missed-call', inGroup: true, mentioned: true });
    expect(args).not.toHaveProperty('text');
    expect(args).not.toHaveProperty('at');
    expect(args).not.toHaveProperty('daysSinceLastMessage');
    expect(await result.locator('[data-testid=try-explanation]').innerText()).toBe(noReply.explanation);
    expect(await result.locator('[data-testid=try-reason]').innerText()).toBe('outside the schedule');
    expect(await result.locator('[data-testid=try-misses] li').allInnerTexts()).toEqual([
      'Away: only answers outside its schedule',
      'Prices: the message does not match its pattern',
    ]);
    expect(await result.locator('[data-testid=try-notes]').innerText()).toContain('Auto-reply is off');
    // Nothing unsaved: no line about which rules.
    expect(await result.locator('[data-testid=try-on]').count()).toBe(0);
  });

  it('shows a responder rule (not called) with its fallback, and the core’s refusal of rules that need fixing', async () => {
    const page = await open({
      data: {
        tryResult: {
          outcome: 'reply',
          rule: { id: 'ai', name: 'Assistant' },
          responder: { type: 'openai', target: 'gpt-4o-mini at api.openai.com', fallback: 'I will answer soon, Maria.' },
          delayMs: { min: 0, max: 0 },
          graceMs: 0,
          notes: [],
        },
      },
    });
    await page.click('[data-testid=tab-rules]');
    const panel = page.locator('[data-testid=try-panel]');
    await panel.locator('[data-testid=try-run]').click();
    const result = panel.locator('[data-testid=try-result]');
    await poll(() => result.getAttribute('data-outcome')).toBe('reply');
    expect(await result.locator('[data-testid=try-responder]').innerText()).toBe(
      'Its reply would come from the chat model gpt-4o-mini at api.openai.com (not asked here).',
    );
    expect(await result.locator('[data-testid=try-fallback-text]').innerText()).toBe('I will answer soon, Maria.');
    expect(await result.locator('[data-testid=try-reply-text]').count()).toBe(0);
    expect(await result.innerText()).toContain('It would go out at once.');

    // An empty text message is not sent to the core.
    await panel.locator('[data-testid=try-text]').fill('  ');
    await panel.locator('[data-testid=try-run]').click();
    await poll(() => result.innerText()).toBe('Write a message to try first.');
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid)).toBe('try-text');
    expect(await calls(page, 'tryRules')).toHaveLength(1);

    await panel.locator('[data-testid=try-text]').fill('hello');
    await respond(page, 'tryRules', {
      ok: false,
      error: {
        kind: 'invalid-rules',
        message: 'Some rules need fixing before they can be tried.',
        details: [{ path: '1.match.pattern', message: 'Rule 2 “Prices”: the pattern is empty' }],
      },
    });
    await panel.locator('[data-testid=try-run]').click();
    await poll(() => result.getAttribute('data-outcome')).toBe('invalid');
    expect(await result.innerText()).toContain('Some rules need fixing before they can be tried.');
    expect(await result.locator('[data-testid=try-errors]').innerText()).toBe('Rule 2 “Prices”: the pattern is empty');
    expect(await calls(page, 'setRules')).toEqual([]);
  });
});
