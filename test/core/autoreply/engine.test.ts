import { describe, expect, it } from 'vitest';
import {
  AutoReplyEngine,
  type Decision,
  type EngineOptions,
  type InboundMessage,
  type Rule,
  type Skip,
} from '../../../main/core/autoreply/index.js';
import { berlinWinter, groupMessage, inbound, makeEngine, MemoryContacts, rule } from './fixtures.js';

const on = (...rules: Rule[]) => ({ enabled: true, rules });

function expectReply(result: Decision | Skip): Decision {
  if (result.kind !== 'reply') throw new Error(`expected a reply, got skip ${result.reason}: ${result.message}`);
  return result;
}

function expectSkip(result: Decision | Skip, reason: Skip['reason']): Skip {
  if (result.kind !== 'skip') throw new Error(`expected skip ${reason}, got a reply by ${result.rule.name}`);
  expect(result.reason).toBe(reason);
  return result;
}

describe('never replies', () => {
  const everything = rule({ groups: 'all' });
  const cases: [string, Partial<InboundMessage>, Skip['reason']][] = [
    ['own messages', { fromMe: true }, 'own-message'],
    ['own messages in groups', { fromMe: true, isGroup: true, kind: 'group', chatJid: '1203630@g.us' }, 'own-message'],
    ['status updates', { kind: 'status', chatJid: 'status@broadcast' }, 'status'],
    ['status@broadcast even if labelled chat', { chatJid: 'status@broadcast' }, 'status'],
    ['broadcast lists', { kind: 'broadcast', chatJid: '1234567890@broadcast' }, 'broadcast'],
    ['broadcast JIDs labelled chat', { chatJid: '1234567890@broadcast' }, 'broadcast'],
    ['newsletters', { kind: 'newsletter', chatJid: '120363000000@newsletter' }, 'newsletter'],
    ['newsletter JIDs labelled chat', { chatJid: '120363000000@newsletter' }, 'newsletter'],
  ];
  for (const [what, overrides, reason] of cases) {
    it(what, () => {
      const { engine } = makeEngine();
      const skip = expectSkip(engine.decide(inbound(overrides), on(everything)), reason);
      expect(skip.message).toMatch(/never answered|your own account/);
    });
  }
});

describe('global switch and pause', () => {
  it('off: no reply', () => {
    const { engine } = makeEngine();
    expect(expectSkip(engine.decide(inbound(), { enabled: false, rules: [rule()] }), 'disabled').message).toBe(
      'Auto-reply is off.',
    );
  });

  it('paused until a time: no reply, says until when', () => {
    const { engine, clock } = makeEngine();
    const until = clock.now + 3_600_000;
    const skip = expectSkip(engine.decide(inbound(), { enabled: true, pausedUntil: until, rules: [rule()] }), 'paused');
    expect(skip.until).toBe(until);
    expect(skip.message).toBe('Auto-reply is paused.'); // until when travels as a number: the window formats it
  });

  it('pause in the past: replies', () => {
    const { engine, clock } = makeEngine();
    expectReply(engine.decide(inbound(), { enabled: true, pausedUntil: clock.now, rules: [rule()] }));
  });

  it('no rules', () => {
    const { engine } = makeEngine();
    expectSkip(engine.decide(inbound(), on()), 'no-rules');
  });
});

describe('rules in order, first match wins', () => {
  const price = rule({ name: 'Price', match: { type: 'keywords', keywords: ['price'] } });
  const hello = rule({ name: 'Hello', match: { type: 'exact', text: 'hello' } });
  const order = rule({ name: 'Order', match: { type: 'regex', pattern: '^order\\s*#?\\d+$' } });
  const anything = rule({ name: 'Any' });
  const off = rule({ name: 'Off', enabled: false });
  const rules = [off, price, hello, order, anything];

  const cases: [string, string][] = [
    ['What is the price?', 'Price'],
    ['HELLO', 'Hello'],
    ['hello price', 'Price'],
    ['order #42', 'Order'],
    ['something else', 'Any'],
  ];
  for (const [text, expected] of cases) {
    it(`${JSON.stringify(text)} → ${expected}`, () => {
      const { engine } = makeEngine();
      expect(expectReply(engine.decide(inbound({ text }), on(...rules))).rule.name).toBe(expected);
    });
  }

  it('explains why no rule applied', () => {
    const { engine } = makeEngine();
    const skip = expectSkip(engine.decide(inbound({ text: 'nothing' }), on(off, price, hello)), 'no-match');
    expect(skip.message).toBe('No rule applies to this message.');
    expect(skip.misses?.map((m) => m.reason)).toEqual(['rule-off', 'no-text-match', 'no-text-match']);
  });
});

