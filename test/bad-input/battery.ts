/**
 * The hostile payloads for every contract command, built from a hand-written description of what
 * each command accepts (`SPEC`), independent of the zod schemas in main/contract/api.ts: the
 * schemas are what is under test, so they cannot also be the oracle. `bad-input.test.ts` checks
 * that SPEC names exactly the commands of `commandSchemas`.
 *
 * Every payload here must be refused before the command runs. Where the battery and the contract
 * disagree (the contract accepts something the description says it must not), that is a finding.
 */
import type { CommandName } from '../../main/contract/api.js';

type Field =
  | { kind: 'string'; min?: number; max: number }
  | { kind: 'int'; min: number; max: number; nullable?: boolean }
  | { kind: 'bool' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'rules' }
  /** A JSON object whose content another schema checks (a responder): anything else is refused. */
  | { kind: 'record' };

type Spec =
  /** No argument: undefined or null. */
  | { args: 'none' }
  /** An object with these fields (all optional unless `required`), no others; `optional`: or undefined. */
  | { args: 'object'; optional: boolean; fields: Record<string, Field & { required?: boolean }>; valid: Record<string, unknown> };

/** The latest moment a JavaScript Date can hold (ms since the epoch). */
export const MAX_DATE_MS = 8.64e15;

const statuses = ['generating', 'queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'expired', 'cancelled'] as const;
const replyQuery = {
  args: 'object',
  optional: true,
  fields: {
    search: { kind: 'string', max: 200 },
    status: { kind: 'enum', values: statuses },
    contact: { kind: 'string', max: 200 },
    limit: { kind: 'int', min: 1, max: 10_000 },
  },
  valid: { search: 'a', status: 'sent', contact: 'b', limit: 5 },
} as const satisfies Spec;

const messageKinds = ['text', 'image', 'video', 'voice', 'audio', 'document', 'sticker', 'location', 'contact', 'poll', 'missed-call'] as const;
const activityQuery = {
  args: 'object',
  optional: true,
  fields: {
    search: { kind: 'string', max: 200 },
    contact: { kind: 'string', max: 200 },
    outcome: { kind: 'enum', values: ['replied', 'skipped', 'cancelled'] },
    reason: { kind: 'enum', values: ['disabled', 'paused', 'muted', 'owner-answered', 'owner-read', 'kind-not-answered', 'group', 'out-of-scope', 'outside-schedule', 'no-match', 'cooldown', 'rate-limit', 'too-old', 'error'] },
    kind: { kind: 'enum', values: [...messageKinds, 'reaction', 'edit', 'deletion', 'system', 'other'] },
    limit: { kind: 'int', min: 1, max: 20_000 },
  },
  valid: { search: 'a', outcome: 'skipped', reason: 'muted', kind: 'voice', contact: 'b', limit: 5 },
} as const satisfies Spec;

export const SPEC: Record<CommandName, Spec> = {
  getSnapshot: { args: 'none' },
  listReplies: replyQuery,
  exportReplies: replyQuery,
  getHistory: { args: 'object', optional: true, fields: { limit: { kind: 'int', min: 1, max: 2_000 } }, valid: { limit: 5 } },
  exportHistory: { args: 'none' },
  getSettings: { args: 'none' },
  updateSettings: {
    args: 'object',
    optional: false,
    fields: {
      catchUpWindowMinutes: { kind: 'int', min: 0, max: 24 * 60 },
      replyTtlMinutes: { kind: 'int', min: 1, max: 7 * 24 * 60 },
      typingIndicator: { kind: 'bool' },
      maxRepliesPerMinute: { kind: 'int', min: 1, max: 60 },
      maxRepliesPerChatPerHour: { kind: 'int', min: 1, max: 60 },
      takeoverPauseMinutes: { kind: 'int', min: 0, max: 24 * 60 },
      startAtLogin: { kind: 'bool' },
      notifications: { kind: 'bool' },
      closeToTray: { kind: 'bool' },
      chatMemoryDays: { kind: 'int', min: 0, max: 365 },
    },
    valid: { catchUpWindowMinutes: 15 },
  },
  getRules: { args: 'none' },
  setRules: { args: 'object', optional: false, fields: { rules: { kind: 'rules', required: true } }, valid: { rules: [] } },
  setAutoReply: { args: 'object', optional: false, fields: { enabled: { kind: 'bool', required: true } }, valid: { enabled: true } },
  pauseAutoReply: {
    args: 'object',
    optional: false,
    // A moment: a positive whole number of ms that a Date can hold (null: resume).
    fields: { until: { kind: 'int', min: 1, max: MAX_DATE_MS, nullable: true, required: true } },
    valid: { until: 1_900_000_000_000 },
  },
  reconnectNow: { args: 'none' },
  useHere: { args: 'none' },
  relink: { args: 'none' },
  requestQr: { args: 'none' },
  listMissed: { args: 'none' },
  sendMissed: { args: 'object', optional: false, fields: { id: { kind: 'string', min: 1, max: 128, required: true } }, valid: { id: 'abc' } },
  skipMissed: { args: 'object', optional: false, fields: { id: { kind: 'string', min: 1, max: 128, required: true } }, valid: { id: 'abc' } },
  dismissStoreReset: { args: 'object', optional: false, fields: { id: { kind: 'string', min: 1, max: 128, required: true } }, valid: { id: 'settings' } },
  listActivity: activityQuery,
  exportActivity: activityQuery,
  tryRules: {
    args: 'object',
    optional: false,
    fields: {
      text: { kind: 'string', max: 4_096 },
      kind: { kind: 'enum', values: messageKinds },
      contactName: { kind: 'string', max: 200 },
      contactNumber: { kind: 'string', max: 200 },
      inGroup: { kind: 'bool' },
      mentioned: { kind: 'bool' },
      at: { kind: 'int', min: 1, max: MAX_DATE_MS },
      daysSinceLastMessage: { kind: 'int', min: 0, max: 3_650, nullable: true },
      rules: { kind: 'rules' },
    },
    valid: { text: 'hello', kind: 'text' },
  },
  listChats: { args: 'object', optional: true, fields: { search: { kind: 'string', max: 200 }, limit: { kind: 'int', min: 1, max: 1_000 } }, valid: { limit: 5 } },
  listMutedChats: { args: 'none' },
  muteChat: {
    args: 'object',
    optional: false,
    // null: until unmuted; at most 30 days otherwise.
    fields: { chatId: { kind: 'string', min: 1, max: 64, required: true }, minutes: { kind: 'int', min: 1, max: 30 * 24 * 60, nullable: true, required: true } },
    valid: { chatId: 'abc', minutes: 60 },
  },
  unmuteChat: { args: 'object', optional: false, fields: { chatId: { kind: 'string', min: 1, max: 64, required: true } }, valid: { chatId: 'abc' } },
  exportRules: { args: 'none' },
  importRules: {
    args: 'object',
    optional: false,
    fields: { json: { kind: 'string', min: 1, max: 900_000, required: true }, mode: { kind: 'enum', values: ['replace', 'append'] } },
    valid: { json: '[]', mode: 'replace' },
  },
  listSecrets: { args: 'none' },
  setSecret: {
    args: 'object',
    optional: false,
    fields: { name: { kind: 'string', min: 1, max: 200, required: true }, value: { kind: 'string', min: 1, max: 16_384, required: true } },
    valid: { name: 'openai', value: 'sk-not-a-real-key' },
  },
  removeSecret: { args: 'object', optional: false, fields: { name: { kind: 'string', min: 1, max: 200, required: true } }, valid: { name: 'openai' } },
  testResponder: {
    args: 'object',
    optional: false,
    fields: {
      reply: { kind: 'record', required: true },
      message: { kind: 'string', min: 1, max: 4_096, required: true },
      contactName: { kind: 'string', max: 100 },
    },
    // Never sent as it is (every payload built from it is broken somewhere); port 9 is discard.
    valid: { reply: { type: 'webhook', url: 'http://127.0.0.1:9/' }, message: 'Hello' },
  },
  listChatMemory: { args: 'none' },
  forgetChat: { args: 'object', optional: false, fields: { id: { kind: 'string', min: 1, max: 128, required: true } }, valid: { id: 'abc' } },
  forgetAllChats: { args: 'none' },
};

export interface Payload {
  label: string;
  args: unknown;
}

/** Nested `depth` levels deep: [[[…]]] or {a:{a:…}}. */
export function deepArray(depth: number): unknown {
  let v: unknown = [];
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}
export function deepObject(depth: number): unknown {
  let v: unknown = {};
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

// Built once and shared (the core must not, and does not, mutate what it is given).
const HUGE = 'x'.repeat(1_000_000);
const ZEROS_1E5: unknown[] = new Array(100_000).fill(0);
const STRINGS_1E5: unknown[] = new Array(100_000).fill('a');
const RULES_1E5: unknown[] = new Array(100_000).fill({});
const KEYS_1E5 = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]));
const DEEP_ARRAY = deepArray(2_000);
const DEEP_OBJECT = deepObject(2_000);
/** Own `__proto__` / `constructor` keys, as JSON.parse (HTTP) and structured clone (IPC) make them. */
const protoPollution = () => JSON.parse('{"__proto__":{"polluted":"yes"}}') as object;
const ctorPollution = () => JSON.parse('{"constructor":{"prototype":{"polluted":"yes"}}}') as object;

