/**
 * "Why no reply?" and "try a rule" from a script: headless mode as a child process against the
 * fake WhatsApp server. GET /api/activity lists each message's decision (with its filters), and
 * GET /api/chats, /api/muted and the RPC routes (tryRules, muteChat) do the rest.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeWaServer } from '../fake-wa/index.js';
import type { ActivityView, ChatView, MutedChatView, ReplyView, Result, TryRulesResult } from '../../main/contract/api.js';
import { tempDir } from '../support/temp-dir.js';
import { startFakeWa } from '../support/wa-harness.js';
import { echoRule } from '../support/core-harness.js';
import { registerSecret } from '../setup/log-capture.js';
import { HeadlessProcess } from '../support/headless-process.js';
import { until } from '../support/poll.js';

let server: FakeWaServer;
let hp: HeadlessProcess | undefined;

beforeAll(async () => {
  server = await startFakeWa();
});

afterAll(async () => {
  await hp?.kill();
  await server?.close();
});

it('GET /api/activity says why each message got a reply or not; tryRules and muteChat over RPC', async () => {
  hp = await HeadlessProcess.start({ dataDir: tempDir('headless-conversation-'), server });
  await server.scanQr(await hp.nextQr());
  await hp.waitForState('open');
  await hp.ok('PUT', '/api/rules', [echoRule({ kinds: ['text'] })]);

  const vera = server.createContact({ name: 'Vera' });
  const off = 'Hello, is anybody reading this?';
  registerSecret(off);
  await vera.sendText(server.defaultAccount, off);
  const [skipped] = await until(async () => {
    const list = await hp!.ok<ActivityView[]>('GET', '/api/activity');
    return list.length === 1 ? list : undefined;
  }, 15_000, 'the first decision', 100);
  expect(skipped).toMatchObject({ contactName: 'Vera', kind: 'text', outcome: 'skipped', reason: 'disabled', explanation: 'Auto-reply is off.', preview: off });
  expect(JSON.stringify(skipped)).not.toContain(vera.phoneNumber);

  expect(await hp.ok('POST', '/api/autoreply', { enabled: true })).toEqual({ enabled: true });
  const on = 'And now, with auto-reply on?';
  registerSecret(on);
  registerSecret(`Re: ${on}`);
  const wolf = server.createContact({ name: 'Wolf' });
  await wolf.sendText(server.defaultAccount, on);
  const replied = await until(async () => {
    const [a] = await hp!.ok<ActivityView[]>('GET', '/api/activity?outcome=replied');
    return a?.replyStatus === 'sent' ? a : undefined;
  }, 15_000, 'the reply sent', 100);
  expect(replied).toMatchObject({ contactName: 'Wolf', ruleName: 'Echo', explanation: 'Answered by rule “Echo”.' });
  expect((await hp.ok<ReplyView[]>('GET', '/api/replies')).map((r) => r.id)).toEqual([replied.replyId]);
  // Filters, as for the reply log.
  expect(await hp.ok<ActivityView[]>('GET', '/api/activity?reason=disabled&contact=Vera&limit=5')).toHaveLength(1);
  expect(await hp.ok<ActivityView[]>('GET', '/api/activity?kind=voice')).toEqual([]);
  expect((await hp.api('GET', '/api/activity?reason=bogus')).status).toBe(400);

  // Try a rule over RPC: nothing is recorded or sent.
  const tried = await hp.ok<Result<TryRulesResult>>('POST', '/api/rpc/tryRules', { text: 'price?', contactName: 'Xena' });
  expect(tried).toEqual({
    ok: true,
    value: { outcome: 'reply', rule: { id: 'echo', name: 'Echo' }, text: 'Re: price?', delayMs: { min: 0, max: 0 }, graceMs: 0, notes: [] },
  });
  expect(await hp.ok<Result<TryRulesResult>>('POST', '/api/rpc/tryRules', { kind: 'voice' })).toMatchObject({
    ok: true,
    value: { outcome: 'no-reply', reason: 'kind-not-answered', explanation: 'No rule answers a voice message.' },
  });
  expect(await hp.ok<ActivityView[]>('GET', '/api/activity')).toHaveLength(2);

  // Mute Vera's chat from the chats list; the muted list shows it.
  const chats = await hp.ok<ChatView[]>('GET', '/api/chats');
  expect(chats.map((c) => c.name)).toEqual(['Wolf', 'Vera']);
  const muted = await hp.ok<Result<MutedChatView>>('POST', '/api/rpc/muteChat', { chatId: chats[1]!.chatId, minutes: null });
  expect(muted).toMatchObject({ ok: true, value: { name: 'Vera', until: null } });
  expect((await hp.ok<MutedChatView[]>('GET', '/api/muted')).map((m) => m.name)).toEqual(['Vera']);

  expect(await hp.stop()).toBe(0);
  hp = undefined;
}, 60_000);
