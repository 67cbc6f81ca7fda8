/**
 * Redaction for every log record, whatever its level (debug and trace included: a person who
 * turns debug on to report a problem must not hand over their contacts or keys with the log).
 *
 * Replyline promises that its logs never hold a full phone number, a JID, a QR or pairing
 * payload, message text, a secret or a token. Redaction is by shape (patterns in strings) and by
 * key (fields known to carry text, addresses or secrets), so it also covers what Baileys and
 * libsignal log about themselves through our logger (binary nodes, protobuf messages, errors,
 * console dumps of key buffers).
 */

const JID_RE =
  /(\+?)(\d{3,})((?::\d+)?)@(s\.whatsapp\.net|c\.us|lid|g\.us|broadcast|newsletter|hosted|hosted\.lid)/g;
const QR_RE = /https:\/\/wa\.me\/settings\/linked_devices#\S*/g;
// A QR "ref,noise,identity,adv[,platform]" payload without the URL prefix.
const QR_BARE_RE = /\b[\w@+/=-]{8,},[A-Za-z0-9+/]{40,}={0,2},[A-Za-z0-9+/]{40,}={0,2},[A-Za-z0-9+/]{40,}={0,2}(?:,\d+)?/g;
// Phone-like digit runs: 8 or more digits, optionally with a leading + and separators.
const PHONE_RE = /\+?\d(?:[\d\s().-]{6,}\d)/g;
// util.inspect of a Buffer (libsignal prints session entries with their private keys this way).
const BUFFER_DUMP_RE = /<Buffer(?: [0-9a-f]{2})*(?: \.\.\. \d+ more bytes?)?>/g;
// An Authorization header value.
const AUTH_RE = /\b(Bearer|Basic)\s+[\w.~+/=-]+/gi;
// Key-like runs: 32+ hex digits, or 32+ base64/base64url characters mixing cases and digits (an
// access token, a key). Paths (starting with '/') and plain words are not key-like.
const HEX_SECRET_RE = /\b[0-9a-fA-F]{32,}\b/g;
const B64_SECRET_RE = /(?<![\w+/=-])[\w+/-]{32,}={0,2}/g;

/** Keys whose values are message text, QR payloads or secrets (compared in lower case): never logged. */
const SECRET_KEYS = new Set(
  [

  'text',
  'conversation',
  'caption',
  'body',
  'message',
  'messages',
  'content',
  'qr',
  'pairingCode',
  'replyText',
  'reply',
  'template',
  'prompt',
  'apiKey',
  'authorization',
  'creds',
  'keys',
  'privKey',
  'private',
  'privateKey',
  'noiseKey',
  'advSecretKey',
  'signedIdentityKey',
  'signedPreKey',
  'identityKey',
  'keyPair',
  'token',
  'accessToken',
  'secret',
  'secrets',
  'password',
  'passphrase',
  'cookie',
  'signature',
  ].map((k) => k.toLowerCase()),
);

/** Keys whose values are addresses (JIDs, numbers): masked, not dropped. */
const ADDRESS_KEYS = new Set([
  'jid',
  'lid',
  'pn',
  'from',
  'to',
  'participant',
  'remoteJid',
  'remoteJidAlt',
  'participantAlt',
  'recipient',
  'sender',
  'sender_pn',
  'sender_lid',
  'peer_recipient_pn',
  'username',
  'phone',
  'number',
  'id_jid',
  'me',
  'author',
]);

/** Mask all but the last two digits of a digit run. */
export function maskDigits(digits: string): string {
  const clean = digits.replace(/\D/g, '');
  if (clean.length <= 2) return '••';
  return '•'.repeat(Math.min(clean.length - 2, 8)) + clean.slice(-2);
}

/** Redact JIDs, QR payloads and phone-like numbers inside a free-form string. */
export function redactString(input: string): string {
  return input
    .replace(QR_RE, '[qr]')
    .replace(QR_BARE_RE, '[qr]')
    .replace(BUFFER_DUMP_RE, '[bytes]')
    .replace(AUTH_RE, (_m, scheme: string) => `${scheme} [redacted]`)
    .replace(HEX_SECRET_RE, '[redacted]')
    .replace(B64_SECRET_RE, (m) => (isKeyLike(m) ? '[redacted]' : m))
    .replace(JID_RE, (_m, _plus: string, user: string, device: string, server: string) => {
      return `${maskDigits(user)}${device}@${server}`;
    })
    .replace(PHONE_RE, (m) => (m.replace(/\D/g, '').length >= 8 ? maskDigits(m) : m));
}

/** Random-looking: mixed case and digits; not a path, not a name like `corrupt-2026-…`. */
function isKeyLike(run: string): boolean {
  if (run.startsWith('/') || /^[a-z]+-/.test(run)) return false;
  return /\d/.test(run) && /[a-z]/.test(run) && /[A-Z].*[A-Z]/.test(run);
}

function isBinaryNodeLike(v: object): v is { tag: string; attrs: Record<string, unknown> } {
  return 'tag' in v && 'attrs' in v && typeof (v as { tag: unknown }).tag === 'string';
}

/** Deep-copy `value` with everything sensitive removed or masked. */
export function redactValue(value: unknown, key?: string, depth = 0): unknown {
  if (value === null || value === undefined) return value;
  if (key !== undefined && SECRET_KEYS.has(key.toLowerCase())) {
    if (typeof value === 'boolean' || typeof value === 'number') return value;
    return '[redacted]';
  }
  if (typeof value === 'string') {
    return key !== undefined && ADDRESS_KEYS.has(key) ? maskAddress(value) : redactString(value);
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (key !== undefined && ADDRESS_KEYS.has(key)) return maskDigits(String(value));
    const s = String(value);
    return s.length >= 8 && !isLikelyTime(key) ? maskDigits(s) : value;
  }
  if (typeof value !== 'object') return value;
  if (depth >= 6) return '[…]';
  if (value instanceof Uint8Array) return `[${value.length} bytes]`;
  if (value instanceof Date) return value;
  if (value instanceof Error) {
    const out: Record<string, unknown> = {
      type: value.name,
      message: redactString(value.message),
    };
    if (value.stack) out.stack = redactString(value.stack);
    const extra = value as unknown as Record<string, unknown>;
    for (const k of ['code', 'statusCode', 'kind']) {
      if (extra[k] !== undefined) out[k] = redactValue(extra[k], k, depth + 1);
    }
    const boom = extra.output as { statusCode?: unknown } | undefined;
    if (boom && typeof boom === 'object' && boom.statusCode !== undefined) out.statusCode = boom.statusCode;
    return out;
  }
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redactValue(v, key, depth + 1));
  if (isBinaryNodeLike(value)) {
    // A protocol node: keep its tag and masked attributes; its content may be a message.
    return { tag: value.tag, attrs: redactValue(value.attrs, undefined, depth + 1) };
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = redactValue(v, k, depth + 1);
  }
  return out;
}

function isLikelyTime(key: string | undefined): boolean {
  if (!key) return false;
  return /^(t|ts|time|timestamp|at|since|until|ms|elapsed|duration|delay|.*(At|Ms|Time|Timestamp|TimestampS))$/.test(
    key,
  );
}

function maskAddress(value: string): string {
  const masked = redactString(value);
  if (masked !== value) return masked;
  return /\d{3,}/.test(value) ? value.replace(/\d{3,}/g, (d) => maskDigits(d)) : value;
}