describe('groups and mentions', () => {
  const cases: [Rule['groups'], boolean, true | Skip['reason']][] = [
    ['off', false, 'no-match'],
    ['off', true, 'no-match'],
    ['all', false, true],
    ['all', true, true],
    ['mentioned', false, 'no-match'],
    ['mentioned', true, true],
  ];
  for (const [groups, mentionsMe, expected] of cases) {
    it(`groups: ${groups}, mentioned: ${mentionsMe} → ${expected === true ? 'reply' : 'skip'}`, () => {
      const { engine } = makeEngine();
      const result = engine.decide(groupMessage({ mentionsMe }), on(rule({ groups })));
      if (expected === true) {
        const d = expectReply(result);
        expect(d.chatJid).toBe('120363012345678901@g.us');
        expect(d.conversationKey).toBe('g:120363012345678901@g.us');
      } else expectSkip(result, expected);
    });
  }

  it('is off by default and says so', () => {
    const { engine } = makeEngine();
    const skip = expectSkip(engine.decide(groupMessage({ mentionsMe: true }), on(rule())), 'no-match');
    expect(skip.misses?.[0]?.reason).toBe('groups-off');
  });

  it('an isGroup flag alone, or a @g.us chat, counts as a group', () => {
    const { engine } = makeEngine();
    expectSkip(engine.decide(inbound({ isGroup: true, chatJid: '123@g.us', kind: 'chat' }), on(rule())), 'no-match');
    expectSkip(engine.decide(inbound({ chatJid: '12345@g.us' }), on(rule())), 'no-match');
  });

  it('a group cooldown covers the whole group', () => {
    const { engine } = makeEngine();
    const all = rule({ groups: 'all' });
    expectReply(engine.decide(groupMessage({ senderJid: '491111111111@s.whatsapp.net' }), on(all)));
    expectSkip(engine.decide(groupMessage({ senderJid: '492222222222@s.whatsapp.net' }), on(all)), 'cooldown');
  });
});

describe('contact scope in the engine', () => {
  it('only listed / everyone except listed', () => {
    const { engine } = makeEngine();
    const vip = rule({ name: 'VIP', scope: { mode: 'only', contacts: ['+49 151 1234 5678'] } });
    const others = rule({ name: 'Others', scope: { mode: 'except', contacts: ['+49 151 1234 5678'] } });
    expect(expectReply(engine.decide(inbound(), on(vip, others))).rule.name).toBe('VIP');
    const bob = inbound({ chatJid: '4917600000000@s.whatsapp.net', senderPhone: '4917600000000' });
    expect(expectReply(engine.decide(bob, on(vip, others))).rule.name).toBe('Others');
  });
});

describe('first message from a contact', () => {
  const greet = rule({ name: 'Greeting', match: { type: 'first-message' } });

  it('answers a new contact once, and remembers every address of theirs', () => {
    const { engine, clock, memory } = makeEngine();
    expectReply(engine.decide(inbound(), on(greet)));
    expect([...memory.seen].sort()).toEqual(['j:4915112345678@s.whatsapp.net', 'p:4915112345678']);
    clock.advance(24 * 3_600_000);
    expect(expectSkip(engine.decide(inbound(), on(greet)), 'no-match').misses?.[0]?.reason).toBe('seen-before');
    // Same person arriving through a LID address, phone known: not new.
    expectSkip(engine.decide(inbound({ chatJid: '99887766554433@lid' }), on(greet)), 'no-match');
  });

  it('a contact who wrote while auto-reply was off is not new any more', () => {
    const { engine } = makeEngine();
    expectSkip(engine.decide(inbound(), { enabled: false, rules: [greet] }), 'disabled');
    expectSkip(engine.decide(inbound(), on(greet)), 'no-match');
  });

  it('someone I wrote to first is not greeted', () => {
    const { engine } = makeEngine();
    expectSkip(engine.decide(inbound({ fromMe: true, chatJid: '4915112345678@s.whatsapp.net', senderJid: '4917000000000@s.whatsapp.net', senderPhone: '4917000000000' }), on(greet)), 'own-message');
    expectSkip(engine.decide(inbound(), on(greet)), 'no-match');
  });

  it('falls through to the next rule for a known contact', () => {
    const { engine, memory } = makeEngine();
    memory.markSeen('p:4915112345678');
    expect(expectReply(engine.decide(inbound(), on(greet, rule({ name: 'Default' })))).rule.name).toBe('Default');
  });

  it('never applies in groups, and group members are not remembered', () => {
    const { engine, memory } = makeEngine();
    const greetGroups = rule({ match: { type: 'first-message' }, groups: 'all' });
    const skip = expectSkip(engine.decide(groupMessage(), on(greetGroups)), 'no-match');
    expect(skip.misses?.[0]?.reason).toBe('not-a-private-chat');
    expect(memory.seen.size).toBe(0);
  });

  it('dry runs remember nothing', () => {
    const { engine, memory } = makeEngine();
    expectReply(engine.decide(inbound(), on(greet), { dryRun: true }));
    expect(memory.seen.size).toBe(0);
    expectReply(engine.decide(inbound(), on(greet)));
  });
});

