/**
 * Responders that work with real services, through the whole core (createCoreService, the real
 * Baileys client against the fake WhatsApp server): a key entered through the contract is kept
 * encrypted and used by the AI responder; an AI reply in a chat with history sends the earlier
 * turns in order, with roles, within the rule's budget; a webhook call is signed and carries the
 * reply's id; a missing secret gives a plain reason and the fallback text; "Test" asks a
 * responder without sending anything to WhatsApp.
 *
 * And the privacy promise: no secret in any file of the data folder (the encrypted store holds it
 * sealed), in the CSV export, in any answer of the contract, in the snapshot — or in any log line
 * (the suite-wide scan; every secret here is registered).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeWaServer } from '../fake-wa/index.js';
import type { Core } from '../../main/core/app/create-core.js';
import type { CommandArgs, CommandName, CommandResults, Result } from '../../main/contract/api.js';
import { tempDir } from '../support/temp-dir.js';
import { startFakeWa } from '../support/wa-harness.js';
import { until } from '../support/poll.js';
import { expectDeliveredOnce, pairCore, say, startCore, useRules, waitForReply } from '../support/core-harness.js';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { registerSecret } from '../setup/log-capture.js';
import { filesHolding } from '../support/files-holding.js';

const API_KEY = 'sk-proj-core-e2e-8d7c6b5a4f3e2d1c';
const HOOK_SECRET = 'whsec_core-e2e-0f1e2d3c4b5a6978';
registerSecret(API_KEY);
registerSecret(HOOK_SECRET);

let server: FakeWaServer;
let ai: FakeOpenAi;
let hook: WebhookReceiver;
const cores: Core[] = [];
/** Every answer the contract gave in this file, to search for secrets. */
const answers: string[] = [];

beforeEach(async () => {
  server = await startFakeWa();
  ai = await startFakeOpenAi({ key: API_KEY });
  hook = await startWebhookReceiver(HOOK_SECRET);
});

afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  await ai.close();
  await hook.close();
  await server.close();
});

/** The clock the core runs on: real time plus a shift, to step past a rule's cooldown. */
let shift = 0;
const now = () => Date.now() + shift;

/** A contact writes, with the time of the core's (shifted) clock on the message. */
function write(contact: Parameters<typeof say>[0], text: string): Promise<string> {
  return say(contact, server.defaultAccount, text, { timestamp: new Date(now()) });
}

async function pairedCore(dir = tempDir('responders-')): Promise<{ core: Core; dir: string }> {
  shift = 0;
  const core = await startCore(server, dir, { now });
  cores.push(core);
  await pairCore(server, core);
  return { core, dir };
}

async function run<C extends CommandName>(core: Core, command: C, args?: CommandArgs[C]): Promise<Result<CommandResults[C]>> {
  const r = await core.handle(command, args);
  answers.push(JSON.stringify(r));
  return r;
}

async function ok<C extends CommandName>(core: Core, command: C, args?: CommandArgs[C]): Promise<CommandResults[C]> {
  const r = await run(core, command, args);
  if (!r.ok) throw new Error(`${command}: ${JSON.stringify(r.error)}`);
  return r.value;
}

const aiRule = (over: Record<string, unknown> = {}) => ({
  id: 'ai',
  name: 'Assistant',
  match: { type: 'any' },
  reply: { type: 'openai', baseUrl: ai.baseUrl, model: 'gpt-4o-mini', apiKeyRef: 'openai', systemPrompt: 'You answer for Max.', timeoutMs: 2_000, ...over },
  delay: { minMs: 0, maxMs: 0, typing: false },
  cooldownMs: 10_000,
});