/** Values no command takes as its whole argument (each command adds what else it refuses). */
function wrongTopLevel(): Payload[] {
  return [
    { label: '0', args: 0 },
    { label: '-1', args: -1 },
    { label: 'true', args: true },
    { label: 'false', args: false },
    { label: 'empty string', args: '' },
    { label: 'a string', args: 'getSnapshot' },
    { label: 'a 1 MB string', args: HUGE },
    { label: 'an empty array', args: [] },
    { label: 'an array of 1e5 items', args: ZEROS_1E5 },
    { label: 'NaN', args: NaN },
    { label: 'Infinity', args: Infinity },
    { label: '-Infinity', args: -Infinity },
    { label: 'a BigInt', args: 10n },
    // Deeper than this and structured clone (IPC) and JSON.stringify overflow the stack on the
    // sending side already; the HTTP suite sends 100,000 levels as raw JSON text.
    { label: 'nested 2,000 arrays deep', args: DEEP_ARRAY },
    { label: 'a function', args: () => 1 },
    { label: 'a symbol', args: Symbol('x') },
  ];
}

function objectsForNone(): Payload[] {
  return [
    { label: 'an empty object', args: {} },
    { label: 'an object', args: { sneaky: true } },
    { label: '__proto__ key', args: protoPollution() },
    { label: 'constructor.prototype key', args: ctorPollution() },
    { label: 'nested 2,000 objects deep', args: DEEP_OBJECT },
    { label: '1e5 keys', args: KEYS_1E5 },
  ];
}

