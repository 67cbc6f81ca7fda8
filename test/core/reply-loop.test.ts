/**
 * Two Replyline cores, paired to two fake WhatsApp accounts, each answering everything: the
 * per-contact cooldown must end the exchange instead of letting two bots ping-pong.
 */
import { afterEach, expect, it } from 'vitest';
import type { FakeWaServer } from '../fake-wa/index.js';
import type { Core } from '../../main/core/app/create-core.js';
import { tempDir } from '../support/temp-dir.js';
import { startFakeWa } from '../support/wa-harness.js';
import { until } from '../support/poll.js';
import { echoRule, pairCore, startCore, useRules } from '../support/core-harness.js';
import { registerSecret } from '../setup/log-capture.js';

let server: FakeWaServer | undefined;
const cores: Core[] = [];

afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  await server?.close();
});

it('two auto-replying cores stop within the cooldown', async () => {
  server = await startFakeWa();
  const accountA = server.createAccount({ name: 'Ann' });
  const accountB = server.createAccount({ name: 'Ben' });
  // Default limits except the per-chat cap, so the cooldown alone has to stop the loop.
  const limits = { perConversation: { max: 10_000, windowMs: 60_000 } };
  const a = await startCore(server, tempDir(), { rateLimits: limits });
  const b = await startCore(server, tempDir(), { rateLimits: limits });
  cores.push(a, b);
  await pairCore(server, a, accountA);
  await pairCore(server, b, accountB);
  const cooldownMs = 10_000;
  await useRules(a, [echoRule({ id: 'a', name: 'Away A', reply: { type: 'template', text: 'A is away' }, cooldownMs })]);
  await useRules(b, [echoRule({ id: 'b', name: 'Away B', reply: { type: 'template', text: 'B is away' }, cooldownMs })]);
  for (const t of ['hello B', 'A is away', 'B is away']) registerSecret(t);

  // The person behind A writes to B; from here on only the bots talk.
  const started = Date.now();
  await a.outbox.enqueue({ chatJid: accountB.phoneJid, text: 'hello B' });
  const crossTo = (acc: typeof accountA) => server!.record.crossAccountTo(acc).length;
  await until(() => crossTo(accountB) >= 2 && crossTo(accountA) >= 1, 10_000, 'the first exchange');
  // Give any further ping-pong every chance to happen well inside the cooldown.
  await new Promise((r) => setTimeout(r, 2_000));
  expect(Date.now() - started).toBeLessThan(cooldownMs);

  // B got the opener and A's one auto-reply; A got B's one auto-reply. Nothing more.
  expect(crossTo(accountB)).toBe(2);
  expect(crossTo(accountA)).toBe(1);
  expect(b.replyLog.query({}).map((r) => r.text)).toEqual(['B is away']);
  expect(a.replyLog.query({}).map((r) => r.text)).toEqual(['A is away']);
}, 30_000);