describe('secrets through the contract', () => {
  it('a key entered is listed as set (never shown), kept across a restart, used by the AI responder, and can be removed', async () => {
    const { core, dir } = await pairedCore();
    await useRules(core, [aiRule()]);
    expect(await ok(core, 'listSecrets')).toEqual({ canStore: true, secrets: [{ name: 'openai', set: false, source: 'none', usedBy: ['Assistant'] }] });

    expect(await ok(core, 'setSecret', { name: 'openai', value: API_KEY })).toEqual({ name: 'openai', set: true, source: 'stored', usedBy: ['Assistant'] });
    const anna = server.createContact({ name: 'Anna' });
    await write(anna, 'Do you have oat milk?');
    const reply = await waitForReply(core, (r) => r.status === 'sent');
    expect(reply.text).toBe('Echo: Do you have oat milk?');
    expectDeliveredOnce(server, anna, reply.id, 'Echo: Do you have oat milk?');
    expect(ai.requests.at(-1)!.headers.authorization).toBe(`Bearer ${API_KEY}`);

    await core.close();
    const again = await startCore(server, dir, { now });
    cores.push(again);
    expect((await ok(again, 'listSecrets')).secrets).toEqual([{ name: 'openai', set: true, source: 'stored', usedBy: ['Assistant'] }]);
    expect(await ok(again, 'removeSecret', { name: 'openai' })).toBeNull();
    expect((await ok(again, 'listSecrets')).secrets).toEqual([{ name: 'openai', set: false, source: 'none', usedBy: ['Assistant'] }]);
    expect(await run(again, 'removeSecret', { name: 'openai' })).toMatchObject({ ok: false, error: { kind: 'not-found' } });
  });

  it('a missing key: the reply log gives the plain reason and the fallback text goes out', async () => {
    const { core } = await pairedCore();
    await useRules(core, [aiRule({ fallback: 'Thanks {first_name}, Max will answer soon.' })]);
    const ben = server.createContact({ name: 'Ben' });
    await write(ben, 'Are you there?');
    const reply = await waitForReply(core, (r) => r.status === 'sent');
    expect(reply.text).toBe('Thanks Ben, Max will answer soon.');
    expect(ai.requests).toHaveLength(0);
    // Without a fallback: no reply, and the reason in plain words.
    await useRules(core, [aiRule({ fallback: undefined })]);
    shift += 15_000;
    await write(ben, 'Hello again?');
    const failed = await waitForReply(core, (r) => r.status === 'failed');
    expect(failed.lastError).toBe('The reply could not be written: The API key “openai” is not set; add it under Settings → Keys and secrets.');
  });
});

