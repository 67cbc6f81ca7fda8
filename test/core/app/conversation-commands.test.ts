/**
 * The conversation-aware commands of the contract, through `createCoreService` (not connected:
 * messages are handed to the reply pipeline the way the inbound handler hands them over):
 * listActivity / exportActivity, tryRules, listChats, muteChat / unmuteChat / listMutedChats,
 * exportRules / importRules, and the takeover pause setting.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCoreService, type Core } from '../../../main/core/app/create-core.js';
import type { ActivityView, EventPayloads, InboundKind, TryRulesResult } from '../../../main/contract/api.js';
import type { InboundMessage } from '../../../main/core/autoreply/inbound.js';
import { dedupeKey } from '../../../main/core/inbound/index.js';
import { tempDir } from '../../support/temp-dir.js';

/** Monday 6 January 2025, 10:00 UTC. */
const T0 = Date.UTC(2025, 0, 6, 10, 0);
const ANNA = '4915112345678';
const BEN = '4917099887766';

const cores: Core[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
});

async function openCore(dataDir = tempDir()): Promise<{ core: Core; clock: { now: number }; dataDir: string }> {
  const clock = { now: T0 };
  const core = await createCoreService({ dataDir, autoStart: false, timeZone: 'UTC', now: () => clock.now });
  cores.push(core);
  return { core, clock, dataDir };
}

let seq = 0;
function message(from: string, text: string, extra: Partial<InboundMessage> = {}): { message: InboundMessage; keys: string[]; source: 'notify' } {
  const jid = `${from}@s.whatsapp.net`;
  const id = `MSG${++seq}`;
  return {
    message: {
      id,
      chatJid: jid,
      senderJid: jid,
      senderPhone: from,
      senderName: from === ANNA ? 'Anna Schmidt' : 'Ben',
      text,
      timestamp: T0,
      fromMe: false,
      isGroup: false,
      mentionsMe: false,
      kind: 'chat',
      ...extra,
    },
    keys: [dedupeKey(jid, id)],
    source: 'notify',
  };
}

const rule = (over: Record<string, unknown> = {}) => ({
  id: 'away',
  name: 'Away',
  match: { type: 'any' },
  reply: { type: 'template', text: 'Hi {first_name}, thanks for your {kind}: {message}' },
  delay: { minMs: 0, maxMs: 0, typing: false },
  ...over,
});

async function ok<T>(p: Promise<{ ok: true; value: T } | { ok: false; error: unknown }>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`command refused: ${JSON.stringify(r.error)}`);
  return r.value;
}

describe('activity', () => {
  it('records a decision for each message that reached the rules, with the reason in words, masked, searchable and exportable', async () => {
    const { core } = await openCore();
    const events: ActivityView[] = [];
    core.on('activity', (a) => events.push(a));
    await ok(core.handle('setRules', { rules: [rule({ kinds: ['text'] })] }));

    // Auto-reply is off: each message is skipped, and says so.
    await core.pipeline.handle(message(ANNA, 'are you open today?'));
    await core.pipeline.handle(message(BEN, '', { messageKind: 'voice' }));
    const list = await ok(core.handle('listActivity', undefined));
    expect(list.map((a) => [a.contactName, a.kind, a.preview, a.outcome, a.reason, a.explanation])).toEqual([
      ['Ben', 'voice', '[voice message]', 'skipped', 'disabled', 'Auto-reply is off.'],
      ['Anna Schmidt', 'text', 'are you open today?', 'skipped', 'disabled', 'Auto-reply is off.'],
    ]);
    expect(events).toHaveLength(2);
    // Numbers masked; ids say nothing about the chat.
    const text = JSON.stringify(list);
    expect(text).not.toContain(ANNA);
    expect(text).not.toContain(BEN);
    expect(list[1]!.contactMasked).toBe('+49 ••• ••• 56 78');
    expect(list[0]!.chatId).not.toBe(list[1]!.chatId);

    // Filters: outcome, reason, kind, contact (name, digits), search.
    expect(await ok(core.handle('listActivity', { kind: 'voice' }))).toHaveLength(1);
    expect(await ok(core.handle('listActivity', { contact: '5678' }))).toHaveLength(1);
    expect(await ok(core.handle('listActivity', { search: 'OPEN today' }))).toHaveLength(1);
    expect(await ok(core.handle('listActivity', { reason: 'muted' }))).toHaveLength(0);

    const csv = await ok(core.handle('exportActivity', undefined));
    expect(csv.split('\r\n')[0]).toBe('Time,Contact,Number,Group,Kind,Message,Outcome,Reason,Explanation,Rule,Reply id');
    expect(csv).toContain('voice message,[voice message],skipped,auto-reply off,Auto-reply is off.');
    expect(csv).not.toContain(ANNA);
  });

  it('keeps the records across a restart (encrypted like the reply log when a key protects the data)', async () => {
    const { core, dataDir } = await openCore();
    await core.pipeline.handle(message(ANNA, 'hello there'));
    await core.close();
    const again = await openCore(dataDir);
    expect((await ok(again.core.handle('listActivity', undefined))).map((a) => a.preview)).toEqual(['hello there']);
  });
});

