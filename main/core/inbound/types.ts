/**
 * What the inbound side works with: the message as the auto-reply engine sees it (the engine's
 * own `InboundMessage`), the envelope the inbound handler adds (dedupe keys, upsert type), and
 * the engine interface the reply pipeline calls. The interface and its decision types are the
 * part of `autoreply/AutoReplyEngine` the pipeline reads, picked from the engine's own types (the
 * one place they are declared), so the real engine plugs in through `fromAutoReplyEngine()` and
 * a stub stands in for tests.
 */
import type { DecisionReason } from '../../contract/conversation.js';
import type { InboundMessage } from '../autoreply/inbound.js';
import type { Decision as EngineDecision, RenderResult as EngineRenderResult, Skip as EngineSkip } from '../autoreply/engine.js';
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
 * The engine decided to answer: the fields the pipeline reads. Plain JSON: the pipeline stores
 * the decision whole (with whatever else the engine put in it) to generate the reply again after
 * a crash, or later from the missed list.
 */
export type Decision = Pick<EngineDecision, 'kind' | 'chatJid' | 'decidedAt' | 'notBefore' | 'typing' | 'inbound'> & {
  /** The rule that decided (the engine's decision carries the whole rule). */
  rule: RuleRef;
  /** "Reply only if I don't": the reply first waits this long for the owner (included in `notBefore`). */
  graceMs?: number;
  /** The conversation key (see `chatKeyOf`), when the engine gives it. */
  conversationKey?: string;
};

/** The engine decided not to answer. */
export type Skip = Pick<EngineSkip, 'kind'> & {
  /** The engine's reason code, or the pipeline's own words when the engine threw (diagnostics). */
  reason: string;
  /** How the activity log files it (default: no rule matched). */
  decisionReason?: DecisionReason;
  /** The decision in a sentence, for the person. */
  message?: string;
  /** The rule held back (cooldown, limits). */
  rule?: RuleRef;
  /** Until when the reason holds. */
  until?: number;
};

/** The reply text, or why there is none. */
export type RenderResult =
  | Pick<Extract<EngineRenderResult, { ok: true }>, 'ok' | 'text'>
  | { ok: false; error: Pick<Extract<EngineRenderResult, { ok: false }>['error'], 'message'> };

export interface ReplyEngine<D extends Decision = Decision> {
  /**
   * Synchronous and quick: rules, schedule, scope, cooldowns. `dryRun` (messages for the missed
   * list) evaluates only: no cooldown or rate is counted.
   */
  decide(message: InboundMessage, options: { dryRun: boolean }): D | Skip;
  /**
   * Write the reply text: a template (instant) or a responder (webhook, LLM: seconds). Should not
   * throw. `replyId` is the reply's message id, the same when a crash makes it run again (the
   * webhook's idempotency key).
   */
  renderReply(decision: D, context: { replyId: string }): Promise<RenderResult>;
}