describe('an AI reply in a chat with history', () => {
  it('sends the earlier turns — the contact’s, our replies, the owner’s own — in order, with roles, within the budget', async () => {
    const { core } = await pairedCore();
    await ok(core, 'setSecret', { name: 'openai', value: API_KEY });
    await useRules(core, [aiRule({ contextTurns: 10, contextChars: 2_000 })]);
    // The owner writes in this chat below; auto-reply must keep answering there for this test.
    await ok(core, 'updateSettings', { takeoverPauseMinutes: 0 });
    const cleo = server.createContact({ name: 'Cleo' });

    await write(cleo, 'Hi! Do you repair bikes?');
    const first = await waitForReply(core, (r) => r.status === 'sent');
    expect(first.text).toBe('Echo: Hi! Do you repair bikes?');
    expect(ai.completions[0]!.messages).toEqual([
      { role: 'system', content: 'You answer for Max.' },
      { role: 'user', content: 'Hi! Do you repair bikes?' },
    ]);

    // The owner writes in the chat from the phone: it reaches the app as one of this account's own messages.
    const ownText = 'Yes — bring it by on Monday.';
    registerSecret(ownText);
    await server.ownerPhone().sendText(cleo, ownText);
    await until(() => core.chatMemory.turns(cleo.phoneJid).some((t) => t.role === 'owner'), 10_000, 'the owner message to be kept');

    shift += 15_000; // past the rule's cooldown (its timeout, then 10 s)
    await write(cleo, 'Great, what does a tune-up cost?');
    await waitForReply(core, (r) => r.status === 'sent' && r.text.includes('tune-up'));
    expect(ai.completions[1]!.messages).toEqual([
      { role: 'system', content: 'You answer for Max.' },
      { role: 'user', content: 'Hi! Do you repair bikes?' },
      { role: 'assistant', content: 'Echo: Hi! Do you repair bikes?' },
      { role: 'assistant', content: ownText },
      { role: 'user', content: 'Great, what does a tune-up cost?' },
    ]);

    // A tight budget keeps only the newest turns that fit: the owner's message (28) fits in 40;
    // adding our reply (30) would not.
    await useRules(core, [aiRule({ contextTurns: 10, contextChars: 40 })]);
    shift += 15_000;
    await write(cleo, 'And a new chain?');
    await waitForReply(core, (r) => r.status === 'sent' && r.text.includes('chain'));
    expect(ai.completions[2]!.messages.map((m) => [m.role, m.content])).toEqual([
      ['system', 'You answer for Max.'],
      ['assistant', 'Echo: Great, what does a tune-up cost?'],
      ['user', 'And a new chain?'],
    ]);
    // N turns: at most one earlier turn.
    await useRules(core, [aiRule({ contextTurns: 1 })]);
    shift += 15_000;
    await write(cleo, 'Thanks!');
    await waitForReply(core, (r) => r.status === 'sent' && r.text === 'Echo: Thanks!');
    expect(ai.completions[3]!.messages.map((m) => m.role)).toEqual(['system', 'assistant', 'user']);

    // The window lists the chat (masked) and can forget it; the next request has no history.
    const chats = await ok(core, 'listChatMemory');
    expect(chats).toEqual([{ id: expect.any(String), contactName: 'Cleo', contactMasked: expect.stringContaining('•'), turns: 9, lastAt: expect.any(Number) }]);
    expect(await ok(core, 'forgetChat', { id: chats[0]!.id })).toBeNull();
    expect(await ok(core, 'listChatMemory')).toEqual([]);
    shift += 15_000;
    await write(cleo, 'One more thing');
    await waitForReply(core, (r) => r.status === 'sent' && r.text === 'Echo: One more thing');
    expect(ai.completions[4]!.messages.map((m) => m.role)).toEqual(['system', 'user']);
  });

  it('nothing is remembered while no AI rule uses earlier messages, and never with retention 0', async () => {
    const { core } = await pairedCore();
    await ok(core, 'setSecret', { name: 'openai', value: API_KEY });
    await useRules(core, [aiRule({ contextTurns: 0 })]);
    const dan = server.createContact({ name: 'Dan' });
    await write(dan, 'first message to Dan');
    await waitForReply(core, (r) => r.status === 'sent');
    expect(await ok(core, 'listChatMemory')).toEqual([]);

    await ok(core, 'updateSettings', { chatMemoryDays: 0 });
    await useRules(core, [aiRule({ contextTurns: 10 })]);
    shift += 15_000;
    await write(dan, 'second message to Dan');
    await waitForReply(core, (r) => r.status === 'sent' && r.text.includes('second'));
    expect(await ok(core, 'listChatMemory')).toEqual([]);
  });

  it('starts remembering as soon as the rules change to an AI rule that uses earlier messages', async () => {
    const { core } = await pairedCore();
    await ok(core, 'setSecret', { name: 'openai', value: API_KEY });
    await useRules(core, [aiRule({ contextTurns: 0 })]);
    const eve = server.createContact({ name: 'Eve' });
    await write(eve, 'first message to Eve');
    await waitForReply(core, (r) => r.status === 'sent');
    expect(await ok(core, 'listChatMemory')).toEqual([]);

    await useRules(core, [aiRule({ contextTurns: 10 })]);
    shift += 15_000;
    await write(eve, 'second message to Eve');
    await waitForReply(core, (r) => r.status === 'sent' && r.text.includes('second'));
    expect(core.chatMemory.turns(eve.phoneJid).map((t) => t.text)).toContain('second message to Eve');
  });

  it('in a group chat each earlier turn, and the message answered, say who wrote it', async () => {
    const { core } = await pairedCore();
    await ok(core, 'setSecret', { name: 'openai', value: API_KEY });
    const aiGroups = aiRule({ contextTurns: 10, contextChars: 2_000 });
    await useRules(core, [{ ...aiGroups, groups: 'all' }]);
    const me = server.defaultAccount;
    const ada = server.createContact({ name: 'Ada' });
    const ben = server.createContact({ name: 'Ben' });
    const group = server.createGroup({ subject: 'Picnic', members: [ada, me, ben] });
    const texts = ['Who brings the snacks?', 'I can bring chips'];
    texts.forEach((t) => registerSecret(t));
    const seconds = () => Math.floor(now() / 1000);

    await group.sendText(ada, texts[0]!, { t: seconds() });
    const first = await waitForReply(core, (r) => r.status === 'sent' && r.text.includes('snacks'));
    expect(first.text).toBe(`Echo: Ada: ${texts[0]}`);
    expect(ai.completions[0]!.messages.map((m) => [m.role, m.content])).toEqual([
      ['system', 'You answer for Max.'],
      ['user', `Ada: ${texts[0]}`],
    ]);

    shift += 15_000; // past the rule's cooldown
    await group.sendText(ben, texts[1]!, { t: seconds() });
    await waitForReply(core, (r) => r.status === 'sent' && r.text.includes('chips'));
    expect(ai.completions[1]!.messages.map((m) => [m.role, m.content])).toEqual([
      ['system', 'You answer for Max.'],
      ['user', `Ada: ${texts[0]}`],
      ['assistant', `Echo: Ada: ${texts[0]}`],
      ['user', `Ben: ${texts[1]}`],
    ]);
    // Both messages and both replies; the window lists the group without a number (the app is not told its name).
    expect(await ok(core, 'listChatMemory')).toEqual([
      { id: expect.any(String), contactName: 'A group chat', contactMasked: '', turns: 4, lastAt: expect.any(Number) },
    ]);
  });
});

