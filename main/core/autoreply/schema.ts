/**
 * Auto-reply rules and settings: the zod schema, the types inferred from it, and validation
 * that explains problems in words a person understands
 * ("Rule 2 “Away”: the pattern is too complex (…)").
 *
 * `RuleInput` is what the window sends (defaults may be left out); `Rule` is the validated,
 * defaults-filled form the engine takes.
 */
import { z } from 'zod';
import { MESSAGE_KINDS } from '../../contract/conversation.js';
import { MAX_RULES, pausedUntilSchema } from '../../contract/api.js';
import { compileGuardedRegex } from './regex-guard.js';
import { DAYS, isValidTimeZone, parseTimeOfDay } from './schedule.js';
import { parseContactEntry } from './scope.js';

export const MAX_REPLY_TEXT = 4_096;

export const DEFAULT_COOLDOWN_MS = 10 * 60_000;
export const MIN_COOLDOWN_MS = 10_000;
export const DEFAULT_DELAY = { minMs: 1_000, maxMs: 3_000, typing: true } as const;
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 15_000;
export const DEFAULT_OPENAI_TIMEOUT_MS = 45_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
/** WhatsApp Business greets a contact again after 14 days of silence. */
export const DEFAULT_GREETING_QUIET_DAYS = 14;
export const MAX_GRACE_MS = 24 * 3_600_000;
/** AI replies: how many earlier turns of the chat go with the message, and their size budget. */
export const DEFAULT_CONTEXT_TURNS = 10;
export const MAX_CONTEXT_TURNS = 50;
export const DEFAULT_CONTEXT_CHARS = 6_000;
export const MAX_CONTEXT_CHARS = 100_000;

// ---------------------------------------------------------------------------------------------
// Match

const matchAny = z.object({ type: z.literal('any') });

const matchExact = z.object({
  type: z.literal('exact'),
  text: z.string().trim().min(1, 'the text to match is empty').max(1_000, 'the text to match is too long (at most 1,000 characters)'),
  caseSensitive: z.boolean().default(false),
});

const matchKeywords = z.object({
  type: z.literal('keywords'),
  keywords: z
    .array(z.string().trim().min(1, 'a keyword is empty').max(100, 'a keyword is too long (at most 100 characters)'))
    .min(1, 'add at least one keyword')
    .max(100, 'there are too many keywords (at most 100)'),
});

const matchRegex = z
  .object({
    type: z.literal('regex'),
    pattern: z.string().min(1, 'the pattern is empty'),
    caseSensitive: z.boolean().default(false),
  })
  .superRefine((m, ctx) => {
    const guarded = compileGuardedRegex(m.pattern, { caseSensitive: m.caseSensitive });
    if (!guarded.ok) ctx.addIssue({ code: 'custom', path: ['pattern'], message: guarded.reason });
  });

const matchFirstMessage = z.object({ type: z.literal('first-message') });

/** The first message from a contact, or the first after `quietDays` days without a message in that chat. */
const matchGreeting = z.object({
  type: z.literal('greeting'),
  quietDays: z
    .number()
    .int('the days of silence must be a whole number')
    .min(1, 'the days of silence must be at least 1')
    .max(365, 'the days of silence must be at most 365')
    .default(DEFAULT_GREETING_QUIET_DAYS),
});

/** A call nobody answered ("Sorry I missed your call — I'll call back"). */
const matchMissedCall = z.object({ type: z.literal('missed-call') });

export const matchSchema = z.discriminatedUnion('type', [
  matchAny,
  matchExact,
  matchKeywords,
  matchRegex,
  matchFirstMessage,
  matchGreeting,
  matchMissedCall,
]);

// ---------------------------------------------------------------------------------------------
// Schedule

const timeOfDay = z
  .string()
  .regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'times must be written like 09:00 or 17:30');

export const scheduleWindowSchema = z
  .object({
    days: z.array(z.enum(DAYS)).min(1, 'pick at least one day').max(7),
    start: timeOfDay,
    end: timeOfDay,
  })
  .superRefine((w, ctx) => {
    if (w.start === '24:00') ctx.addIssue({ code: 'custom', path: ['start'], message: 'a time window cannot start at 24:00' });
    else if (parseTimeOfDay(w.start) === parseTimeOfDay(w.end)) {
      ctx.addIssue({ code: 'custom', path: ['end'], message: 'a time window starts and ends at the same time' });
    }
  });