describe('muting a chat', () => {
  it('mutes for a while or until unmuted, lists the muted chats, and the engine skips with the reason', async () => {
    const { core, clock } = await openCore();
    const muted: Array<EventPayloads['muted']> = [];
    core.on('muted', (m) => muted.push(m));
    await ok(core.handle('setRules', { rules: [rule()] }));
    await core.pipeline.handle(message(ANNA, 'first'));
    const [chat] = await ok(core.handle('listChats', undefined));
    expect(chat).toMatchObject({ name: 'Anna Schmidt', masked: '+49 ••• ••• 56 78', isGroup: false, lastAt: T0 });
    expect(chat!.mutedUntil).toBeUndefined();

    const view = await ok(core.handle('muteChat', { chatId: chat!.chatId, minutes: 60 }));
    expect(view).toEqual({ chatId: chat!.chatId, name: 'Anna Schmidt', masked: '+49 ••• ••• 56 78', isGroup: false, mutedAt: T0, until: T0 + 3_600_000 });
    expect(await ok(core.handle('listMutedChats', undefined))).toEqual([view]);
    expect(muted.at(-1)).toEqual([view]);
    expect((await ok(core.handle('listChats', undefined)))[0]!.mutedUntil).toBe(T0 + 3_600_000);

    await ok(core.handle('setAutoReply', { enabled: true }));
    clock.now += 60_000;
    await core.pipeline.handle(message(ANNA, 'second', { timestamp: clock.now }));
    const [record] = await ok(core.handle('listActivity', { limit: 1 }));
    expect(record).toMatchObject({ outcome: 'skipped', reason: 'muted', explanation: 'You muted this chat.', until: T0 + 3_600_000 });

    // An hour later the mute has run out by itself.
    clock.now = T0 + 3_600_000;
    expect(await ok(core.handle('listMutedChats', undefined))).toEqual([]);

    // Until unmuted.
    await ok(core.handle('muteChat', { chatId: chat!.chatId, minutes: null }));
    clock.now += 24 * 3_600_000;
    await core.pipeline.handle(message(ANNA, 'third', { timestamp: clock.now }));
    expect((await ok(core.handle('listActivity', { limit: 1 })))[0]).toMatchObject({ reason: 'muted', explanation: 'You muted this chat until you unmute it.' });
    expect(await core.handle('unmuteChat', { chatId: chat!.chatId })).toEqual({ ok: true, value: null });
    expect(await core.handle('unmuteChat', { chatId: chat!.chatId })).toMatchObject({ ok: false, error: { kind: 'not-found' } });
    expect(await core.handle('muteChat', { chatId: 'unknownChatId', minutes: 60 })).toMatchObject({ ok: false, error: { kind: 'not-found' } });
  });

  it('tells the window when a mute runs out, without being asked (fake timers, the core on the same clock)', async () => {
    vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    try {
      const core = await createCoreService({ dataDir: tempDir(), autoStart: false, timeZone: 'UTC', now: () => Date.now() });
      cores.push(core);
      await core.pipeline.handle(message(ANNA, 'hello'));
      const [chat] = await ok(core.handle('listChats', undefined));
      const muted: Array<EventPayloads['muted']> = [];
      core.on('muted', (m) => muted.push(m));
      await ok(core.handle('muteChat', { chatId: chat!.chatId, minutes: 60 }));
      expect(muted).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(60 * 60_000 - 1);
      expect(muted).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(muted).toEqual([[expect.objectContaining({ chatId: chat!.chatId })], []]);
      expect((await ok(core.handle('listChats', undefined)))[0]!.mutedUntil).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it('a mute survives a restart, and a chat id from before the restart still names the chat', async () => {
    const { core, dataDir } = await openCore();
    await core.pipeline.handle(message(BEN, 'hi'));
    const [chat] = await ok(core.handle('listChats', undefined));
    await ok(core.handle('muteChat', { chatId: chat!.chatId, minutes: null }));
    await core.close();
    const { core: again } = await openCore(dataDir);
    expect((await ok(again.handle('listMutedChats', undefined))).map((m) => [m.chatId, m.name, m.until])).toEqual([[chat!.chatId, 'Ben', null]]);
    // The window may hold the id from before: it is found without listing first.
    expect(await again.handle('unmuteChat', { chatId: chat!.chatId })).toEqual({ ok: true, value: null });
  });
});

describe('tryRules', () => {
  const rules = [
    rule({ id: 'call', name: 'Missed call', match: { type: 'missed-call' }, reply: { type: 'template', text: 'Sorry I missed your call, {first_name|there}.' } }),
    rule({ id: 'voice', name: 'Voice', kinds: ['voice'], reply: { type: 'template', text: 'I will listen to your {kind} later.' } }),
    rule({
      id: 'prices',
      name: 'Prices',
      match: { type: 'keywords', keywords: ['price'] },
      scope: { mode: 'only', contacts: [`+${ANNA}`] },
      reply: { type: 'template', text: 'Prices at {time}: see the list.' },
    }),
    rule({
      id: 'hook',
      name: 'Hook',
      match: { type: 'exact', text: 'ask the bot' },
      reply: { type: 'webhook', url: 'https://bot.example.com/hook?key=abc', fallback: 'The bot is away, {name}.' },
      graceMs: 5 * 60_000,
    }),
  ];

  it('shows which rule answers and the exact reply text, using nothing and sending nothing', async () => {
    const { core } = await openCore();
    const at = Date.UTC(2025, 0, 6, 14, 30);
    const tryIt = (args: Parameters<Core['handle']>[1]) => ok(core.handle('tryRules', { rules, ...(args as object) })) as Promise<TryRulesResult>;

    expect(await tryIt({ kind: 'missed-call', contactName: 'Anna Schmidt' })).toMatchObject({
      outcome: 'reply',
      rule: { id: 'call', name: 'Missed call' },
      text: 'Sorry I missed your call, Anna.',
    });
    expect(await tryIt({ kind: 'voice' })).toMatchObject({ outcome: 'reply', rule: { id: 'voice' }, text: 'I will listen to your voice message later.' });
    expect(await tryIt({ text: 'what is the price?', contactNumber: `+${ANNA}`, at })).toMatchObject({
      outcome: 'reply',
      rule: { id: 'prices' },
      text: 'Prices at 2:30 PM: see the list.',
      delayMs: { min: 0, max: 0 },
      graceMs: 0,
    });
    // A responder: which one would be called (not called), and the fallback's exact text.
    expect(await tryIt({ text: 'ask the bot', contactName: 'Ben' })).toEqual({
      outcome: 'reply',
      rule: { id: 'hook', name: 'Hook' },
      responder: { type: 'webhook', target: 'https://bot.example.com/hook', fallback: 'The bot is away, Ben.' },
      delayMs: { min: 0, max: 0 },
      graceMs: 300_000,
      notes: [{ text: 'Auto-reply is off, so nothing would be sent now.' }],
    });

    // Why none would: the rule that got furthest explains.
    const none = await tryIt({ text: 'what is the price?', contactNumber: `+${BEN}` });
    expect(none).toMatchObject({ outcome: 'no-reply', reason: 'out-of-scope', explanation: 'This contact is not among the contacts rule “Prices” answers.' });
    expect(none.outcome === 'no-reply' && none.rules.map((r) => [r.id, r.why])).toEqual([
      ['call', 'Rule “Missed call” does not answer a text message.'],
      ['voice', 'Rule “Voice” does not answer a text message.'],
      ['prices', 'This contact is not among the contacts rule “Prices” answers.'],
      ['hook', 'The message does not match rule “Hook”.'],
    ]);
    // No rule takes a photo at all (the text rules take every kind; without them …); a text no rule matches.
    expect(await tryIt({ kind: 'image' })).toMatchObject({ outcome: 'no-reply', reason: 'no-match', explanation: 'No rule applies to this message.' });
    expect(await tryIt({ kind: 'image', rules: rules.slice(0, 2) })).toMatchObject({
      outcome: 'no-reply',
      reason: 'kind-not-answered',
      explanation: 'No rule answers a photo.',
    });
    expect(await tryIt({ text: 'good morning' })).toMatchObject({ outcome: 'no-reply', reason: 'no-match', explanation: 'No rule applies to this message.' });
    expect(await tryIt({ text: 'price', contactNumber: `+${ANNA}`, inGroup: true })).toMatchObject({ outcome: 'no-reply', reason: 'group' });

    // Nothing was recorded, remembered or counted.
    expect(await ok(core.handle('listActivity', undefined))).toEqual([]);
    expect(await ok(core.handle('listReplies', undefined))).toEqual([]);
  });

  it('tries the saved rules by default, refuses invalid rules and numbers with plain words', async () => {
    const { core } = await openCore();
    await ok(core.handle('setRules', { rules: [rule()] }));
    expect(await ok(core.handle('tryRules', { text: 'hello', contactName: 'Ann' }))).toMatchObject({
      outcome: 'reply',
      text: 'Hi Ann, thanks for your text message: hello',
    });
    const bad = await core.handle('tryRules', { text: 'x', rules: [rule({ cooldownMs: 0 })] });
    expect(bad).toMatchObject({ ok: false, error: { kind: 'invalid-rules' } });
    expect(!bad.ok && bad.error.details?.[0]?.message).toBe('Rule 1 “Away”: the cooldown must be at least 10 s (it is what stops reply loops)');
    expect(await core.handle('tryRules', { text: 'x', contactNumber: 'call me' })).toMatchObject({
      ok: false,
      error: { kind: 'invalid-payload', message: 'The number is not a phone number with its country code (for example +49 151 12345678).' },
    });
  });

  it('a greeting rule answers the first message, or the first after N days of silence', async () => {
    const { core, clock } = await openCore();
    const greet = rule({ id: 'hello', name: 'Hello', match: { type: 'greeting', quietDays: 14 }, reply: { type: 'template', text: 'Welcome!' } });
    await ok(core.handle('setRules', { rules: [greet] }));
    await ok(core.handle('setAutoReply', { enabled: true }));
    expect(await ok(core.handle('tryRules', { text: 'hi', daysSinceLastMessage: null }))).toMatchObject({ outcome: 'reply' });
    expect(await ok(core.handle('tryRules', { text: 'hi', daysSinceLastMessage: 3 }))).toMatchObject({ outcome: 'no-reply', reason: 'no-match' });
    expect(await ok(core.handle('tryRules', { text: 'hi', daysSinceLastMessage: 14 }))).toMatchObject({ outcome: 'reply' });

    // The real contact memory: a known contact who wrote 2 days ago is not greeted, 15 days later is.
    await core.pipeline.handle(message(ANNA, 'first ever'));
    clock.now += 2 * 86_400_000;
    expect(await ok(core.handle('tryRules', { text: 'hi', contactNumber: `+${ANNA}` }))).toMatchObject({ outcome: 'no-reply' });
    clock.now += 13 * 86_400_000;
    expect(await ok(core.handle('tryRules', { text: 'hi', contactNumber: `+${ANNA}` }))).toMatchObject({ outcome: 'reply', text: 'Welcome!' });
  });
});

describe('rules as a file', () => {
  it('exports the saved rules and imports them back, all or nothing, with per-rule messages', async () => {
    const { core } = await openCore();
    await ok(core.handle('setRules', { rules: [rule(), rule({ id: 'b', name: 'Second', match: { type: 'missed-call' } })] }));
    const file = await ok(core.handle('exportRules', undefined));
    expect(file.fileName).toBe('replyline-rules-2025-01-06.json');
    expect(JSON.parse(file.json)).toMatchObject({ format: 'replyline-rules', version: 1, rules: [{ id: 'away' }, { id: 'b' }] });

    await ok(core.handle('setRules', { rules: [] }));
    expect((await ok(core.handle('importRules', { json: file.json }))).rules.map((r) => (r as { id: string }).id)).toEqual(['away', 'b']);
    // Append: a taken id gets a new one.
    const appended = await ok(core.handle('importRules', { json: JSON.stringify([rule()]), mode: 'append' }));
    expect(appended.rules.map((r) => (r as { id: string }).id)).toEqual(['away', 'b', 'away-2']);

    // One bad rule: nothing imported, each problem named.
    const bad = await core.handle('importRules', { json: JSON.stringify([rule({ id: 'x' }), rule({ id: 'y', name: 'Broken', kinds: [] })]) });
    expect(bad).toMatchObject({ ok: false, error: { kind: 'invalid-rules' } });
    expect(!bad.ok && bad.error.details?.map((d) => d.message)).toEqual(['Rule 2 “Broken”: pick at least one kind of message']);
    expect((await ok(core.handle('getRules', undefined))).rules).toHaveLength(3);

    for (const [json, message] of [
      ['{not json', 'The file is not valid JSON, so no rules could be read from it.'],
      ['{"rules": 5}', 'The file is not a Replyline rules file (expected a list of rules).'],
      ['{"format":"replyline-rules","version":99,"rules":[]}', 'The file was written by a newer Replyline; update Replyline to import it.'],
    ] as const) {
      const r = await core.handle('importRules', { json });
      expect(!r.ok && r.error.details?.[0]?.message).toBe(message);
    }
  });
});

describe('settings', () => {
  it('has a takeover pause of 30 minutes by default, settable from 0 to 24 h', async () => {
    const { core } = await openCore();
    expect((await ok(core.handle('getSettings', undefined))).takeoverPauseMinutes).toBe(30);
    expect((await ok(core.handle('updateSettings', { takeoverPauseMinutes: 0 }))).takeoverPauseMinutes).toBe(0);
    expect(await core.handle('updateSettings', { takeoverPauseMinutes: 24 * 60 + 1 })).toMatchObject({ ok: false });
  });

  it('every kind a record can have has words', async () => {
    const { KIND_WORDS, INBOUND_KINDS } = await import('../../../main/contract/api.js');
    for (const k of INBOUND_KINDS as readonly InboundKind[]) expect(KIND_WORDS[k]).toMatch(/\w/);
  });
});
