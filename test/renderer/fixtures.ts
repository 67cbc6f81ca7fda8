/** Canned data for the renderer tests, at a fixed time so screenshots are stable. */
import type { ActivityView, ChatView, HistoryEntryView, ReplyView, UptimeBucketView } from '../../main/contract/api.js';
import type { FakeData } from './fake-api.js';

/** Monday 12 May 2025, 09:30 UTC (the tests run the page in UTC). */
export const T0 = Date.UTC(2025, 4, 12, 9, 30, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;

/** A full number that must never appear in the window (the contact without a saved name). */
export const FULL_NUMBER = '+49 151 23456789';
export const ACCOUNT_DIGITS = '4915112345678';

export const QR_1 = '2@Qm9ndXNRUiByZWYgMQ==,hJ3nU8c2mPq7WkY5xR0tLbZ1oD4sF6gA9eC3vN2uI=,Zk8pT1yQ4wE7rU0iO3pA6sD9fG2hJ5kL8zX1cV4bN=,bW9jay1hZHYtc2VjcmV0LWZvci10ZXN0cw==';
export const QR_2 = '2@Qm9ndXNRUiByZWYgMg==,hJ3nU8c2mPq7WkY5xR0tLbZ1oD4sF6gA9eC3vN2uI=,Zk8pT1yQ4wE7rU0iO3pA6sD9fG2hJ5kL8zX1cV4bN=,bW9jay1hZHYtc2VjcmV0LWZvci10ZXN0cw==';

const reply = (i: number, patch: Partial<ReplyView>): ReplyView => ({
  id: `3EB0REPLY${i}`,
  at: T0 - i * 17 * MIN,
  contactName: 'Maria Schmidt',
  contactMasked: '+49 ••• ••• 45 67',
  inboundId: `IN${i}`,
  ruleName: 'Away',
  text: 'Hi Maria, I am away until tomorrow morning and will answer then.',
  status: 'sent',
  statusHistory: [],
  attempts: 1,
  chatId: 'chat-maria',
  ...patch,
});

export const REPLIES: ReplyView[] = [
  reply(0, { status: 'sending', contactName: 'Jonas Weber', contactMasked: '+49 ••• ••• 12 34', chatId: 'chat-jonas', text: 'Hi Jonas, I am away until tomorrow morning and will answer then.' }),
  reply(1, { status: 'delivered', ruleName: 'Prices', text: 'Our price list is at the shop counter; prices start at 12 €.' }),
  reply(2, { status: 'failed', contactName: 'Lena', contactMasked: '+43 ••• ••• 98 76', chatId: 'chat-lena', attempts: 3, lastError: 'WhatsApp rejected the message (the number is not on WhatsApp)' }),
  reply(3, { status: 'expired', contactName: FULL_NUMBER, contactMasked: '+49 ••• ••• 67 89', chatId: 'chat-unnamed', attempts: 0, lastError: 'Waited longer than 60 min for the connection' }),
  reply(4, { status: 'read', ruleName: 'Prices', contactName: 'Sam Okafor', contactMasked: '+44 ••• ••• 55 21', chatId: 'chat-sam', text: 'Our price list is at the shop counter; prices start at 12 €.' }),
  reply(5, { status: 'cancelled', contactName: 'Jonas Weber', contactMasked: '+49 ••• ••• 12 34', chatId: 'chat-jonas', lastError: 'Relinked with a different account' }),
];

const record = (i: number, patch: Partial<ActivityView>): ActivityView => ({
  id: `ACT${i}`,
  at: T0 - i * 11 * MIN,
  decidedAt: T0 - i * 11 * MIN,
  chatId: 'chat-maria',
  contactName: 'Maria Schmidt',
  contactMasked: '+49 ••• ••• 45 67',
  isGroup: false,
  kind: 'text',
  preview: 'Are you open today?',
  outcome: 'skipped',
  explanation: 'No rule applies to this message.',
  ...patch,
});

/** One decision record per kind of outcome the window explains. */
export const ACTIVITY: ActivityView[] = [
  record(0, {
    chatId: 'chat-jonas',
    contactName: 'Jonas Weber',
    contactMasked: '+49 ••• ••• 12 34',
    preview: 'Hello, is the shop open?',
    outcome: 'replied',
    explanation: 'Rule “Away” answered.',
    ruleName: 'Away',
    replyId: '3EB0REPLY0',
    replyStatus: 'sending',
  }),
  record(1, {
    chatId: 'chat-jonas',
    contactName: 'Jonas Weber',
    contactMasked: '+49 ••• ••• 12 34',
    preview: 'Hello??',
    reason: 'cooldown',
    explanation: 'Rule “Away” answered this chat a short while ago, so it waits before answering again.',
    ruleName: 'Away',
    until: T0 + 10 * MIN,
  }),
  record(2, { kind: 'voice', preview: '[voice message]', reason: 'kind-not-answered', explanation: 'No rule answers a voice message.' }),
  record(3, {
    reason: 'owner-answered',
    outcome: 'cancelled',
    explanation: 'You answered this chat yourself before the reply went out.',
    ruleName: 'Away',
    replyId: '3EB0REPLY1',
    replyStatus: 'cancelled',
  }),
  record(4, {
    chatId: 'chat-sam',
    contactName: 'Sam Okafor',
    contactMasked: '+44 ••• ••• 55 21',
    kind: 'image',
    preview: 'the broken one',
    reason: 'muted',
    explanation: 'You muted this chat.',
    until: T0 + 150 * MIN,
  }),
  record(5, {
    chatId: 'chat-unnamed',
    contactName: FULL_NUMBER,
    contactMasked: '+49 ••• ••• 67 89',
    reason: 'outside-schedule',
    explanation: 'Rule “Away” only answers outside its schedule (Mon–Fri 09:00–17:00).',
    ruleName: 'Away',
  }),
  record(6, {
    chatId: 'chat-group',
    contactName: 'Lena',
    contactMasked: '+43 ••• ••• 98 76',
    isGroup: true,
    preview: 'Who is coming on Friday?',
    reason: 'group',
    explanation: 'Rule “Away” does not answer in groups.',
    ruleName: 'Away',
  }),
];

export const CHATS: ChatView[] = [
  { chatId: 'chat-jonas', name: 'Jonas Weber', masked: '+49 ••• ••• 12 34', isGroup: false, lastAt: T0 - 11 * MIN },
  { chatId: 'chat-maria', name: 'Maria Schmidt', masked: '+49 ••• ••• 45 67', isGroup: false, lastAt: T0 - 22 * MIN },
  { chatId: 'chat-sam', name: 'Sam Okafor', masked: '+44 ••• ••• 55 21', isGroup: false, lastAt: T0 - 44 * MIN, mutedUntil: T0 + 150 * MIN },
  { chatId: 'chat-unnamed', name: FULL_NUMBER, masked: '+49 ••• ••• 67 89', isGroup: false, lastAt: T0 - 55 * MIN },
  { chatId: 'chat-group', name: 'Lena', masked: 'group', isGroup: true, lastAt: T0 - 66 * MIN },
];

const entries: HistoryEntryView[] = [
  { seq: 9, at: T0 - 40 * MIN, state: 'open', meaning: 'Connected', outageMs: 95_000, attempt: 3, recoveredBy: 'network' },
  { seq: 8, at: T0 - 42 * MIN, state: 'reconnecting', cause: 'network-error', code: 408, meaning: 'A network error broke the connection', attempt: 2, delayMs: 4_000 },
  { seq: 7, at: T0 - 5 * HOUR, state: 'open', meaning: 'Connected', outageMs: 12 * MIN, attempt: 1, recoveredBy: 'user' },
  { seq: 6, at: T0 - 5 * HOUR - 12 * MIN, state: 'conflict', cause: 'replaced', code: 440, meaning: 'WhatsApp is open elsewhere with this session' },
  { seq: 5, at: T0 - 9 * HOUR, state: 'open', meaning: 'Connected', outageMs: 3 * HOUR, recoveredBy: 'resume' },
  { seq: 4, at: T0 - 12 * HOUR, state: 'reconnecting', cause: 'connection-lost', code: 408, meaning: 'The connection was lost', attempt: 1, delayMs: 2_000 },
];

const buckets = (start: number, n: number, width: number, up: (i: number) => number): UptimeBucketView[] =>
  Array.from({ length: n }, (_, i) => ({ start: start + i * width, end: start + (i + 1) * width, up: up(i), known: 1 }));

export function fakeData(patch: Partial<FakeData> = {}): FakeData {
  return {
    snapshot: {
      state: { kind: 'open', since: T0 - 40 * MIN, account: { phoneJid: `${ACCOUNT_DIGITS}@s.whatsapp.net`, name: 'Alex' } },
      stateText: 'Connected',
      autoReply: { enabled: true },
      encryption: 'os-keychain',
      dataDir: '/home/alex/.config/Replyline',
      version: '0.1.0',
      storeResets: [],
    },
    replies: REPLIES,
    repliesCsv: 'time,contact,rule,status\n2025-05-12T09:30:00Z,Maria Schmidt (+49 ••• ••• 45 67),Away,sent\n',
    history: {
      entries,
      countsByCause: { 'connection-lost': 3, 'network-error': 2, replaced: 1 },
      causeMeanings: {
        'connection-lost': 'The connection was lost',
        'network-error': 'A network error broke the connection',
        replaced: 'WhatsApp is open elsewhere with this session',
      },
      day: buckets(T0 - 24 * HOUR, 24, HOUR, (i) => (i === 12 ? 0 : i === 13 || i === 14 ? 0.5 : i === 19 ? 0.8 : i === 23 ? 0.97 : 1)),
      week: buckets(T0 - 7 * 24 * HOUR, 28, 6 * HOUR, (i) => (i === 3 ? 0.2 : i === 10 ? 0.6 : i === 26 ? 0.83 : 1)),
    },
    historyCsv: 'time,state,cause,code\n2025-05-12T08:48:00Z,reconnecting,network-error,408\n',
    missed: [
      { id: 'MISSED1', at: T0 - 3 * HOUR, contactName: 'Jonas Weber', contactMasked: '+49 ••• ••• 12 34', text: 'Are you open on Saturday?', ruleName: 'Away' },
      { id: 'MISSED2', at: T0 - 2 * HOUR, contactName: 'Sam Okafor', contactMasked: '+44 ••• ••• 55 21', text: 'What does the big one cost?', ruleName: 'Prices' },
      { id: 'MISSED3', at: T0 - 90 * MIN, contactName: FULL_NUMBER, contactMasked: '+49 ••• ••• 67 89', text: 'Hello?' },
    ],
    rules: [
      {
        id: 'away',
        name: 'Away',
        enabled: true,
        match: { type: 'any' },
        schedule: { mode: 'outside', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' }] },
        scope: { mode: 'everyone' },
        groups: 'off',
        reply: { type: 'template', text: 'Hi {first_name}, I am away until tomorrow morning and will answer then.' },
        delay: { minMs: 1000, maxMs: 3000, typing: true },
        cooldownMs: 600_000,
      },
      {
        id: 'prices',
        name: 'Prices',
        enabled: true,
        match: { type: 'regex', pattern: '(a+)+$', caseSensitive: false },
        scope: { mode: 'except', contacts: ['+49 151 1111111'] },
        groups: 'mentioned',
        reply: { type: 'template', text: 'Our price list is at the shop counter; prices start at 12 €.' },
        cooldownMs: 1_800_000,
      },
    ],
    settings: {
      catchUpWindowMinutes: 15,
      replyTtlMinutes: 60,
      typingIndicator: true,
      maxRepliesPerMinute: 10,
      maxRepliesPerChatPerHour: 6,
      takeoverPauseMinutes: 30,
      startAtLogin: false,
      notifications: true,
      closeToTray: true,
      chatMemoryDays: 30,
    },
    secrets: { canStore: true, secrets: [] },
    chatMemory: [],
    testResult: { outcome: 'reply', text: 'We are open today from 9 to 18.', ms: 1234 },
    activity: ACTIVITY,
    activityCsv: 'Time,Contact,Number,Outcome,Reason\n2025-05-12T09:30:00.000Z,Jonas Weber,+49 ••• ••• 12 34,replied,\n',
    chats: CHATS,
    muted: [{ chatId: 'chat-sam', name: 'Sam Okafor', masked: '+44 ••• ••• 55 21', isGroup: false, mutedAt: T0 - 30 * MIN, until: T0 + 150 * MIN }],
    tryResult: {
      outcome: 'reply',
      rule: { id: 'away', name: 'Away' },
      text: 'Hi Maria, I am away until tomorrow morning and will answer then.',
      delayMs: { min: 1000, max: 3000 },
      graceMs: 0,
      notes: [],
    },
    ...patch,
  };
}