export const scheduleSchema = z.object({
  /** "inside": the rule works during the windows; "outside": only when none applies. */
  mode: z.enum(['inside', 'outside']).default('inside'),
  windows: z.array(scheduleWindowSchema).min(1, 'add at least one time window').max(50),
  /** IANA zone; defaults to the engine's (the computer's) zone. */
  timeZone: z
    .string()
    .refine(isValidTimeZone, { message: 'the time zone is not one this computer knows (for example Europe/Berlin)' })
    .optional(),
});

// ---------------------------------------------------------------------------------------------
// Contact scope, groups

const contactList = z
  .array(
    z.string().superRefine((entry, ctx) => {
      const parsed = parseContactEntry(entry);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.reason });
    }),
  )
  .min(1, 'the contact list is empty')
  .max(1_000, 'the contact list is too long (at most 1,000)');

export const contactScopeSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('everyone') }),
  z.object({ mode: z.literal('only'), contacts: contactList }),
  z.object({ mode: z.literal('except'), contacts: contactList }),
]);

export const groupPolicySchema = z.enum(['off', 'all', 'mentioned']);

// ---------------------------------------------------------------------------------------------
// Reply

const replyText = (what: string) =>
  z
    .string()
    .max(MAX_REPLY_TEXT, `${what} is too long (at most ${MAX_REPLY_TEXT.toLocaleString('en-US')} characters)`);

const httpUrl = (what: string) =>
  z.string().refine(
    (value) => {
      try {
        const url = new URL(value);
        return url.protocol === 'http:' || url.protocol === 'https:';
      } catch {
        return false;
      }
    },
    { message: `${what} must be a web address starting with http:// or https://` },
  );

const timeoutMs = (fallback: number) =>
  z
    .number()
    .int()
    .min(100, 'the timeout must be at least 0.1 s')
    .max(120_000, 'the timeout must be at most 120 s')
    .default(fallback);

const maxBytes = z
  .number()
  .int()
  .min(256, 'the maximum response size must be at least 256 bytes')
  .max(1024 * 1024, 'the maximum response size must be at most 1 MB')
  .default(DEFAULT_MAX_RESPONSE_BYTES);

const secretRef = z.string().trim().min(1).max(200);

export const templateReplySchema = z.object({
  type: z.literal('template'),
  text: replyText('the reply text').refine((t) => t.trim().length > 0, { message: 'the reply text is empty' }),
});

export const webhookReplySchema = z.object({
  type: z.literal('webhook'),
  url: httpUrl('the webhook address'),
  /**
   * The name of the secret that signs each call (HMAC-SHA256 of `timestamp.body`, see
   * responders/signature.ts); the secret itself is kept elsewhere and never sent.
   */
  secretRef: secretRef.optional(),
  timeoutMs: timeoutMs(DEFAULT_WEBHOOK_TIMEOUT_MS),
  maxBytes,
  /** Template sent when the webhook fails or times out; none means no reply then. */
  fallback: replyText('the fallback text').optional(),
});

export const openAiReplySchema = z.object({
  type: z.literal('openai'),
  /** e.g. http://127.0.0.1:11434/v1 — `/chat/completions` is appended. */
  baseUrl: httpUrl('the server address'),
  model: z.string().trim().min(1, 'the model name is empty').max(200),
  /** Instructions for the model; may use the template placeholders. */
  systemPrompt: z.string().max(8_000, 'the instructions are too long (at most 8,000 characters)').default(''),
  apiKeyRef: secretRef.optional(),
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.number().int().min(1).max(32_000).optional(),
  /** Earlier turns of the chat sent with the message (contact, our replies, the owner's own). */
  contextTurns: z
    .number()
    .int()
    .min(0, 'the number of earlier messages cannot be negative')
    .max(MAX_CONTEXT_TURNS, `at most ${MAX_CONTEXT_TURNS} earlier messages can be sent`)
    .default(DEFAULT_CONTEXT_TURNS),
  /** Characters those earlier turns may take in all (about 4 characters make a token). */
  contextChars: z
    .number()
    .int()
    .min(0, 'the size of the earlier messages cannot be negative')
    .max(MAX_CONTEXT_CHARS, `the earlier messages can take at most ${MAX_CONTEXT_CHARS.toLocaleString('en-US')} characters`)
    .default(DEFAULT_CONTEXT_CHARS),
  timeoutMs: timeoutMs(DEFAULT_OPENAI_TIMEOUT_MS),
  maxBytes,
  fallback: replyText('the fallback text').optional(),
});

