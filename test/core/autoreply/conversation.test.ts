/**
 * The engine's conversation awareness: message kinds and rules by kind, the missed-call and
 * greeting rule types, `{message}` for media and `{kind}`, a chat's mute and the owner's own
 * message held before the rules, the grace period, why no rule applied, and the new rule fields'
 * validation in plain words.
 */
import { describe, expect, it } from 'vitest';
import {
  SAME_SECOND_WORDS,
  validateRules,
  type Decision,
  type DecideSettings,
  type InboundMessage,
  type Skip,
} from '../../../main/core/autoreply/index.js';
import { berlinWinter, inbound, makeEngine, rule } from './fixtures.js';

const on = (...rules: ReturnType<typeof rule>[]): DecideSettings => ({ enabled: true, rules });
const reply = (r: Decision | Skip): Decision => {
  if (r.kind !== 'reply') throw new Error(`expected a reply, got skip ${r.reason}: ${r.message}`);
  return r;
};
const skip = (r: Decision | Skip): Skip => {
  if (r.kind !== 'skip') throw new Error(`expected a skip, got a reply by ${r.rule.name}`);
  return r;
};
const voice = (over: Partial<InboundMessage> = {}) => inbound({ text: '', messageKind: 'voice', ...over });

describe('kinds', () => {
  it('a rule without kinds answers every kind of message but missed calls', () => {
    const { engine } = makeEngine();
    const any = rule();
    expect(reply(engine.decide(voice(), on(any), { dryRun: true })).rule.id).toBe(any.id);
    expect(skip(engine.decide(inbound({ text: '', messageKind: 'missed-call' }), on(any), { dryRun: true }))).toMatchObject({
      decisionReason: 'kind-not-answered',
      message: 'No rule answers a missed call.',
    });
  });

  it('a rule with kinds answers those only, with its text match on text and captions', () => {
    const { engine } = makeEngine();
    const photos = rule({ name: 'Photos', kinds: ['image'], match: { type: 'keywords', keywords: ['bike'] } });
    expect(reply(engine.decide(inbound({ messageKind: 'image', text: 'my new bike' }), on(photos), { dryRun: true })).rule.name).toBe('Photos');
    expect(skip(engine.decide(inbound({ messageKind: 'image', text: '' }), on(photos), { dryRun: true }))).toMatchObject({
      decisionReason: 'no-match',
      message: 'The message does not match rule “Photos”.',
    });
    expect(skip(engine.decide(inbound({ text: 'my new bike' }), on(photos), { dryRun: true })).decisionReason).toBe('kind-not-answered');
  });

  it.each([
    ['reaction', 'Reactions are never answered.'],
    ['edit', 'Edits of earlier messages are never answered.'],
    ['deletion', 'Deleted messages are never answered.'],
    ['system', 'System messages are never answered.'],
    ['other', 'Replyline does not answer this kind of message.'],
  ] as const)('a %s is never answered, whatever the rules and the switch say', (kind, message) => {
    const { engine } = makeEngine();
    const r = skip(engine.decide(inbound({ messageKind: kind, text: '' }), { enabled: false, rules: [rule()] }));
    expect(r).toMatchObject({ reason: 'kind-not-answered', decisionReason: 'kind-not-answered', message });
  });

  it('a missed-call rule answers missed calls only, with its own cooldown per caller', () => {
    const { engine, clock } = makeEngine();
    const calls = rule({ name: 'Calls', match: { type: 'missed-call' }, cooldownMs: 3_600_000 });
    const call = (from: string) => inbound({ text: '', messageKind: 'missed-call', chatJid: from, senderJid: from, senderPhone: from.split('@')[0] });
    expect(skip(engine.decide(inbound({ text: 'hello' }), on(calls))).decisionReason).toBe('kind-not-answered');
    expect(reply(engine.decide(call('4915100000001@s.whatsapp.net'), on(calls))).rule.name).toBe('Calls');
    clock.advance(60_000);
    expect(skip(engine.decide(call('4915100000001@s.whatsapp.net'), on(calls))).decisionReason).toBe('cooldown');
    expect(reply(engine.decide(call('4915100000002@s.whatsapp.net'), on(calls))).rule.name).toBe('Calls'); // another caller
  });
});

describe('templates', () => {
  it('{message} of media without a caption is a plain label; {kind} names the kind', async () => {
    const { engine } = makeEngine();
    const r = rule({ reply: { type: 'template', text: 'Got your {kind}: {message}' } });
    const render = async (m: InboundMessage) => engine.renderReply(reply(engine.decide(m, on(r), { dryRun: true })));
    expect(await render(voice())).toMatchObject({ ok: true, text: 'Got your voice message: [voice message]' });
    expect(await render(inbound({ messageKind: 'image', text: 'sunset' }))).toMatchObject({ ok: true, text: 'Got your photo: sunset' });
    expect(await render(inbound({ text: 'hi' }))).toMatchObject({ ok: true, text: 'Got your text message: hi' });
  });
});

