/**
 * Every setting in the window takes effect at once, without a restart: the whole core against the
 * fake WhatsApp server, one setting per test, changed through the contract's `updateSettings`
 * between two messages.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeWaServer } from '../../fake-wa/index.js';
import { createCoreService, type Core, type CreateCoreOptions } from '../../../main/core/app/create-core.js';
import type { Settings } from '../../../main/contract/api.js';
import type { ReceivedMessage } from '../../../main/core/inbound/index.js';
import { echoRule, pairCore, say, startCore, useRules, waitForReply } from '../../support/core-harness.js';
import { socketConfig, startFakeWa, TEST_KEY_WRAPPER } from '../../support/wa-harness.js';
import { tempDir } from '../../support/temp-dir.js';

let server: FakeWaServer;
const cores: Core[] = [];

beforeEach(async () => {
  server = await startFakeWa();
});

afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  await server.close();
});

async function paired(options: Partial<CreateCoreOptions> = {}): Promise<Core> {
  const core = await startCore(server, tempDir(), options);
  cores.push(core);
  await pairCore(server, core);
  return core;
}

async function update(core: Core, patch: Partial<Settings>): Promise<Settings> {
  const r = await core.handle('updateSettings', patch);
  if (!r.ok) throw new Error(`updateSettings refused: ${JSON.stringify(r.error)}`);
  return r.value;
}

/** `chatstate` frames the client sent to `jid` saying "typing…". */
function typingFramesTo(jid: string): number {
  return server.record.framesIn('chatstate').filter((f) => f.attrs.to === jid).length;
}

describe('settings take effect at once', () => {
  it('typing indicator: off shows no "typing…" before a reply; switched on, the next reply shows it', async () => {
    const core = await paired();
    await useRules(core, [echoRule({ delay: { minMs: 300, maxMs: 300, typing: true } })]);

    await update(core, { typingIndicator: false });
    const alice = server.createContact({ name: 'Alice' });
    await say(alice, server.defaultAccount, 'first, no typing please');
    await waitForReply(core, (r) => r.contactName === 'Alice' && r.status === 'sent');
    expect(typingFramesTo(alice.phoneJid)).toBe(0);

    await update(core, { typingIndicator: true });
    const bob = server.createContact({ name: 'Bob' });
    await say(bob, server.defaultAccount, 'second, typing is fine');
    await waitForReply(core, (r) => r.contactName === 'Bob' && r.status === 'sent');
    expect(typingFramesTo(bob.phoneJid)).toBeGreaterThanOrEqual(1);
  });

  it('catch-up window: a 10-minute-old message is answered with 15 min, and goes to "missed" once it is 5 min', async () => {
    const core = await paired();
    await useRules(core, [echoRule()]);
    const tenMinutesAgo = () => Math.floor(Date.now() / 1000) - 10 * 60;

    const alice = server.createContact({ name: 'Alice' });
    await say(alice, server.defaultAccount, 'sent while you were away', { timestamp: tenMinutesAgo() });
    await waitForReply(core, (r) => r.contactName === 'Alice' && r.status === 'sent');

    await update(core, { catchUpWindowMinutes: 5 });
    const missedEvents: number[] = [];
    core.on('missed', (list) => missedEvents.push(list.length));
    const bob = server.createContact({ name: 'Bob' });
    await say(bob, server.defaultAccount, 'also sent while you were away', { timestamp: tenMinutesAgo() });
    await expect.poll(() => missedEvents.at(-1), { timeout: 10_000 }).toBe(1);
    const missed = await core.handle('listMissed', undefined);
    expect(missed.ok && missed.value.map((m) => m.contactName)).toEqual(['Bob']);
    expect(core.replyLog.query({}).filter((r) => r.contactName === 'Bob')).toHaveLength(0);
  });

  it('reply time-to-live: a reply decided after the change carries the new time-to-live', async () => {
    const core = await paired();
    // A long delay keeps the reply in the outbox long enough to read its deadline.
    await useRules(core, [echoRule({ delay: { minMs: 60_000, maxMs: 60_000, typing: false } })]);

    const alice = server.createContact({ name: 'Alice' });
    await say(alice, server.defaultAccount, 'before the change');
    const first = await waitForReply(core, (r) => r.contactName === 'Alice' && r.status === 'queued');
    const a = core.outbox.get(first.id)!;
    expect(a.expiresAt! - a.createdAt).toBeGreaterThan(59 * 60_000);

    await update(core, { replyTtlMinutes: 2 });
    const bob = server.createContact({ name: 'Bob' });
    await say(bob, server.defaultAccount, 'after the change');
    const second = await waitForReply(core, (r) => r.contactName === 'Bob' && r.status === 'queued');
    const b = core.outbox.get(second.id)!;
    expect(b.expiresAt! - b.createdAt).toBeLessThanOrEqual(2 * 60_000);
    expect(b.expiresAt! - b.createdAt).toBeGreaterThan(2 * 60_000 - 5_000);
  });
});

