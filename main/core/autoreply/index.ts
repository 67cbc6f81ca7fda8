/**
 * Auto-reply engine (Electron-free core). Public API:
 *
 *   const engine = new AutoReplyEngine({ clock, random, timeZone, locale?, contactMemory, rateLimits? });
 *
 *   // 1. Synchronous and quick: record the outcome in the outbox before anything slow.
 *   const d = engine.decide(msg, { enabled, pausedUntil?, rules }, { dryRun? });
 *   //    d.kind === 'skip'  → d.reason (code) + d.message (plain text), d.until?, d.misses?
 *   //    d.kind === 'reply' → d.rule, d.notBefore (send no earlier), d.typing, d.conversationKey …
 *
 *   // 2. Possibly slow (webhook / LLM, 5–60 s); never throws.
 *   const r = await engine.renderReply(d, { fetch?, getSecret?, signal?, replyId?, history? });
 *   //    { ok: true, text, source: 'template'|'webhook'|'openai'|'fallback', fallbackReason? }
 *   //    { ok: false, error: { kind, message } }   (e.g. 'responder-timeout', 'responder-declined')
 *
 *   engine.exportState() / engine.importState(json)   // cooldowns and rate windows
 *
 * Rules: `validateRules(unknown)` → `{ ok: true, rules }` | `{ ok: false, errors: [{ path, message }] }`
 * (messages like "Rule 2 “Away”: the pattern is too complex (…)"); `validateSettings` for the
 * whole settings object. Types are inferred from the zod schema (`Rule`, `RuleInput`, …).
 *
 * Modules: schema (rules, validation), match (text matching), regex-guard (linear-time regex),
 * schedule (weekly windows in a zone), scope (contacts, JIDs), template (placeholders),
 * limits (cooldown and rate limits), responders/{webhook,openai,http}, engine.
 */
export { selectContext, speakerOf, type ChatTurn, type ContextMessage } from './context.js';
export {
  AutoReplyEngine,
  ruleKinds,
  SAME_SECOND_WORDS,
  type ChatState,
  type ContactMemory,
  type Decision,
  type DecideOptions,
  type DecideSettings,
  type EngineOptions,
  type RenderDeps,
  type RenderResult,
  type ResponderSample,
  type RuleMiss,
  type RuleMissReason,
  type Skip,
  type SkipReason,
} from './engine.js';
export type { ReplyError, ReplyErrorKind } from './errors.js';
export type { InboundMessage } from './inbound.js';
export { DEFAULT_RATE_LIMITS, ReplyLimiter, type LimiterState, type RateLimits, type WindowLimit } from './limits.js';
export {
  compileGuardedRegex,
  REGEX_MAX_INPUT_LENGTH,
  REGEX_MAX_PATTERN_LENGTH,
  REGEX_MAX_PROGRAM_SIZE,
  type GuardedRegex,
} from './regex-guard.js';
export type { FetchLike, SecretGetter } from './responders/http.js';
export type { WebhookPayload } from './responders/webhook.js';
export { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, signatureFor, TIMESTAMP_HEADER } from './responders/signature.js';
export { DAYS, type Day } from './schedule.js';
export {
  DEFAULT_COOLDOWN_MS,
  DEFAULT_DELAY,
  DEFAULT_GREETING_QUIET_DAYS,
  MAX_GRACE_MS,
  MAX_REPLY_TEXT,
  ruleSchema,
  rulesSchema,
  settingsSchema,
  validateResponder,
  validateRules,
  validateSettings,
  type AutoReplySettings,
  type AutoReplySettingsInput,
  type ContactScope,
  type Delay,
  type GroupPolicy,
  type Match,
  type OpenAiReply,
  type ReplySource,
  type Rule,
  type RuleInput,
  type Schedule,
  type ScheduleWindow,
  type TemplateReply,
  type ValidationError,
  type WebhookReply,
} from './schema.js';
export { chatKeyOf, conversationKey, normalizeJid, normalizePhone, parseContactEntry } from './scope.js';
export { renderTemplate } from './template.js';
export { describeDays, describeSchedule } from './describe.js';