describe('webhook and Test', () => {
  it('a webhook call is signed with the secret and carries the reply id as its idempotency key', async () => {
    const { core } = await pairedCore();
    await ok(core, 'setSecret', { name: 'hook', value: HOOK_SECRET });
    await useRules(core, [
      { id: 'h', name: 'Hook', match: { type: 'any' }, reply: { type: 'webhook', url: hook.url, secretRef: 'hook' }, delay: { minMs: 0, maxMs: 0, typing: false } },
    ]);
    const eve = server.createContact({ name: 'Eve' });
    await write(eve, 'Where is my parcel?');
    const reply = await waitForReply(core, (r) => r.status === 'sent');
    expect(reply.text).toBe('Hook: Where is my parcel?');
    expect(hook.calls).toHaveLength(1);
    expect(hook.calls[0]).toMatchObject({ verified: true, idempotencyKey: reply.id, body: { replyId: reply.id } });
    expect(hook.calls[0]!.body.test).toBeUndefined();
  });

  it('Test asks the responder about a sample message and sends nothing to WhatsApp', async () => {
    const { core } = await pairedCore();
    await ok(core, 'setSecret', { name: 'openai', value: API_KEY });
    await ok(core, 'setSecret', { name: 'hook', value: HOOK_SECRET });
    const written = server.record.clientMessages.length;

    const aiReply = aiRule().reply;
    const good = await ok(core, 'testResponder', { reply: aiReply, message: 'What are your hours?', contactName: 'Sam' });
    expect(good).toEqual({ outcome: 'reply', text: 'Echo: What are your hours?', ms: expect.any(Number) });

    const hooked = await ok(core, 'testResponder', { reply: { type: 'webhook', url: hook.url, secretRef: 'hook' }, message: 'Test from the editor' });
    expect(hooked).toMatchObject({ outcome: 'reply', text: 'Hook: Test from the editor' });
    expect(hook.calls.at(-1)).toMatchObject({ verified: true, body: { test: true, message: { text: 'Test from the editor' } } });
    expect(hook.calls.at(-1)!.idempotencyKey).toMatch(/^test-[0-9a-f]{16}$/);

    const wrongModel = await ok(core, 'testResponder', { reply: { ...aiReply, model: 'gpt-unknown' }, message: 'Hi' });
    expect(wrongModel).toEqual({
      outcome: 'no-reply',
      error: 'The AI chat server does not know the model “gpt-unknown” or the address (HTTP 404); check both. It said: The model `gpt-unknown` does not exist or you do not have access to it.',
      ms: expect.any(Number),
    });
    await ok(core, 'setSecret', { name: 'openai', value: 'sk-proj-a-wrong-key-for-the-test' });
    registerSecret('sk-proj-a-wrong-key-for-the-test');
    const badKey = await ok(core, 'testResponder', { reply: { ...aiReply, fallback: 'Back soon' }, message: 'Hi' });
    expect(badKey).toMatchObject({ outcome: 'fallback', text: 'Back soon', error: expect.stringMatching(/^The AI chat server did not accept the API key \(HTTP 401\); check the key\. It said: Incorrect API key provided: •••\.$/) });

    expect(await run(core, 'testResponder', { reply: { type: 'template', text: 'hi' }, message: 'Hi' })).toMatchObject({
      ok: false,
      error: { kind: 'invalid-rules', details: [{ path: 'reply.type', message: 'Only a webhook or an AI responder can be tested.' }] },
    });
    expect(await run(core, 'testResponder', { reply: { type: 'webhook', url: 'ftp://x' }, message: 'Hi' })).toMatchObject({
      ok: false,
      error: { kind: 'invalid-rules', details: [{ path: 'reply.url', message: 'The webhook address must be a web address starting with http:// or https://' }] },
    });
    // Nothing went to WhatsApp, and the reply log is empty.
    expect(server.record.clientMessages.length).toBe(written);
    expect(await ok(core, 'listReplies')).toEqual([]);
  });
});

