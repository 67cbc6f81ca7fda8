/**
 * Reply templates: `{name}`, `{first_name}`, `{time}`, `{date}`, `{message}`, `{kind}`.
 *
 * - `{placeholder|fallback}` uses `fallback` when the value is unknown or empty
 *   (`Hi {first_name|there}!`).
 * - Unknown placeholders are left exactly as written; nothing is ever evaluated.
 * - Substitution is a single pass, so a push name such as "{message}" stays literal text.
 * - `{time}` and `{date}` are the moment of the decision, in the configured zone and locale.
 * - `{message}` is the inbound text, cut to {@link MAX_QUOTED_MESSAGE} characters (the engine
 *   passes a label such as "[voice message]" for media without a caption).
 * - `{kind}` is what the message is, in words ("voice message", "photo", "missed call").
 */

export const MAX_QUOTED_MESSAGE = 1_000;
const MAX_NAME = 100;

export interface TemplateContext {
  /** The sender's push name, if any. */
  name?: string;
  /** The inbound message text. */
  message: string;
  /** What the message is, in words ("voice message"); '' when unknown. */
  kind?: string;
  /** Ms since epoch used for {time} and {date}. */
  at: number;
  timeZone: string;
  locale: string;
}

const PLACEHOLDER = /\{([a-z_]+)(?:\|([^{}\n]*))?\}/g;

const timeFormats = new Map<string, Intl.DateTimeFormat>();
function format(kind: 'time' | 'date', at: number, locale: string, timeZone: string): string {
  const key = `${kind}\u0000${locale}\u0000${timeZone}`;
  let f = timeFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, kind === 'time' ? { timeStyle: 'short', timeZone } : { dateStyle: 'long', timeZone });
    timeFormats.set(key, f);
  }
  return f.format(at);
}

/** Push names are chosen by the sender: one line, no control characters, bounded. */
export function cleanName(name: string | undefined): string {
  if (!name) return '';
  // eslint-disable-next-line no-control-regex
  const oneLine = name.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
  return [...oneLine].slice(0, MAX_NAME).join('');
}

/** The first word of a name that contains a letter ("🌸 Anna Maria" → "Anna"). */
export function firstName(name: string): string {
  const words = name.split(/\s+/).filter(Boolean);
  return words.find((w) => /\p{L}/u.test(w)) ?? words[0] ?? '';
}

function quoted(message: string): string {
  // No more UTF-16 units than the limit: no more characters either (skips splitting every message).
  if (message.length <= MAX_QUOTED_MESSAGE) return message;
  const chars = [...message];
  return chars.length > MAX_QUOTED_MESSAGE ? `${chars.slice(0, MAX_QUOTED_MESSAGE).join('')}…` : message;
}

export function renderTemplate(template: string, ctx: TemplateContext): string {
  // Cleaned only when the template names the person (most replies do not; it costs two regexes).
  let cleaned: string | undefined;
  const name = () => (cleaned ??= cleanName(ctx.name));
  const values: Record<string, () => string> = {
    name,
    first_name: () => firstName(name()),
    time: () => format('time', ctx.at, ctx.locale, ctx.timeZone),
    date: () => format('date', ctx.at, ctx.locale, ctx.timeZone),
    message: () => quoted(ctx.message),
    kind: () => ctx.kind ?? '',
  };
  return template.replace(PLACEHOLDER, (whole, key: string, fallback: string | undefined) => {
    const value = Object.hasOwn(values, key) ? values[key]!() : undefined;
    if (value === undefined) return whole;
    return value || (fallback ?? '');
  });
}