function badValues(field: Field): Payload[] {
  const common: Payload[] = [
    { label: 'an array', args: [] },
    { label: 'an object', args: {} },
    { label: 'an array of 1e5 items', args: STRINGS_1E5 },
    { label: '__proto__ object', args: protoPollution() },
    { label: 'nested 2,000 deep', args: DEEP_OBJECT },
  ];
  switch (field.kind) {
    case 'string':
      return [
        ...common,
        { label: 'null', args: null },
        { label: 'a number', args: 123 },
        { label: 'true', args: true },
        { label: `${field.max + 1} characters`, args: 'x'.repeat(field.max + 1) },
        { label: '1 MB', args: HUGE },
        ...(field.min ? [{ label: 'empty', args: '' }] : []),
      ];
    case 'int':
      return [
        ...common,
        ...(field.nullable ? [] : [{ label: 'null', args: null }]),
        { label: 'a numeric string', args: '5' },
        { label: 'true', args: true },
        { label: 'NaN', args: NaN },
        { label: 'Infinity', args: Infinity },
        { label: '-Infinity', args: -Infinity },
        { label: `${field.min - 1}`, args: field.min - 1 },
        { label: `${field.max + 1}`, args: field.max + 1 },
        { label: '1.5', args: field.min + 1.5 },
        { label: '-1e308', args: -1e308 },
        { label: '1e308', args: 1e308 },
        { label: 'MAX_SAFE_INTEGER + 2', args: Number.MAX_SAFE_INTEGER + 2 },
        ...(field.max < Number.MAX_SAFE_INTEGER ? [{ label: 'MAX_SAFE_INTEGER', args: Number.MAX_SAFE_INTEGER }] : []),
      ];
    case 'bool':
      return [
        ...common,
        { label: 'null', args: null },
        { label: '"true"', args: 'true' },
        { label: '1', args: 1 },
        { label: '0', args: 0 },
      ];
    case 'enum':
      return [
        ...common,
        { label: 'null', args: null },
        { label: 'an unknown value', args: 'bogus' },
        { label: 'the wrong case', args: field.values[0]!.toUpperCase() },
        { label: 'empty', args: '' },
        { label: 'a number', args: 1 },
      ];
    case 'record':
      return [
        { label: 'null', args: null },
        { label: 'a string', args: 'webhook' },
        { label: 'a number', args: 1 },
        { label: 'true', args: true },
        { label: 'an array', args: [] },
        { label: 'an array of 1e5 items', args: STRINGS_1E5 },
      ];
    case 'rules':
      return [
        { label: 'null', args: null },
        { label: 'a string', args: 'not an array' },
        { label: 'an object', args: {} },
        { label: '201 rules', args: new Array(201).fill({}) },
        { label: '1e5 rules', args: RULES_1E5 },
        { label: 'a number', args: 1 },
      ];
  }
}