describe('no secret outside the encrypted store', () => {
  it('not in any file of the data folder, the CSV export, the snapshot or any contract answer', async () => {
    const { core, dir } = await pairedCore();
    await ok(core, 'setSecret', { name: 'openai', value: API_KEY });
    await ok(core, 'setSecret', { name: 'hook', value: HOOK_SECRET });
    await useRules(core, [
      aiRule({ fallback: 'fallback {first_name}' }),
      { id: 'h', name: 'Hook', match: { type: 'keywords', keywords: ['parcel'] }, reply: { type: 'webhook', url: hook.url, secretRef: 'hook' } },
    ]);
    // A server that echoes the key in its answer, and one that refuses it.
    ai.answer = () => `I got ${API_KEY} from you`;
    const fay = server.createContact({ name: 'Fay' });
    await write(fay, 'Tell me your key');
    const echoed = await waitForReply(core, (r) => r.status === 'sent');
    expect(echoed.text).toBe('I got ••• from you');
    await ok(core, 'testResponder', { reply: aiRule().reply, message: 'again' });
    await ok(core, 'testResponder', { reply: { type: 'webhook', url: hook.url, secretRef: 'hook' }, message: 'parcel' });

    const snapshot = core.snapshot();
    answers.push(JSON.stringify(snapshot));
    for (const command of ['getSnapshot', 'listReplies', 'exportReplies', 'getHistory', 'exportHistory', 'getSettings', 'getRules', 'listSecrets', 'listMissed', 'listChatMemory'] as const) {
      await run(core, command);
    }
    await core.close();
    cores.splice(cores.indexOf(core), 1);

    for (const secret of [API_KEY, HOOK_SECRET]) {
      expect(await filesHolding(dir, secret), `files holding ${secret.slice(0, 8)}…`).toEqual([]);
      const leaks = answers.filter((a) => a.includes(secret));
      expect(leaks, 'contract answers holding a secret').toEqual([]);
    }
    // The store exists and is sealed (it is the only place the secrets are, encrypted).
    expect((await fs.stat(path.join(dir, 'secrets.sealed'))).size).toBeGreaterThan(0);
  });
});