/** A contact memory that keeps when each contact was last seen (as the app's does). */
class TimedMemory {
  private readonly seen = new Map<string, number>();
  hasSeen = (k: string) => this.seen.has(k);
  markSeen = (k: string, at = 0) => void this.seen.set(k, Math.max(this.seen.get(k) ?? 0, at));
  lastSeen = (k: string) => this.seen.get(k);
}

describe('greeting', () => {
  it('greets the first message, then again only after N days without a message', () => {
    const { engine, clock } = makeEngine({ contactMemory: new TimedMemory() });
    const greet = rule({ name: 'Hello', match: { type: 'greeting', quietDays: 14 } });
    const msg = () => inbound({ timestamp: clock.now });
    expect(reply(engine.decide(msg(), on(greet))).rule.name).toBe('Hello');
    clock.advance(13 * 86_400_000);
    expect(skip(engine.decide(msg(), on(greet))).message).toBe(
      'Rule “Hello” greets a contact\'s first message, or the first after 14 days of silence, and this contact wrote more recently.',
    );
    clock.advance(14 * 86_400_000 + 1);
    expect(reply(engine.decide(msg(), on(greet))).rule.name).toBe('Hello');
  });

  it('a memory that knows only "seen", not when, never greets a known contact again', () => {
    const { engine, clock } = makeEngine();
    const greet = rule({ name: 'Hello', match: { type: 'greeting', quietDays: 1 } });
    expect(reply(engine.decide(inbound({ timestamp: clock.now }), on(greet))).kind).toBe('reply');
    clock.advance(30 * 86_400_000);
    expect(skip(engine.decide(inbound({ timestamp: clock.now }), on(greet))).decisionReason).toBe('no-match');
  });

  it('the owner writing to a contact counts as a message in that chat', () => {
    const { engine, clock } = makeEngine({ contactMemory: new TimedMemory() });
    const greet = rule({ name: 'Hello', match: { type: 'greeting', quietDays: 1 } });
    engine.decide(inbound({ fromMe: true, timestamp: clock.now }), on(greet));
    clock.advance(3_600_000);
    expect(skip(engine.decide(inbound({ timestamp: clock.now }), on(greet))).decisionReason).toBe('no-match');
  });
});

describe('held back before the rules', () => {
  it('a muted chat: until when, or until unmuted', () => {
    const { engine, clock } = makeEngine();
    const until = clock.now + 3_600_000;
    const muted = (mutedUntil: number | null): DecideSettings => ({ ...on(rule()), chatState: () => ({ mutedUntil }) });
    expect(skip(engine.decide(inbound(), muted(until)))).toMatchObject({ decisionReason: 'muted', message: 'You muted this chat.', until });
    expect(skip(engine.decide(inbound(), muted(null)))).toMatchObject({ message: 'You muted this chat until you unmute it.' });
    expect(reply(engine.decide(inbound(), muted(clock.now - 1))).kind).toBe('reply'); // a mute that ran out
  });

  it('after the owner wrote in the chat: the pause, and any message older than the owner’s', () => {
    const { engine, clock } = makeEngine();
    const ownerWroteAt = clock.now - 60_000;
    const settings = (pauseMs: number): DecideSettings => ({ ...on(rule()), takeoverPauseMs: pauseMs, chatState: () => ({ ownerWroteAt }) });
    const paused = skip(engine.decide(inbound({ timestamp: clock.now }), settings(30 * 60_000)));
    expect(paused).toMatchObject({ decisionReason: 'owner-answered', until: ownerWroteAt + 30 * 60_000 });
    expect(paused.message).toBe('You wrote in this chat yourself, so auto-replies here pause for a while.');
    // No pause set: a newer message is answered, an older one (it came late) is not.
    expect(reply(engine.decide(inbound({ timestamp: clock.now }), settings(0))).kind).toBe('reply');
    expect(skip(engine.decide(inbound({ timestamp: ownerWroteAt - 1_000 }), settings(0))).message).toBe(
      'You answered this chat yourself after this message.',
    );
  });

  it('a message in the same second as the owner’s own counts as answered by the owner, even with no pause', () => {
    const { engine, clock } = makeEngine();
    const ownerWroteAt = Math.floor(clock.now / 1000) * 1000 - 5_000;
    const settings: DecideSettings = { ...on(rule()), takeoverPauseMs: 0, chatState: () => ({ ownerWroteAt }) };
    expect(skip(engine.decide(inbound({ timestamp: ownerWroteAt }), settings))).toMatchObject({
      decisionReason: 'owner-answered',
      message: 'You wrote in this chat in the same second as this message; Replyline counts that as you answering it.',
    });
    expect(SAME_SECOND_WORDS).toMatch(/same second/);
    // One second later is a new message, answered when no pause holds it back.
    expect(reply(engine.decide(inbound({ timestamp: ownerWroteAt + 1_000 }), settings)).kind).toBe('reply');
  });

  it('the chat is looked up by its conversation key (a number, whatever address the message came by)', () => {
    const { engine } = makeEngine();
    const keys: string[] = [];
    engine.decide(inbound({ chatJid: '99887766554433@lid', senderJid: '99887766554433@lid', senderPhone: '4915112345678' }), {
      ...on(rule()),
      chatState: (key) => (keys.push(key), undefined),
    });
    expect(keys).toEqual(['p:4915112345678']);
  });
});