const built = new Map<CommandName, Payload[]>();

/** Every payload `command` must refuse with invalid-payload (built once per command). */
export function battery(command: CommandName): Payload[] {
  let payloads = built.get(command);
  if (!payloads) built.set(command, (payloads = buildBattery(command)));
  return payloads;
}

function buildBattery(command: CommandName): Payload[] {
  const spec = SPEC[command];
  if (spec.args === 'none') return [...wrongTopLevel(), ...objectsForNone()];
  const out: Payload[] = wrongTopLevel();
  if (!spec.optional) out.push({ label: 'undefined', args: undefined });
  out.push({ label: 'null', args: null });
  out.push({ label: 'an extra key', args: { ...spec.valid, extra: 1 } });
  out.push({ label: 'an own __proto__ key', args: Object.assign(protoPollution(), spec.valid) });
  out.push({ label: 'a constructor key', args: Object.assign(ctorPollution(), spec.valid) });
  out.push({ label: 'a prototype key', args: { ...spec.valid, prototype: { polluted: 'yes' } } });
  out.push({ label: '1e5 extra keys', args: { ...spec.valid, ...KEYS_1E5 } });
  for (const [name, field] of Object.entries(spec.fields)) {
    if (field.required) {
      const rest: Record<string, unknown> = { ...spec.valid };
      delete rest[name];
      out.push({ label: `without ${name}`, args: rest });
    }
    for (const bad of badValues(field)) out.push({ label: `${name}: ${bad.label}`, args: { ...spec.valid, [name]: bad.args } });
  }
  return out;
}

/**
 * Class instances where a plain object belongs. Structured clone (Electron IPC) carries a Date or
 * a Map as a Date or a Map, and a schema that only asks "is it an object?" takes one for an empty
 * argument object.
 */
