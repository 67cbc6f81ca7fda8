/**
 * "Try a message": which rule would answer a message the person types, and with what text, using
 * the engine's dry run on the rules alone (nothing sent, no cooldown counted, no contact
 * remembered, no responder called). What would stop the reply right now although a rule matches
 * — auto-reply off or paused, the chat muted or paused after you wrote there — comes back as notes.
 */
import type { CommandPayloads, TryRulesNote, TryRulesResult } from '../../contract/api.js';
import type { AutoReplyEngine, ChatState, DecideSettings } from '../autoreply/engine.js';
import type { InboundMessage } from '../autoreply/inbound.js';
import { chatKeyOf, normalizePhone } from '../autoreply/scope.js';
import type { Rule } from '../autoreply/schema.js';
import type { AutoReplyState } from './settings-store.js';

/** A contact the person knows by name, found in the activity or reply log. */
export interface KnownContact {
  jid: string;
  phone?: string;
}

export interface TryRulesDeps {
  engine: Pick<AutoReplyEngine, 'decide' | 'previewReply' | 'missText'>;
  autoReply: () => AutoReplyState;
  /** The chat's mute and your last message there (for the notes). */
  chatState: (chatKey: string) => ChatState | undefined;
  takeoverPauseMs: () => number;
  /** A contact with this exact name (case-insensitive), if Replyline has seen one. */
  findContact: (name: string) => KnownContact | undefined;
  now: () => number;
}

export class TryRulesError extends Error {}

/** Stand-ins for a contact or group the person did not name. */
const SOMEONE = '0@s.whatsapp.net';
const A_GROUP = '120363000000000000@g.us';

export function tryRules(args: CommandPayloads['tryRules'], rules: readonly Rule[], deps: TryRulesDeps): TryRulesResult {
  const at = args.at ?? deps.now();
  const contact = contactOf(args, deps);
  const group = args.inGroup === true;
  const kind = args.kind ?? 'text';
  const msg: InboundMessage = {
    id: 'TRY',
    chatJid: group ? A_GROUP : contact.jid,
    senderJid: contact.jid,
    ...(contact.phone !== undefined ? { senderPhone: contact.phone } : {}),
    ...(args.contactName?.trim() ? { senderName: args.contactName.trim() } : {}),
    text: kind === 'missed-call' ? '' : (args.text ?? ''),
    timestamp: at,
    fromMe: false,
    isGroup: group,
    mentionsMe: group && args.mentioned === true,
    kind: group ? 'group' : 'chat',
    messageKind: kind,
  };
  const settings: DecideSettings = { enabled: true, rules };
  // A contact Replyline knows: their real history counts for greetings, unless the person says otherwise.
  const daysSinceLastMessage = args.daysSinceLastMessage !== undefined ? args.daysSinceLastMessage : contact.known ? undefined : null;
  const decision = deps.engine.decide(msg, settings, {
    rulesOnly: true,
    at,
    ...(daysSinceLastMessage !== undefined ? { daysSinceLastMessage } : {}),
  });
  const notes = stateNotes(msg, at, contact.known, deps);

  if (decision.kind === 'reply') {
    const preview = deps.engine.previewReply(decision);
    const { rule } = decision;
    return {
      outcome: 'reply',
      rule: { id: rule.id, name: rule.name },
      ...preview,
      delayMs: { min: rule.delay.minMs, max: rule.delay.maxMs },
      graceMs: rule.graceMs,
      notes,
    };
  }
  return {
    outcome: 'no-reply',
    reason: decision.decisionReason,
    explanation: decision.message,
    rules: (decision.misses ?? []).map((m) => {
      const rule = rules.find((r) => r.id === m.ruleId)!;
      return { id: rule.id, name: rule.name, why: deps.engine.missText(m.reason, rule, { kind: kind }) };
    }),
    notes,
  };
}

function contactOf(args: CommandPayloads['tryRules'], deps: TryRulesDeps): KnownContact & { known: boolean } {
  if (args.contactNumber?.trim()) {
    const digits = normalizePhone(args.contactNumber);
    if (!digits) throw new TryRulesError('The number is not a phone number with its country code (for example +49 151 12345678).');
    return { jid: `${digits}@s.whatsapp.net`, phone: digits, known: true };
  }
  const name = args.contactName?.trim();
  const found = name ? deps.findContact(name) : undefined;
  return found ? { ...found, known: true } : { jid: SOMEONE, known: false };
}

/** What would hold a matching reply back right now. */
function stateNotes(msg: InboundMessage, at: number, knownContact: boolean, deps: TryRulesDeps): TryRulesNote[] {
  // Until when travels as a number: the window shows it in the person's locale.
  const notes: TryRulesNote[] = [];
  const autoReply = deps.autoReply();
  if (!autoReply.enabled) notes.push({ text: 'Auto-reply is off, so nothing would be sent now.' });
  else if (autoReply.pausedUntil !== undefined && autoReply.pausedUntil > at) {
    notes.push({ text: 'Auto-reply is paused, so nothing would be sent before it resumes.', until: autoReply.pausedUntil });
  }
  if (!knownContact && !msg.isGroup) return notes;
  if (msg.isGroup && msg.chatJid === A_GROUP) return notes;
  const chat = deps.chatState(chatKeyOf(msg.chatJid, msg.isGroup ? undefined : msg.senderPhone));
  if (chat?.mutedUntil === null) notes.push({ text: 'You muted this chat, so nothing would be sent there until you unmute it.' });
  else if (chat?.mutedUntil !== undefined && chat.mutedUntil > at) {
    notes.push({ text: 'You muted this chat, so nothing would be sent there for now.', until: chat.mutedUntil });
  }
  if (chat?.ownerWroteAt !== undefined) {
    const resume = chat.ownerWroteAt + deps.takeoverPauseMs();
    if (resume > at) notes.push({ text: 'You wrote in this chat yourself, so auto-replies there pause for a while.', until: resume });
  }
  return notes;
}
