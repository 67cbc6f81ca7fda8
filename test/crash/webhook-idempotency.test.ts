/**
 * Signed webhook calls across a real crash: headless mode (a child process, its webhook secret
 * from REPLYLINE_SECRET_HOOK) is SIGKILLed while a receiver holds its calls, and started again on
 * the same folder. The restart asks the webhook again for each reply — signed again, with a fresh
 * timestamp, and with the same idempotency key as before the kill (the reply's id) — so the
 * receiver, keying its side effects on that key, does each one once; each contact gets its one
 * reply once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeWaServer } from '../fake-wa/index.js';
import type { ReplyView } from '../../main/contract/api.js';
import { tempDir } from '../support/temp-dir.js';
import { startFakeWa } from '../support/wa-harness.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { registerSecret } from '../setup/log-capture.js';
import { HeadlessProcess } from '../support/headless-process.js';
import { until } from '../support/poll.js';

const N = 10;
const SECRET = 'whsec_crash-idempotency-3c2b1a0f9e8d';
registerSecret(SECRET);

let server: FakeWaServer;
let hook: WebhookReceiver;
const cleanups: Array<() => Promise<void>> = [];

beforeEach(async () => {
  server = await startFakeWa();
  hook = await startWebhookReceiver(SECRET);
});

afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
  await hook.close();
  await server.close();
});

async function start(dataDir: string): Promise<HeadlessProcess> {
  const hp = await HeadlessProcess.start({ dataDir, server, maxRepliesPerMinute: 1_000, env: { REPLYLINE_SECRET_HOOK: SECRET } });
  cleanups.push(() => hp.kill());
  return hp;
}

const replies = (hp: HeadlessProcess) => hp.ok<ReplyView[]>('GET', `/api/replies?limit=${N * 4}`);

describe('signed webhook calls across a SIGKILL mid-generation', () => {
  it('the restart calls again with the same idempotency keys, validly signed; side effects and deliveries happen once', async () => {
    const dataDir = tempDir('webhook-crash-');
    const hp = await start(dataDir);
    await server.scanQr(await hp.nextQr());
    await hp.waitForState('open');
    await hp.ok('PUT', '/api/rules', {
      rules: [
        {
          id: 'hook',
          name: 'Hook',
          match: { type: 'any' },
          reply: { type: 'webhook', url: hook.url, secretRef: 'hook', timeoutMs: 60_000 },
          delay: { minMs: 0, maxMs: 0, typing: false },
        },
      ],
    });
    await hp.ok('POST', '/api/autoreply', { enabled: true });
    hook.hold(true);

    const people = Array.from({ length: N }, (_, i) => {
      const text = `webhook crash message ${i}`;
      registerSecret(text);
      registerSecret(`Hook: ${text}`);
      return { contact: server.createContact({ name: `Person ${i}` }), text };
    });
    await Promise.all(people.map((p) => p.contact.sendText(server.defaultAccount, p.text)));

    await until(() => hook.waiting() === N, 20_000, `${N} webhook calls`, 50);
    const before = await until(async () => {
      const list = await replies(hp);
      return list.length === N && list.every((r) => r.status === 'generating') ? list : undefined;
    }, 20_000, `${N} replies generating`, 50);
    const ids = new Set(before.map((r) => r.id));
    const firstCalls = hook.calls.slice();
    expect(firstCalls.every((c) => c.verified)).toBe(true);
    expect(new Set(firstCalls.map((c) => c.idempotencyKey))).toEqual(ids);
    expect(new Set(firstCalls.map((c) => c.body.replyId))).toEqual(ids);

    await hp.kill();
    expect(hp.exitStatus).toEqual({ code: null, signal: 'SIGKILL' });

    const again = await start(dataDir);
    await again.waitForState('open');
    await until(() => hook.calls.length === 2 * N, 20_000, `${N} new webhook calls`, 50);
    const secondCalls = hook.calls.slice(N);
    // Signed again (fresh timestamps, valid signatures), under the same keys.
    expect(secondCalls.every((c) => c.verified)).toBe(true);
    expect(new Set(secondCalls.map((c) => c.idempotencyKey))).toEqual(ids);
    expect(secondCalls.every((c) => c.body.replyId === c.idempotencyKey)).toBe(true);
    // The receiver's side effects: one per reply, not one per call.
    expect(hook.effects).toHaveLength(N);
    expect(new Set(hook.effects)).toEqual(ids);

    hook.release();
    const after = await until(async () => {
      const list = await replies(again);
      return list.length === N && list.every((r) => r.status === 'sent') ? list : undefined;
    }, 30_000, `all ${N} replies sent`, 50);
    expect(new Set(after.map((r) => r.id))).toEqual(ids);
    await server.waitFor(() => people.every((p) => p.contact.received.length >= 1), 10_000, 'every contact to get its reply');
    for (const { contact, text } of people) {
      expect(contact.texts(), contact.name).toEqual([`Hook: ${text}`]);
    }
    expect(await again.stop()).toBe(0);
  }, 60_000);
});