export const replySchema = z.discriminatedUnion('type', [templateReplySchema, webhookReplySchema, openAiReplySchema]);

export const delaySchema = z
  .object({
    minMs: z.number().int().min(0, 'the delay cannot be negative').max(300_000, 'the delay must be at most 5 minutes'),
    maxMs: z.number().int().min(0, 'the delay cannot be negative').max(300_000, 'the delay must be at most 5 minutes'),
    /** Show "typing…" during the delay. */
    typing: z.boolean().default(true),
  })
  .refine((d) => d.minMs <= d.maxMs, { message: 'the shortest delay is longer than the longest', path: ['maxMs'] });

// ---------------------------------------------------------------------------------------------
// Rule, rules, settings

/** Which kinds of message a rule answers; none listed: every kind but missed calls. */
export const ruleKindsSchema = z
  .array(z.enum(MESSAGE_KINDS))
  .min(1, 'pick at least one kind of message')
  .max(MESSAGE_KINDS.length)
  .refine((kinds) => new Set(kinds).size === kinds.length, { message: 'a kind of message is listed twice' });

const TEXT_MATCHES = new Set(['exact', 'keywords', 'regex']);

export const ruleSchema = z
  .object({
    id: z.string().trim().min(1, 'the rule has no id').max(100),
    name: z.string().trim().min(1, 'the rule has no name').max(80, 'the name is too long (at most 80 characters)'),
    enabled: z.boolean().default(true),
    match: matchSchema,
    kinds: ruleKindsSchema.optional(),
    schedule: scheduleSchema.optional(),
    scope: contactScopeSchema.default({ mode: 'everyone' }),
    groups: groupPolicySchema.default('off'),
    reply: replySchema,
    delay: delaySchema.default({ ...DEFAULT_DELAY }),
    /** After answering a chat, this rule stays quiet in that chat for this long. */
    cooldownMs: z
      .number()
      .int()
      .min(MIN_COOLDOWN_MS, 'the cooldown must be at least 10 s (it is what stops reply loops)')
      .max(7 * 24 * 3_600_000, 'the cooldown must be at most 7 days')
      .default(DEFAULT_COOLDOWN_MS),
    /**
     * "Reply only if I don't": the reply waits this long first, and is cancelled if you answer in
     * that chat or read it on another device meanwhile.
     */
    graceMs: z
      .number()
      .int()
      .min(0, 'the grace period cannot be negative')
      .max(MAX_GRACE_MS, 'the grace period must be at most 24 hours')
      .default(0),
  })
  .superRefine((rule, ctx) => {
    const kinds = rule.kinds;
    if (rule.match.type === 'missed-call') {
      if (kinds && (kinds.length !== 1 || kinds[0] !== 'missed-call')) {
        ctx.addIssue({ code: 'custom', path: ['kinds'], message: 'a missed-call rule answers missed calls only; leave the kinds of message empty' });
      }
    } else if (TEXT_MATCHES.has(rule.match.type) && kinds?.length === 1 && kinds[0] === 'missed-call') {
      ctx.addIssue({ code: 'custom', path: ['match'], message: 'a missed call has no text, so this text match can never apply' });
    }
  });

export const rulesSchema = z
  .array(ruleSchema)
  .max(MAX_RULES, `there are too many rules (at most ${MAX_RULES})`)
  .superRefine((rules, ctx) => {
    const seen = new Set<string>();
    rules.forEach((rule, index) => {
      if (seen.has(rule.id)) {
        ctx.addIssue({ code: 'custom', path: [index, 'id'], message: 'another rule already has the same id' });
      }
      seen.add(rule.id);
    });
  });

export const settingsSchema = z.object({
  enabled: z.boolean(),
  /** Ms since epoch; auto-reply stays quiet until then (see the contract's `isPaused`). */
  pausedUntil: pausedUntilSchema.optional(),
  rules: rulesSchema,
});