/**
 * The rate limits, with the limits coming from Settings (no override) and a clock the test moves:
 * messages go straight into the real pipeline, so each decision's outcome can be read.
 */
describe('rate limits from Settings', () => {
  let clock: number;

  async function pairedWithSettingsLimits(): Promise<Core> {
    clock = Date.now();
    const core = await createCoreService({
      dataDir: tempDir(),
      keyWrapper: TEST_KEY_WRAPPER,
      timeZone: 'UTC',
      socketConfig: socketConfig(server),
      controller: { backoff: { baseMs: 50, capMs: 500, random: () => 1 }, now: Date.now },
      now: () => clock,
    });
    cores.push(core);
    await pairCore(server, core);
    await useRules(core, [echoRule(), echoRule({ id: 'echo-2', name: 'Echo 2' })]);
    return core;
  }

  function message(contact: { phoneJid: string; name: string }, text: string): ReceivedMessage {
    const id = `3EB0${randomBytes(8).toString('hex').toUpperCase()}`;
    return {
      message: {
        id,
        chatJid: contact.phoneJid,
        senderJid: contact.phoneJid,
        senderName: contact.name,
        text,
        timestamp: clock,
        fromMe: false,
        isGroup: false,
        mentionsMe: false,
        kind: 'chat',
      },
      keys: [`${contact.phoneJid}|${id}`],
      source: 'notify',
    };
  }

  it('replies per minute: the limit set in Settings holds, and raising it lets the next reply through at once', async () => {
    const core = await pairedWithSettingsLimits();
    expect((await update(core, { maxRepliesPerMinute: 2 })).maxRepliesPerMinute).toBe(2);
    const contacts = Array.from({ length: 4 }, (_, i) => server.createContact({ name: `Contact ${i}` }));

    const outcomes = [];
    for (const c of contacts.slice(0, 3)) {
      outcomes.push(await core.pipeline.handle(message(c, 'hello')));
      clock += 1_000;
    }
    expect(outcomes.map((o) => o.kind)).toEqual(['queued', 'queued', 'skipped']);
    expect(outcomes[2]).toMatchObject({ reason: 'rate-limit' });

    await update(core, { maxRepliesPerMinute: 3 });
    expect(await core.pipeline.handle(message(contacts[3]!, 'hello'))).toMatchObject({ kind: 'queued' });
  });

  it('replies per chat per hour: the limit set in Settings holds across rules, and raising it applies at once', async () => {
    const core = await pairedWithSettingsLimits();
    await update(core, { maxRepliesPerChatPerHour: 2 });
    const alice = server.createContact({ name: 'Alice' });

    const outcomes = [];
    for (let i = 0; i < 3; i++) {
      outcomes.push(await core.pipeline.handle(message(alice, `message ${i}`)));
      // Past both rules' cooldowns, well inside the hour.
      clock += 60_000;
    }
    expect(outcomes.map((o) => o.kind)).toEqual(['queued', 'queued', 'skipped']);
    expect(outcomes[2]).toMatchObject({ reason: 'conversation-limit' });

    await update(core, { maxRepliesPerChatPerHour: 3 });
    expect(await core.pipeline.handle(message(alice, 'message 3'))).toMatchObject({ kind: 'queued' });
  });

  it('refuses limits outside the safe bounds', async () => {
    const core = await createCoreService({ dataDir: tempDir(), autoStart: false });
    cores.push(core);
    for (const patch of [{ maxRepliesPerMinute: 0 }, { maxRepliesPerMinute: 1_000 }, { maxRepliesPerChatPerHour: 0 }]) {
      expect(await core.handle('updateSettings', patch)).toMatchObject({ ok: false, error: { kind: 'invalid-payload' } });
    }
  });
});