describe('schedule in the engine (clock decides)', () => {
  it('away outside working hours, Berlin', () => {
    const away = rule({
      name: 'Away',
      schedule: { mode: 'outside', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' }] },
    });
    const { engine, clock } = makeEngine();
    clock.now = berlinWinter(6, 10); // Monday 10:00
    expect(expectSkip(engine.decide(inbound(), on(away)), 'no-match').misses?.[0]?.reason).toBe('outside-schedule');
    clock.now = berlinWinter(6, 17); // Monday 17:00
    expectReply(engine.decide(inbound(), on(away)));
  });
});

describe('human-like delay', () => {
  const delayed = rule({ delay: { minMs: 2_000, maxMs: 8_000, typing: true } });
  const cases: [number, number][] = [
    [0, 2_000],
    [0.5, 5_000],
    [0.9999999, 8_000],
    [1, 8_000], // a broken RNG cannot exceed the bound
    [-3, 2_000],
    [Number.NaN, 2_000],
  ];
  for (const [random, delay] of cases) {
    it(`random ${random} → ${delay} ms`, () => {
      const { engine, clock } = makeEngine({ random: () => random });
      const d = expectReply(engine.decide(inbound(), on(delayed)));
      expect(d.notBefore - clock.now).toBe(delay);
      expect(d.decidedAt).toBe(clock.now);
      expect(d.typing).toBe(true);
    });
  }

  it('stays within bounds for many draws and can be switched off', () => {
    let state = 42;
    const lcg = () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const { engine, clock } = makeEngine({ random: lcg });
    for (let i = 0; i < 200; i++) {
      const d = expectReply(engine.decide(inbound({ chatJid: `49151000${1000 + i}@s.whatsapp.net`, senderPhone: undefined }), on(delayed)));
      expect(d.notBefore - clock.now).toBeGreaterThanOrEqual(2_000);
      expect(d.notBefore - clock.now).toBeLessThanOrEqual(8_000);
      clock.advance(10_000); // stay under the global rate
    }
    const instant = rule({ delay: { minMs: 0, maxMs: 0, typing: false } });
    const d = expectReply(engine.decide(inbound({ chatJid: '4930123456@s.whatsapp.net' }), on(instant)));
    expect(d.notBefore).toBe(clock.now);
    expect(d.typing).toBe(false);
  });
});

describe('decision', () => {
  it('is plain JSON with what the outbox and renderReply need', () => {
    const { engine } = makeEngine();
    const d = expectReply(engine.decide(inbound({ text: 'hi' }), on(rule({ name: 'Hi' }))));
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
    expect(d).toMatchObject({
      kind: 'reply',
      chatJid: '4915112345678@s.whatsapp.net',
      conversationKey: 'p:4915112345678',
      responder: 'template',
      inbound: { text: 'hi', senderName: 'Anna Schmidt', isGroup: false },
    });
  });
});

describe('cooldown and rate limit through the engine', () => {
  it('one reply per chat and rule per cooldown; no fall-through to later rules', () => {
    const { engine, clock } = makeEngine();
    const first = rule({ name: 'First', cooldownMs: 60_000, delay: { minMs: 0, maxMs: 0, typing: false } });
    const second = rule({ name: 'Second' });
    expectReply(engine.decide(inbound(), on(first, second)));
    clock.advance(59_999);
    const skip = expectSkip(engine.decide(inbound(), on(first, second)), 'cooldown');
    expect(skip.rule).toEqual({ id: first.id, name: 'First' });
    expect(skip.until).toBe(clock.now + 1);
    expect(skip.message).toBe('Rule “First” answered this chat a short while ago, so it waits before answering again.');
    clock.advance(1);
    expectReply(engine.decide(inbound(), on(first, second)));
  });

  it('counts the cooldown from when the reply goes out at the latest', () => {
    const { engine, clock } = makeEngine({ random: () => 0 });
    const slow = rule({ cooldownMs: 60_000, delay: { minMs: 30_000, maxMs: 30_000, typing: true } });
    expect(expectReply(engine.decide(inbound(), on(slow))).notBefore).toBe(clock.now + 30_000);
    expect(expectSkip(engine.decide(inbound(), on(slow)), 'cooldown').until).toBe(clock.now + 90_000);

    const { engine: e2, clock: c2 } = makeEngine();
    const hook = rule({ cooldownMs: 60_000, reply: { type: 'webhook', url: 'http://127.0.0.1:9/x', timeoutMs: 45_000 } });
    expectReply(e2.decide(inbound(), on(hook)));
    expect(expectSkip(e2.decide(inbound(), on(hook)), 'cooldown').until).toBe(c2.now + 105_000);
  });

  it('the global rate limit holds over all chats', () => {
    const { engine, clock } = makeEngine({ rateLimits: { global: { max: 3, windowMs: 60_000 } } });
    const r = rule();
    for (let i = 0; i < 3; i++) expectReply(engine.decide(inbound({ chatJid: `4930000000${i}@s.whatsapp.net`, senderPhone: undefined }), on(r)));
    const skip = expectSkip(engine.decide(inbound({ chatJid: '49300000009@s.whatsapp.net', senderPhone: undefined }), on(r)), 'rate-limit');
    expect(skip.message).toMatch(/too fast \(3 in the last minute\)/);
    clock.advance(60_000);
    expectReply(engine.decide(inbound({ chatJid: '49300000009@s.whatsapp.net', senderPhone: undefined }), on(r)));
  });

  it('dry runs do not count', () => {
    const { engine } = makeEngine();
    const r = rule();
    expectReply(engine.decide(inbound(), on(r), { dryRun: true }));
    expectReply(engine.decide(inbound(), on(r)));
  });

  it('state survives a restart through export/import', () => {
    const { engine, clock } = makeEngine();
    const r = rule();
    expectReply(engine.decide(inbound(), on(r)));
    const saved = JSON.stringify(engine.exportState());
    const restarted = new AutoReplyEngine({
      clock: clock.read,
      random: () => 0,
      timeZone: 'Europe/Berlin',
      contactMemory: new MemoryContacts(),
    });
    expect(restarted.importState(JSON.parse(saved))).toBe(true);
    expectSkip(restarted.decide(inbound(), on(r)), 'cooldown');
  });

  it('rejects a bad time zone or locale up front', () => {
    const memory = new MemoryContacts();
    expect(() => new AutoReplyEngine({ clock: Date.now, random: Math.random, timeZone: 'Nowhere/Land', contactMemory: memory })).toThrow(RangeError);
    expect(() => new AutoReplyEngine({ clock: Date.now, random: Math.random, timeZone: 'UTC', locale: 'not a locale!', contactMemory: memory })).toThrow(RangeError);
  });
});

describe('reply loops', () => {
  interface Bot {
    name: string;
    jid: string;
    engine: AutoReplyEngine;
    rules: Rule[];
    rateLimits?: EngineOptions['rateLimits'];
  }

  /**
   * Discrete-event simulation of two WhatsApp accounts whose auto-replies reach each other.
   * Each reply is delivered to the other side at its notBefore time (plus a network hop).
   */
  async function simulate(a: Omit<Bot, 'engine'>, b: Omit<Bot, 'engine'>, opening: { from: 'a' | 'b'; text: string }) {
    let now = Date.UTC(2025, 0, 6, 10, 0);
    const clock = () => now;
    let seed = 7;
    const random = () => ((seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647);
    const bots: Record<'a' | 'b', Bot> = {
      a: { ...a, engine: new AutoReplyEngine({ clock, random, timeZone: 'UTC', contactMemory: new MemoryContacts(), ...(a.rateLimits ? { rateLimits: a.rateLimits } : {}) }) },
      b: { ...b, engine: new AutoReplyEngine({ clock, random, timeZone: 'UTC', contactMemory: new MemoryContacts(), ...(b.rateLimits ? { rateLimits: b.rateLimits } : {}) }) },
    };
    const queue: { at: number; to: 'a' | 'b'; text: string }[] = [{ at: now, to: opening.from === 'a' ? 'b' : 'a', text: opening.text }];
    const sent: { at: number; by: string; text: string }[] = [];
    let n = 0;
    while (queue.length > 0 && n++ < 10_000) {
      queue.sort((x, y) => x.at - y.at);
      const event = queue.shift()!;
      now = event.at;
      const me = bots[event.to];
      const otherKey = event.to === 'a' ? 'b' : 'a';
      const other = bots[otherKey];
      const decision = me.engine.decide(
        inbound({ chatJid: other.jid, senderJid: other.jid, senderPhone: other.jid.split('@')[0], senderName: other.name, text: event.text, timestamp: now }),
        { enabled: true, rules: me.rules },
      );
      if (decision.kind !== 'reply') continue;
      const rendered = await me.engine.renderReply(decision);
      if (!rendered.ok) continue;
      sent.push({ at: decision.notBefore, by: me.name, text: rendered.text });
      queue.push({ at: decision.notBefore + 300, to: otherKey, text: rendered.text });
    }
    return { start: Date.UTC(2025, 0, 6, 10, 0), sent };
  }

  it('two "any message" bots stop within the cooldown', async () => {
    const cooldownMs = 60_000;
    const { start, sent } = await simulate(
      { name: 'A', jid: '4915111111111@s.whatsapp.net', rules: [rule({ cooldownMs, reply: { type: 'template', text: 'Away, back soon' } })] },
      { name: 'B', jid: '4915122222222@s.whatsapp.net', rules: [rule({ cooldownMs, reply: { type: 'template', text: 'Thanks for your message!' } })] },
      { from: 'a', text: 'hi' },
    );
    expect(sent.map((s) => s.by)).toEqual(['B', 'A']);
    for (const s of sent) expect(s.at - start).toBeLessThan(cooldownMs);
  });

  it('bots with several rules and echoing replies still stop within the cooldown', async () => {
    const cooldownMs = 10_000; // the shortest allowed
    const echo = (id: string) => [
      rule({ id: `${id}-kw`, cooldownMs, match: { type: 'keywords', keywords: ['said'] }, reply: { type: 'template', text: 'You said: {message}' }, delay: { minMs: 500, maxMs: 1_500, typing: true } }),
      rule({ id: `${id}-re`, cooldownMs, match: { type: 'regex', pattern: 'thanks|away' }, reply: { type: 'template', text: '{name} said: {message}' }, delay: { minMs: 500, maxMs: 1_500, typing: true } }),
      rule({ id: `${id}-any`, cooldownMs, reply: { type: 'template', text: 'Thanks, I am away' }, delay: { minMs: 500, maxMs: 1_500, typing: true } }),
    ];
    const { start, sent } = await simulate(
      { name: 'A', jid: '4915111111111@s.whatsapp.net', rules: echo('a') },
      { name: 'B', jid: '4915122222222@s.whatsapp.net', rules: echo('b') },
      { from: 'a', text: 'hello' },
    );
    // Each side can answer once per rule before every rule that matches is cooling down.
    expect(sent.length).toBeGreaterThan(1);
    expect(sent.length).toBeLessThanOrEqual(2 * 3);
    for (const s of sent) expect(s.at - start).toBeLessThan(cooldownMs);
  });

  it('a naive partner slower than the cooldown is stopped by the per-chat cap', async () => {
    // B stands for a foreign bot: no cooldown, no cap, answers every message after 20–30 s.
    const naive = { ...rule({ delay: { minMs: 20_000, maxMs: 30_000, typing: true } }), cooldownMs: 0 };
    const { start, sent } = await simulate(
      { name: 'A', jid: '4915111111111@s.whatsapp.net', rules: [rule({ cooldownMs: 10_000, delay: { minMs: 0, maxMs: 0, typing: false } })] },
      {
        name: 'B',
        jid: '4915122222222@s.whatsapp.net',
        rules: [naive],
        rateLimits: { global: { max: 10_000, windowMs: 60_000 }, perConversation: { max: 10_000, windowMs: 60_000 } },
      },
      { from: 'a', text: 'hi' },
    );
    const byA = sent.filter((s) => s.by === 'A');
    expect(byA.length).toBe(6); // DEFAULT_RATE_LIMITS.perConversation.max
    expect(sent.filter((s) => s.by === 'B').length).toBe(7); // B answered A's six replies and the opener
    expect(byA[byA.length - 1]!.at - start).toBeLessThan(3_600_000);
  });

  it('a bot that keeps writing gets a bounded number of replies', async () => {
    const { engine, clock } = makeEngine();
    const r = rule({ cooldownMs: 60_000 });
    let replies = 0;
    for (let t = 0; t < 3_600_000; t += 5_000) {
      const d = engine.decide(inbound({ text: `spam ${t}` }), on(r));
      if (d.kind === 'reply') replies++;
      clock.advance(5_000);
    }
    expect(replies).toBe(6); // the per-chat cap (6 per hour), although the cooldown alone would allow 60
  });
});