export function classInstances(command: CommandName): Payload[] {
  const spec = SPEC[command];
  const valid = spec.args === 'object' ? spec.valid : {};
  return [
    { label: 'a Date', args: new Date(0) },
    { label: 'a Map', args: new Map(Object.entries(valid)) },
    { label: 'a Set', args: new Set([1]) },
    { label: 'a RegExp', args: /x/ },
    { label: 'a Date carrying the valid fields', args: Object.assign(new Date(0), valid) },
  ];
}

/**
 * Rules whose outer shape is fine ({ rules: [...] }, at most 200) but whose content is hostile:
 * the core must refuse them (invalid-rules, with a message per problem) and store nothing.
 */
export function hostileRules(): Payload[] {
  const rule = (over: Record<string, unknown>) => ({
    id: 'r1',
    name: 'Rule',
    match: { type: 'any' },
    reply: { type: 'template', text: 'hi' },
    ...over,
  });
  return [
    { label: 'an empty rule', args: { rules: [{}] } },
    { label: 'a string for a rule', args: { rules: ['rule'] } },
    { label: 'null for a rule', args: { rules: [null] } },
    { label: 'a rule nested 2,000 deep', args: { rules: [DEEP_OBJECT] } },
    { label: 'an array 2,000 deep for a rule', args: { rules: [DEEP_ARRAY] } },
    { label: 'a __proto__ rule', args: { rules: [protoPollution()] } },
    { label: 'a 1 MB reply text', args: { rules: [rule({ reply: { type: 'template', text: HUGE } })] } },
    { label: 'a 1 MB name', args: { rules: [rule({ name: HUGE })] } },
    { label: 'a 1 MB regex', args: { rules: [rule({ match: { type: 'regex', pattern: HUGE } })] } },
    { label: 'a catastrophic regex', args: { rules: [rule({ match: { type: 'regex', pattern: '(a+)+$' } })] } },
    { label: 'a cooldown under 10 s', args: { rules: [rule({ cooldownMs: 0 })] } },
    { label: 'a negative delay', args: { rules: [rule({ delay: { minMs: -5, maxMs: 0 } })] } },
    { label: 'NaN as the cooldown', args: { rules: [rule({ cooldownMs: NaN })] } },
    { label: 'Infinity as the cooldown', args: { rules: [rule({ cooldownMs: Infinity })] } },
    { label: 'a file: webhook', args: { rules: [rule({ reply: { type: 'webhook', url: 'file:///etc/passwd' } })] } },
    { label: 'a javascript: webhook', args: { rules: [rule({ reply: { type: 'webhook', url: 'javascript:alert(1)' } })] } },
    { label: 'an unknown reply type', args: { rules: [rule({ reply: { type: 'shell', command: 'rm -rf /' } })] } },
    { label: 'an unknown time zone', args: { rules: [rule({ schedule: { timeZone: 'Mars/Olympus', windows: [{ days: ['mon'], start: '09:00', end: '17:00' }] } })] } },
    { label: '1,001 contacts in scope', args: { rules: [rule({ scope: { mode: 'only', contacts: new Array(1_001).fill('+15550000000') } })] } },
    { label: '101 keywords', args: { rules: [rule({ match: { type: 'keywords', keywords: new Array(101).fill('k') } })] } },
    { label: 'two rules with one id', args: { rules: [rule({}), rule({})] } },
    { label: '101 valid rules (more than the engine keeps)', args: { rules: Array.from({ length: 101 }, (_, i) => rule({ id: `r${i}` })) } },
    { label: '200 rules of 1 MB text each', args: { rules: Array.from({ length: 200 }, (_, i) => rule({ id: `r${i}`, reply: { type: 'template', text: HUGE } })) } },
  ];
}

/** True when `v` survives JSON unchanged (so it can be sent over HTTP as it is). */
export function jsonFaithful(v: unknown, depth = 0): boolean {
  if (depth > 20_000) return false;
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((x) => jsonFaithful(x, depth + 1));
  if (typeof v === 'object') {
    if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) return false;
    return Object.values(v as object).every((x) => x !== undefined && jsonFaithful(x, depth + 1));
  }
  return false; // undefined, bigint, function, symbol
}
