/** Shared builders for the auto-reply tests. */
import {
  AutoReplyEngine,
  ruleSchema,
  type ContactMemory,
  type EngineOptions,
  type InboundMessage,
  type Rule,
  type RuleInput,
} from '../../../main/core/autoreply/index.js';

let seq = 0;

/** A 1:1 text message from a contact, with overrides. */
export function inbound(overrides: Partial<InboundMessage> = {}): InboundMessage {
  seq++;
  const jid = overrides.senderJid ?? overrides.chatJid ?? '4915112345678@s.whatsapp.net';
  return {
    id: `MSG${seq}`,
    chatJid: jid,
    senderJid: jid,
    senderPhone: '4915112345678',
    senderName: 'Anna Schmidt',
    text: 'hello',
    timestamp: Date.UTC(2025, 0, 6, 10, 0),
    fromMe: false,
    isGroup: false,
    mentionsMe: false,
    kind: 'chat',
    ...overrides,
  };
}

/** A group message from a member. */
export function groupMessage(overrides: Partial<InboundMessage> = {}): InboundMessage {
  return inbound({
    chatJid: '120363012345678901@g.us',
    senderJid: '4915198765432@s.whatsapp.net',
    senderPhone: '4915198765432',
    isGroup: true,
    kind: 'group',
    ...overrides,
  });
}

let ruleSeq = 0;

/** A validated rule (defaults filled); any reply with a template "Thanks!" unless given. */
export function rule(input: Partial<RuleInput> = {}): Rule {
  ruleSeq++;
  return ruleSchema.parse({
    id: `r${ruleSeq}`,
    name: `Rule ${ruleSeq}`,
    match: { type: 'any' },
    reply: { type: 'template', text: 'Thanks!' },
    ...input,
  });
}

export class MemoryContacts implements ContactMemory {
  readonly seen = new Set<string>();
  hasSeen(key: string): boolean {
    return this.seen.has(key);
  }
  markSeen(key: string): void {
    this.seen.add(key);
  }
}

export class FakeClock {
  constructor(public now: number = Date.UTC(2025, 0, 6, 10, 0)) {}
  readonly read = (): number => this.now;
  advance(ms: number): void {
    this.now += ms;
  }
}

export function makeEngine(
  overrides: Partial<EngineOptions> = {},
): { engine: AutoReplyEngine; clock: FakeClock; memory: MemoryContacts } {
  const clock = new FakeClock();
  const memory = new MemoryContacts();
  const engine = new AutoReplyEngine({
    clock: clock.read,
    random: () => 0.5,
    timeZone: 'Europe/Berlin',
    locale: 'en-GB',
    contactMemory: memory,
    ...overrides,
  });
  return { engine, clock, memory };
}

/** 2025-01-06 was a Monday. Local Berlin time (UTC+1 in winter) → UTC ms. */
export function berlinWinter(day: number, hour: number, minute = 0): number {
  return Date.UTC(2025, 0, day, hour - 1, minute);
}