export type Match = z.output<typeof matchSchema>;
export type RuleKinds = z.output<typeof ruleKindsSchema>;
export type Schedule = z.output<typeof scheduleSchema>;
export type ScheduleWindow = z.output<typeof scheduleWindowSchema>;
export type ContactScope = z.output<typeof contactScopeSchema>;
export type GroupPolicy = z.output<typeof groupPolicySchema>;
export type ReplySource = z.output<typeof replySchema>;
export type TemplateReply = z.output<typeof templateReplySchema>;
export type WebhookReply = z.output<typeof webhookReplySchema>;
export type OpenAiReply = z.output<typeof openAiReplySchema>;
export type Delay = z.output<typeof delaySchema>;
export type Rule = z.output<typeof ruleSchema>;
export type RuleInput = z.input<typeof ruleSchema>;
export type AutoReplySettings = z.output<typeof settingsSchema>;
export type AutoReplySettingsInput = z.input<typeof settingsSchema>;

// ---------------------------------------------------------------------------------------------
// Plain-language validation

export interface ValidationError {
  /** Where the problem is, as zod reports it (e.g. [1, 'match', 'pattern']). */
  path: (string | number)[];
  /** A full sentence for the person, naming the rule. */
  message: string;
}

const GENERIC = '\u0000';

const FIELD_LABELS: Record<string, string> = {
  id: 'the id',
  name: 'the name',
  enabled: 'the on/off switch',
  match: 'the match',
  'match.type': 'the kind of match',
  'match.text': 'the text to match',
  keywords: 'the keywords',
  pattern: 'the pattern',
  caseSensitive: 'the upper/lower case option',
  schedule: 'the schedule',
  'schedule.mode': 'the schedule mode',
  windows: 'the time windows',
  days: 'the days',
  start: 'the start time',
  end: 'the end time',
  timeZone: 'the time zone',
  scope: 'the contact scope',
  'scope.mode': 'the contact scope',
  contacts: 'the contact list',
  groups: 'the group setting',
  reply: 'the reply',
  'reply.type': 'the kind of reply',
  'reply.text': 'the reply text',
  url: 'the webhook address',
  secretRef: 'the webhook secret',
  baseUrl: 'the server address',
  model: 'the model name',
  systemPrompt: 'the instructions',
  apiKeyRef: 'the API key',
  temperature: 'the temperature',
  maxTokens: 'the maximum reply length',
  contextTurns: 'the number of earlier messages',
  contextChars: 'the size of the earlier messages',
  timeoutMs: 'the timeout',
  maxBytes: 'the maximum response size',
  fallback: 'the fallback text',
  delay: 'the delay',
  minMs: 'the shortest delay',
  maxMs: 'the longest delay',
  typing: 'the typing option',
  cooldownMs: 'the cooldown',
  graceMs: 'the grace period',
  kinds: 'the kinds of message',
  quietDays: 'the days of silence',
  rules: 'the rules',
};

const LIST_ITEM_LABELS: Record<string, string> = {
  keywords: 'keyword',
  windows: 'time window',
  contacts: 'contact',
  days: 'day',
  kinds: 'kind of message',
};

function fieldLabel(path: readonly PropertyKey[]): string {
  const keys = path.filter((p): p is string => typeof p === 'string');
  const last = path[path.length - 1];
  const parentKey = keys[keys.length - 1];
  if (typeof last === 'number' && parentKey && LIST_ITEM_LABELS[parentKey]) {
    return `${LIST_ITEM_LABELS[parentKey]} ${last + 1}`;
  }
  const key = keys[keys.length - 1];
  if (!key) return 'this entry';
  const parent = keys[keys.length - 2];
  return (parent && FIELD_LABELS[`${parent}.${key}`]) ?? FIELD_LABELS[key] ?? `“${key}”`;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'on or off (true/false)',
  array: 'a list',
  object: 'a set of settings',
};

