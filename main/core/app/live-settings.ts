/**
 * What each setting in the window changes in the running core. `createCoreService` applies these
 * at start and again on every `updateSettings`, so a saved setting counts from the next message
 * on, without a restart. (Start at login and notifications are the shell's: it reads the
 * `settings` event.)
 */
import type { Settings } from '../../contract/api.js';
import type { RateLimits } from '../autoreply/limits.js';
import type { PipelineSettings } from '../inbound/reply-pipeline.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export function pipelineSettingsOf(s: Settings): Required<PipelineSettings> {
  return {
    catchUpWindowMs: s.catchUpWindowMinutes * MINUTE,
    replyTtlMs: s.replyTtlMinutes * MINUTE,
    typingIndicator: s.typingIndicator,
  };
}

export function rateLimitsOf(s: Settings): RateLimits {
  return {
    global: { max: s.maxRepliesPerMinute, windowMs: MINUTE },
    perConversation: { max: s.maxRepliesPerChatPerHour, windowMs: HOUR },
  };
}
