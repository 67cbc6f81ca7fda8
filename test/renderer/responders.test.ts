/**
 * Responders in the window: every field of an AI or webhook rule, keys entered once and then
 * shown only as set or not set, Test with an editable sample, the keys and remembered chats under
 * Settings, and what the window says where secrets cannot be kept (headless mode).
 * In real headless Chromium through a fake API: see harness.ts.
 */
import { describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, warnIfNoChromium } from '../support/browser.js';
import type { FakeData } from './fake-api.js';
import { fakeData, T0 } from './fixtures.js';
import { HEADLESS_SECRETS_NOTE } from '../../main/headless/cli.js';
import { poll, useWindow } from './harness.js';
import { registerSecret } from '../setup/log-capture.js';

warnIfNoChromium('renderer UI tests');

describe.skipIf(!HAS_CHROMIUM)('renderer: responders, keys and chat memory', () => {
  const { open, calls, respond, shot, unnamedControls } = useWindow();
  const base = fakeData();

  const AI_KEY = 'sk-proj-window-test-1a2b3c4d5e6f';
  registerSecret(AI_KEY);
  registerSecret('gsk_window_test_value_00');
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

  it('where secrets cannot be kept (headless mode without a key file), the window says what to do instead and offers no field', async () => {
    const page = await open({
      data: {
        ...responderData(),
        snapshot: { ...base.snapshot, encryption: 'none' },
        secrets: { canStore: false, note: HEADLESS_SECRETS_NOTE, secrets: [{ name: 'openai', set: true, source: 'environment', usedBy: ['Assistant'] }] },
      },
    });
    await page.click('[data-testid=tab-settings]');
    await poll(() => page.locator('[data-testid=secrets-note]').innerText()).toBe(HEADLESS_SECRETS_NOTE);
    const card = page.locator('[data-testid=secrets-card]');
    // The intro claims no encryption for values that cannot be entered.
    expect(await card.locator('[data-testid=secrets-intro]').innerText()).toBe('Rules refer to keys and secrets by their names.');
    const openai = card.locator('[data-secret=openai]');
    expect(await openai.locator('[data-testid=secret-status]').innerText()).toBe('Set');
    expect(await openai.innerText()).toContain('from the environment');
    expect(await openai.locator('[data-testid=secret-input]').isHidden()).toBe(true);
    expect(await page.locator('[data-testid=secret-new-name]').isHidden()).toBe(true);
  });

  it('headless mode with a key file: no note, values are entered and encrypted with the key file; an overridden stored value can be removed', async () => {
    const page = await open({
      data: {
        ...responderData(),
        snapshot: { ...base.snapshot, encryption: 'key-file' },
        secrets: {
          canStore: true,
          secrets: [
            { name: 'openai', set: true, source: 'environment', overridden: ['stored'], usedBy: ['Assistant'] },
            { name: 'shop-hook', set: false, source: 'none', usedBy: ['Shop'] },
          ],
        },
      },
    });
    await page.click('[data-testid=tab-settings]');
    const card = page.locator('[data-testid=secrets-card]');
    await poll(() => card.locator('[data-testid=secret-entry]').count()).toBe(2);
    expect(await page.locator('[data-testid=secrets-note]').isHidden()).toBe(true);
    expect(await card.locator('[data-testid=secrets-intro]').innerText()).toBe(
      'A value you enter is encrypted with the key file and never shown again. Rules refer to it by its name.',
    );
    expect(await page.locator('[data-testid=secret-new-name]').isVisible()).toBe(true);
    const shop = card.locator('[data-secret=shop-hook]');
    expect(await shop.locator('[data-testid=secret-input]').isVisible()).toBe(true);

    // The environment's value is in use; the one entered earlier is not, and can go.
    const openai = card.locator('[data-secret=openai]');
    expect(await openai.innerText()).toContain('from the environment (headless mode); the value entered here is not used');
    expect(await openai.locator('[data-testid=secret-input]').isHidden()).toBe(true);
    await openai.locator('[data-testid=secret-remove]').click();
    await poll(() => openai.innerText()).not.toContain('not used');
    expect((await calls(page, 'removeSecret')).map((c) => c.args)).toEqual([{ name: 'openai' }]);
    expect(await openai.locator('[data-testid=secret-status]').innerText()).toBe('Set');
    expect(await openai.locator('[data-testid=secret-remove]').isHidden()).toBe(true);
  });
});
