/**
 * Weekly schedules in a local time zone.
 *
 * Windows are wall-clock times ("Mon–Fri 09:00–17:00") in an IANA zone. An instant is turned
 * into the zone's local weekday and minute with Intl, so daylight-saving changes need no
 * arithmetic of ours: on the spring-forward day the skipped hour simply never occurs, and on
 * the fall-back day the repeated hour is inside or outside the window both times.
 *
 * A window whose end is earlier than its start crosses midnight and belongs to its start day:
 * "Fri 22:00–02:00" covers Friday 22:00 to Saturday 02:00. "24:00" may be used as an end.
 */
import type { Schedule, ScheduleWindow } from './schema.js';

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Day = (typeof DAYS)[number];

const WEEKDAY_INDEX: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True for a time zone name Intl knows (IANA, e.g. "Europe/Berlin", or "UTC"). */
export function isValidTimeZone(timeZone: string): boolean {
  if (!timeZone) return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

export interface LocalWeekTime {
  /** 0 = Monday … 6 = Sunday. */
  day: number;
  /** Minutes since local midnight, 0…1439. */
  minute: number;
}

/** The local weekday and minute of an instant in a zone. */
export function localWeekTime(instant: number, timeZone: string): LocalWeekTime {
  let day = 0;
  let hour = 0;
  let minute = 0;
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type === 'weekday') day = WEEKDAY_INDEX[part.value] ?? 0;
    else if (part.type === 'hour') hour = Number(part.value) % 24;
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return { day, minute: hour * 60 + minute };
}

/** "09:30" → 570; "24:00" → 1440. */
export function parseTimeOfDay(value: string): number {
  const [h, m] = value.split(':');
  return Number(h) * 60 + Number(m);
}

export function windowContains(window: ScheduleWindow, at: LocalWeekTime): boolean {
  const start = parseTimeOfDay(window.start);
  const end = parseTimeOfDay(window.end);
  const onDay = (d: number) => window.days.includes(DAYS[(d + 7) % 7]!);
  if (start < end) return onDay(at.day) && at.minute >= start && at.minute < end;
  // Crosses midnight: the evening part on a listed day, the early part on the day after.
  return (onDay(at.day) && at.minute >= start) || (onDay(at.day - 1) && at.minute < end);
}

/**
 * Is a rule with this schedule active at `instant`? No schedule: always. "inside": during any
 * window. "outside": during none (e.g. away outside working hours).
 */
export function scheduleActive(schedule: Schedule | undefined, instant: number, defaultTimeZone: string): boolean {
  if (!schedule) return true;
  const at = localWeekTime(instant, schedule.timeZone ?? defaultTimeZone);
  const inside = schedule.windows.some((w) => windowContains(w, at));
  return schedule.mode === 'inside' ? inside : !inside;
}
