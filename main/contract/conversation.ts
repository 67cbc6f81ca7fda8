/**
 * Conversation awareness as the person sees it: what kind of message came in, what Replyline
 * decided about it and why, in plain words. The core's engine and activity log produce these
 * values; the window shows them and filters by them.
 *
 * A pure leaf like `connection.ts`: no imports, so the window's bundle can use the words at run
 * time (importing values from `api.ts` would bring zod along).
 */

/** Kinds of message a rule can answer. */
export const MESSAGE_KINDS = [
  'text',
  'image',
  'video',
  'voice',
  'audio',
  'document',
  'sticker',
  'location',
  'contact',
  'poll',
  'missed-call',
] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/**
 * Kinds that never get a reply, whatever the rules say: a reaction, an edit or a deletion of an
 * earlier message, a system message ("disappearing messages turned on"), and content Replyline
 * does not know.
 */
export const NEVER_ANSWERED_KINDS = ['reaction', 'edit', 'deletion', 'system', 'other'] as const;
export type NeverAnsweredKind = (typeof NEVER_ANSWERED_KINDS)[number];

export const INBOUND_KINDS = [...MESSAGE_KINDS, ...NEVER_ANSWERED_KINDS] as const;
export type InboundKind = (typeof INBOUND_KINDS)[number];

/** Rules without a kinds list answer these: every kind of message, but not missed calls. */
export const DEFAULT_RULE_KINDS: readonly MessageKind[] = MESSAGE_KINDS.filter((k) => k !== 'missed-call');

export function isAnswerableKind(kind: InboundKind): kind is MessageKind {
  return (MESSAGE_KINDS as readonly string[]).includes(kind);
}

/** The word for each kind: what `{kind}` renders and what the window shows. */
export const KIND_WORDS: Record<InboundKind, string> = {
  text: 'text message',
  image: 'photo',
  video: 'video',
  voice: 'voice message',
  audio: 'audio',
  document: 'document',
  sticker: 'sticker',
  location: 'location',
  contact: 'contact card',
  poll: 'poll',
  'missed-call': 'missed call',
  reaction: 'reaction',
  edit: 'edited message',
  deletion: 'deleted message',
  system: 'system message',
  other: 'message',
};

/** What `{message}` renders for a message without text or caption: "[voice message]". */
export function kindLabel(kind: InboundKind): string {
  return `[${KIND_WORDS[kind]}]`;
}

/** What became of an inbound message that reached the rules. */
export const ACTIVITY_OUTCOMES = ['replied', 'skipped', 'cancelled'] as const;
export type ActivityOutcome = (typeof ACTIVITY_OUTCOMES)[number];

/**
 * Why a message got no reply (skipped), or why a reply decided for it was called back before it
 * went out (cancelled). Each record also carries a full sentence (until when, which rule).
 */
export const DECISION_REASONS = [
  'disabled',
  'paused',
  'muted',
  'owner-answered',
  'owner-read',
  'kind-not-answered',
  'group',
  'out-of-scope',
  'outside-schedule',
  'no-match',
  'cooldown',
  'rate-limit',
  'too-old',
  'unreadable',
  'error',
] as const;
export type DecisionReason = (typeof DECISION_REASONS)[number];

/** Short plain words for each reason (filters, table cells). */
export const REASON_WORDS: Record<DecisionReason, string> = {
  disabled: 'auto-reply off',
  paused: 'auto-reply paused',
  muted: 'chat muted',
  'owner-answered': 'you answered yourself',
  'owner-read': 'you read it',
  'kind-not-answered': 'kind not answered',
  group: 'group',
  'out-of-scope': 'contact not in scope',
  'outside-schedule': 'outside the schedule',
  'no-match': 'no rule matched',
  cooldown: 'cooldown',
  'rate-limit': 'rate limit',
  'too-old': 'too old (missed while offline)',
  unreadable: 'could not be read on this computer',
  error: 'something went wrong',
};

/** Mute choices the window offers, in minutes (null: until unmuted). */
export const MUTE_CHOICES: ReadonlyArray<{ label: string; minutes: number | null }> = [
  { label: '1 hour', minutes: 60 },
  { label: '8 hours', minutes: 8 * 60 },
  { label: 'Until I unmute it', minutes: null },
];
