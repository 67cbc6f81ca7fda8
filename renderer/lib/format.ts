/** Plain-words formatting shared by the views: times, durations, contacts. */

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, {
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
});
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' });
const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric' });

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** "09:41" today, "12 May, 09:41" otherwise. */
export function formatWhen(at: number, now: number = Date.now()): string {
  const d = new Date(at);
  return sameDay(d, new Date(now)) ? timeFmt.format(d) : dateTimeFmt.format(d);
}

/** For `title`/`datetime`: the full date and time. */
export function formatFull(at: number): string {
  return fullFmt.format(new Date(at));
}

export function formatClock(at: number): string {
  return timeFmt.format(new Date(at));
}

export function formatDay(at: number): string {
  return dayFmt.format(new Date(at));
}

/** "45 s", "3 min 20 s", "2 h 5 min", "1 d 3 h". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const hrs = Math.floor(m / 60);
  if (hrs < 24) return m % 60 ? `${hrs} h ${m % 60} min` : `${hrs} h`;
  const d = Math.floor(hrs / 24);
  return hrs % 24 ? `${d} d ${hrs % 24} h` : `${d} d`;
}

export function formatPercent(fraction: number): string {
  const p = Math.max(0, Math.min(1, fraction)) * 100;
  return `${p >= 99.95 || p === 0 ? p.toFixed(0) : p.toFixed(1)}%`;
}

/** At least 7 digits in a row (spaces and dashes allowed): a phone number, not a masked one. */
const FULL_NUMBER = /(?:\+?\d[\s\-()./]?){7,}/;

/**
 * Who a reply or message is from, as the window may show it: the name and the masked number
 * the core gives. A name that is itself a full phone number (contacts without a saved name) is
 * never shown; the masked number stands in for it.
 */
export function contactLabel(name: string, masked: string): { name: string; masked: string } {
  const safeMasked = FULL_NUMBER.test(masked) ? maskNumber(masked) : masked;
  const trimmed = name.trim();
  if (!trimmed || FULL_NUMBER.test(trimmed)) return { name: safeMasked || 'Unknown contact', masked: '' };
  return { name: trimmed, masked: safeMasked };
}

/** Last resort if an unmasked number ever reaches the window: keep the first and last two digits. */
export function maskNumber(text: string): string {
  const digits = text.replace(/\D/g, '');
  if (digits.length < 5) return '•••';
  return `+${digits.slice(0, 2)} ••• ${digits.slice(-2)}`;
}

export function nextMidnight(now: number = Date.now()): number {
  const d = new Date(now);
  d.setHours(24, 0, 0, 0);
  return d.getTime();
}

/** "replyline-replies-2025-05-12.csv" */
export function exportName(what: string, now: number = Date.now()): string {
  const d = new Date(now);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `replyline-${what}-${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}.csv`;
}