describe('grace period', () => {
  it('the reply waits for the grace period and then its delay; the cooldown counts from then', () => {
    const { engine, clock } = makeEngine();
    const r = rule({ graceMs: 600_000, delay: { minMs: 2_000, maxMs: 2_000, typing: true }, cooldownMs: 60_000 });
    const d = reply(engine.decide(inbound(), on(r)));
    expect(d).toMatchObject({ graceMs: 600_000, notBefore: clock.now + 602_000, typing: true });
    clock.advance(600_000); // still in the cooldown that counts from the send, not the decision
    expect(skip(engine.decide(inbound(), on(r))).decisionReason).toBe('cooldown');
  });
});

describe('why no rule applied', () => {
  it('names the rule that would take the message but is held back by who, where or when', () => {
    const { engine, clock } = makeEngine();
    clock.now = berlinWinter(6, 10); // Monday 10:00 in Berlin
    const prices = rule({ name: 'Prices', match: { type: 'keywords', keywords: ['price'] }, schedule: { windows: [{ days: ['sat', 'sun'], start: '10:00', end: '16:00' }] } });
    const other = rule({ name: 'Other', match: { type: 'exact', text: 'menu' } });
    expect(skip(engine.decide(inbound({ text: 'the price?' }), on(other, prices)))).toMatchObject({
      decisionReason: 'outside-schedule',
      message: 'Rule “Prices” works only during Sat, Sun 10:00–16:00, and this message came at another time.',
    });
    const weekdays = rule({ name: 'Away', schedule: { mode: 'outside', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' }] } });
    expect(skip(engine.decide(inbound(), on(weekdays))).message).toBe('Rule “Away” works only outside Mon–Fri 09:00–17:00, and this message came at another time.');
    expect(skip(engine.decide(inbound({ isGroup: true, chatJid: '120363000000000001@g.us', kind: 'group' }), on(rule({ name: 'Solo' }))))).toMatchObject({
      decisionReason: 'group',
      message: 'Rule “Solo” does not answer in groups.',
    });
    expect(skip(engine.decide(inbound(), on(rule({ name: 'Off', enabled: false })))).message).toBe('Every rule is switched off.');
  });

  it('a dry run on the rules alone (try a rule) ignores the switch, the pause, the chat and the limits', () => {
    const { engine } = makeEngine();
    const settings: DecideSettings = { enabled: false, pausedUntil: Date.now() * 2, rules: [rule()], chatState: () => ({ mutedUntil: null }) };
    expect(reply(engine.decide(inbound(), settings, { rulesOnly: true })).kind).toBe('reply');
    expect(skip(engine.decide(inbound(), settings)).decisionReason).toBe('disabled');
  });
});

describe('validation of the new fields', () => {
  const base = { id: 'r', name: 'Away', match: { type: 'any' }, reply: { type: 'template', text: 'x' } };
  const errors = (over: Record<string, unknown>) => {
    const r = validateRules([{ ...base, ...over }]);
    return r.ok ? [] : r.errors.map((e) => e.message);
  };
  it.each([
    [{ kinds: [] }, 'Rule 1 “Away”: pick at least one kind of message'],
    [{ kinds: ['text', 'text'] }, 'Rule 1 “Away”: a kind of message is listed twice'],
    [{ kinds: ['fax'] }, 'Rule 1 “Away”: kind of message 1 must be one of: text, image, video, voice, audio, document, sticker, location, contact, poll, missed-call'],
    [{ match: { type: 'missed-call' }, kinds: ['text'] }, 'Rule 1 “Away”: a missed-call rule answers missed calls only; leave the kinds of message empty'],
    [{ match: { type: 'keywords', keywords: ['x'] }, kinds: ['missed-call'] }, 'Rule 1 “Away”: a missed call has no text, so this text match can never apply'],
    [{ graceMs: 25 * 3_600_000 }, 'Rule 1 “Away”: the grace period must be at most 24 hours'],
    [{ graceMs: -1 }, 'Rule 1 “Away”: the grace period cannot be negative'],
    [{ match: { type: 'greeting', quietDays: 0 } }, 'Rule 1 “Away”: the days of silence must be at least 1'],
  ])('%j → %s', (over, message) => {
    expect(errors(over)).toEqual([message]);
  });

  it('fills the defaults: no grace period, greetings after 14 days', () => {
    const r = validateRules([{ ...base, match: { type: 'greeting' } }]);
    expect(r.ok && r.rules[0]).toMatchObject({ graceMs: 0, match: { type: 'greeting', quietDays: 14 } });
    expect(r.ok && r.rules[0]!.kinds).toBeUndefined();
  });
});