/** Fragments for zod's own issues; completed with the field's label afterwards. */
const errorMap: z.core.$ZodErrorMap = (issue) => {
  const fragment = (() => {
    switch (issue.code) {
      case 'invalid_type':
        if (issue.input === undefined) return 'is missing';
        return `should be ${TYPE_WORDS[issue.expected] ?? issue.expected}`;
      case 'too_small': {
        const n = Number(issue.minimum);
        if (issue.origin === 'string') return n <= 1 ? 'is empty' : `is too short (at least ${n} characters)`;
        if (issue.origin === 'array') return n <= 1 ? 'needs at least one entry' : `needs at least ${n} entries`;
        return `must be at least ${n}`;
      }
      case 'too_big': {
        const n = Number(issue.maximum);
        if (issue.origin === 'string') return `is too long (at most ${n} characters)`;
        if (issue.origin === 'array') return `has too many entries (at most ${n})`;
        return `must be at most ${n}`;
      }
      case 'invalid_value':
        return `must be one of: ${issue.values.map((v) => String(v)).join(', ')}`;
      case 'invalid_union': {
        const options = (issue as { options?: unknown[] }).options;
        return Array.isArray(options) && options.length > 0
          ? `must be one of: ${options.map((v) => String(v)).join(', ')}`
          : 'is not one of the known choices';
      }
      case 'invalid_format':
        return 'is not written in the expected form';
      default:
        return 'is not valid';
    }
  })();
  return { message: GENERIC + fragment };
};

function ruleLabel(raw: unknown, index: number): string {
  const name =
    raw && typeof raw === 'object' && typeof (raw as { name?: unknown }).name === 'string'
      ? (raw as { name: string }).name.trim()
      : '';
  return name ? `Rule ${index + 1} “${name.length > 40 ? `${name.slice(0, 40)}…` : name}”` : `Rule ${index + 1}`;
}

function humanize(
  issues: readonly z.core.$ZodIssue[],
  rawRules: unknown,
  rulesAt: readonly (string | number)[],
): ValidationError[] {
  return issues.map((issue) => {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const generic = issue.message.startsWith(GENERIC);
    const text = generic ? issue.message.slice(1) : issue.message;
    const ruleIndex = path[rulesAt.length];
    const atRules = rulesAt.every((p, i) => path[i] === p);
    const underRules = atRules && typeof ruleIndex === 'number';
    if (underRules) {
      const raw = Array.isArray(rawRules) ? rawRules[ruleIndex] : undefined;
      const within = path.slice(rulesAt.length + 1);
      return { path, message: `${ruleLabel(raw, ruleIndex)}: ${generic ? `${fieldLabel(within)} ${text}` : text}` };
    }
    const label = atRules && path.length === rulesAt.length ? 'the rules' : (TOP_LABELS[String(path[0])] ?? fieldLabel(path));
    const message = generic ? `${label} ${text}` : text;
    return { path, message: message.charAt(0).toUpperCase() + message.slice(1) };
  });
}

const TOP_LABELS: Record<string, string> = {
  enabled: 'the auto-reply switch',
  pausedUntil: 'the pause time',
};

/** Validate an ordered list of rules (fills defaults). */
export function validateRules(
  input: unknown,
): { ok: true; rules: Rule[] } | { ok: false; errors: ValidationError[] } {
  const parsed = rulesSchema.safeParse(input, { error: errorMap });
  if (parsed.success) return { ok: true, rules: parsed.data };
  return { ok: false, errors: humanize(parsed.error.issues, input, []) };
}

/** Validate the whole auto-reply settings object (global switch, pause, rules). */
export function validateSettings(
  input: unknown,
): { ok: true; settings: AutoReplySettings } | { ok: false; errors: ValidationError[] } {
  const parsed = settingsSchema.safeParse(input, { error: errorMap });
  if (parsed.success) return { ok: true, settings: parsed.data };
  const rawRules = input && typeof input === 'object' ? (input as { rules?: unknown }).rules : undefined;
  return { ok: false, errors: humanize(parsed.error.issues, rawRules, ['rules']) };
}

/** Validate one responder on its own (the rules editor's "Test"): a webhook or an AI responder. */
export function validateResponder(
  input: unknown,
): { ok: true; reply: WebhookReply | OpenAiReply } | { ok: false; errors: ValidationError[] } {
  const parsed = replySchema.safeParse(input, { error: errorMap });
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      const generic = issue.message.startsWith(GENERIC);
      const text = generic ? `${fieldLabel(path)} ${issue.message.slice(1)}` : issue.message;
      return { path: ['reply', ...path], message: text.charAt(0).toUpperCase() + text.slice(1) };
    });
    return { ok: false, errors };
  }
  if (parsed.data.type === 'template') {
    return { ok: false, errors: [{ path: ['reply', 'type'], message: 'Only a webhook or an AI responder can be tested.' }] };
  }
  return { ok: true, reply: parsed.data };
}
