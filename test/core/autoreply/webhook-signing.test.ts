/**
 * Signed webhook calls, checked by a receiver written as the README tells (an independent HMAC
 * check, a five-minute window, the idempotency key): the sender is verified, a tampered or stale
 * call is refused, the key is the reply's id on every call for that reply, and the secret itself
 * never travels.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../support/temp-dir.js';
import type { RenderResult, RuleInput } from '../../../main/core/autoreply/index.js';
import { signatureFor } from '../../../main/core/autoreply/index.js';
import { registerSecret } from '../../setup/log-capture.js';
import { startWebhookReceiver, verifySignature, type WebhookReceiver } from '../../support/webhook-receiver.js';
import { inbound, makeEngine, rule } from './fixtures.js';

const SECRET = 'whsec_signing-test-1f2e3d4c5b6a';
registerSecret(SECRET);

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await startWebhookReceiver(SECRET);
});
afterAll(() => receiver.close());

type WebhookInput = Extract<NonNullable<RuleInput['reply']>, { type: 'webhook' }>;

async function call(
  reply: Partial<WebhookInput> = {},
  options: { replyId?: string; secret?: string | undefined; clock?: () => number } = {},
): Promise<RenderResult> {
  const { engine } = makeEngine({ clock: options.clock ?? (() => Date.now()) });
  const decision = engine.decide(inbound({ text: 'Is my order ready?' }), {
    enabled: true,
    rules: [rule({ name: 'Hook', reply: { type: 'webhook', url: receiver.url, secretRef: 'hook', ...reply } })],
  });
  if (decision.kind !== 'reply') throw new Error(decision.message);
  const secret = 'secret' in options ? options.secret : SECRET;
  return engine.renderReply(decision, {
    getSecret: async (name) => (name === 'hook' ? secret : undefined),
    ...(options.replyId ? { replyId: options.replyId } : {}),
  });
}

describe('signed webhook calls', () => {
  it('the receiver verifies the signature; the idempotency key is the reply id, in the header and the body', async () => {
    const result = await call({}, { replyId: '3EB0A1B2C3D4E5F6' });
    expect(result).toEqual({ ok: true, text: 'Hook: Is my order ready?', source: 'webhook' });
    const c = receiver.calls.at(-1)!;
    expect(c.verified).toBe(true);
    expect(c.idempotencyKey).toBe('3EB0A1B2C3D4E5F6');
    expect(c.body.replyId).toBe('3EB0A1B2C3D4E5F6');
    expect(c.headers['x-replyline-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(Math.abs(c.timestamp - Date.now() / 1000)).toBeLessThan(60);
    // The secret signs; it never travels.
    expect(c.headers.authorization).toBeUndefined();
    expect(JSON.stringify(c.headers) + c.raw).not.toContain(SECRET);
  });

  it('the same reply asked twice carries the same key (a receiver does its side effect once)', async () => {
    const before = receiver.effects.length;
    await call({}, { replyId: '3EB0SAMEKEY00001' });
    await call({}, { replyId: '3EB0SAMEKEY00001' });
    const calls = receiver.calls.slice(-2);
    expect(calls.map((c) => c.idempotencyKey)).toEqual(['3EB0SAMEKEY00001', '3EB0SAMEKEY00001']);
    expect(calls.every((c) => c.verified)).toBe(true);
    expect(receiver.effects.length - before).toBe(1);
  });

  it('a wrong secret is refused by the receiver, and the reply log gets the plain reason', async () => {
    const result = await call({ fallback: 'Back soon' }, { secret: 'whsec_some-other-secret-000', replyId: '3EB0WRONG' });
    expect(receiver.calls.at(-1)!.problem).toBe('bad-signature');
    expect(result).toMatchObject({
      ok: true,
      source: 'fallback',
      fallbackReason: { kind: 'responder-http-error', status: 401, message: 'The webhook answered with an error (HTTP 401) (is the key right?): signature check failed: bad-signature.' },
    });
  });

  it('a call without a secret carries a timestamp and the key but no signature', async () => {
    const result = await call({ secretRef: undefined }, { replyId: '3EB0UNSIGNED' });
    const c = receiver.calls.at(-1)!;
    expect(c.headers['x-replyline-timestamp']).toMatch(/^\d+$/);
    expect(c.headers['x-replyline-signature']).toBeUndefined();
    expect(c.idempotencyKey).toBe('3EB0UNSIGNED');
    expect(c.problem).toBe('no-signature');
    expect(result.ok).toBe(false);
  });

  it('a replayed (stale) call is refused: the timestamp is signed with the body', async () => {
    await call({}, { clock: () => Date.now() - 10 * 60_000, replyId: '3EB0STALE' });
    expect(receiver.calls.at(-1)!.problem).toBe('stale');
  });

  it('a changed body or timestamp no longer matches the signature', () => {
    const raw = JSON.stringify({ replyId: 'X', message: { text: 'hello' } });
    const ts = Math.floor(Date.now() / 1000);
    const headers = { 'x-replyline-timestamp': String(ts), 'x-replyline-signature': signatureFor(SECRET, ts, raw) };
    expect(verifySignature(SECRET, headers, raw)).toBeUndefined();
    expect(verifySignature(SECRET, headers, raw.replace('hello', 'hellO'))).toBe('bad-signature');
    expect(verifySignature(SECRET, { ...headers, 'x-replyline-timestamp': String(ts + 1) }, raw)).toBe('bad-signature');
    expect(verifySignature('another-secret', headers, raw)).toBe('bad-signature');
  });

  it("the README's verification example accepts a real call and refuses a changed one", async () => {
    const readme = readFileSync(path.resolve('README.md'), 'utf8');
    const code = /```js\n(import \{ createHmac[\s\S]*?)```/.exec(readme)?.[1];
    expect(code, 'the example in the README').toBeDefined();
    expect(code!.split('\n').filter((l) => l.trim()).length).toBeLessThanOrEqual(10);
    const file = path.join(tempDir('readme-example-'), 'verify.mjs');
    writeFileSync(file, code!);
    const { isFromReplyline } = (await import(pathToFileURL(file).href)) as {
      isFromReplyline: (raw: string, headers: Record<string, unknown>, secret: string) => boolean;
    };
    await call({}, { replyId: '3EB0README' });
    const c = receiver.calls.at(-1)!;
    expect(isFromReplyline(c.raw, c.headers, SECRET)).toBe(true);
    expect(isFromReplyline(c.raw.replace('order', 'Order'), c.headers, SECRET)).toBe(false);
    expect(isFromReplyline(c.raw, c.headers, 'not-the-secret')).toBe(false);
    expect(isFromReplyline(c.raw, { ...c.headers, 'x-replyline-timestamp': String(c.timestamp - 600) }, SECRET)).toBe(false);
  });
});
