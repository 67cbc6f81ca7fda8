/**
 * What the inbound side works with: the message as the auto-reply engine sees it (the engine's
 * own `InboundMessage`), the envelope the inbound handler adds (dedupe keys, upsert type), and
 * the engine interface the reply pipeline calls. The interface is the part of
 * `autoreply/AutoReplyEngine` the pipeline reads, so the real engine plugs in through
 * `fromAutoReplyEngine()` and a stub stands in for tests.
 */
import type { DecisionReason } from '../../contract/conversation.js';
import type { InboundMessage } from '../autoreply/inbound.js';
import type { RuleRef } from '../replylog/types.js';

export type { InboundMessage, RuleRef };

/** A message from `messages.upsert`, ready for the pipeline. */
export interface ReceivedMessage {
  message: InboundMessage;
  /**
   * Dedupe keys (`chat|id`), the first being the primary one. A message addressed by LID with
   * a known phone number has both forms, so a redelivery under either address is caught.
   */
  keys: string[];
  /** Baileys' upsert type: `notify` (live) or `append` (offline sync, own sends). */
  source: 'notify' | 'append';
}

/**
 * The engine decided to answer. Plain JSON: the pipeline stores it whole (with whatever else the
 * engine put in it) to generate the reply again after a crash, or later from the missed list.
 */
export interface Decision {
  kind: 'reply';
  rule: RuleRef;
  /** Where the reply goes. */
  chatJid: string;
  decidedAt: number;
  /** Send no earlier than this (human-like delay). */
  notBefore: number;
  /** Show "typing…" while the reply waits out its delay. */
  typing: boolean;
  /** "Reply only if I don't": the reply first waits this long for the owner (included in `notBefore`). */
  graceMs?: number;
  /** The conversation key (see `chatKeyOf`), when the engine gives it. */
  conversationKey?: string;
  inbound: Pick<
    InboundMessage,
    'id' | 'chatJid' | 'senderJid' | 'senderPhone' | 'senderName' | 'text' | 'timestamp' | 'isGroup' | 'messageKind'
  >;
}

export interface Skip {
  kind: 'skip';
  /** A code, for diagnostics. */
  reason: string;
  /** How the activity log files it (default: no rule matched). */
  decisionReason?: DecisionReason;
  /** The decision in a sentence, for the person. */
  message?: string;
  /** The rule held back (cooldown, limits). */
  rule?: RuleRef;
  /** Until when the reason holds. */
  until?: number;
}

export type RenderResult = { ok: true; text: string } | { ok: false; error: { message: string } };

export interface ReplyEngine<D extends Decision = Decision> {
  /**
   * Synchronous and quick: rules, schedule, scope, cooldowns. `dryRun` (messages for the missed
   * list) evaluates only: no cooldown or rate is counted.
   */
  decide(message: InboundMessage, options: { dryRun: boolean }): D | Skip;
  /** Write the reply text: a template (instant) or a responder (webhook, LLM: seconds). Should not throw. */
  renderReply(decision: D): Promise<RenderResult>;
}
