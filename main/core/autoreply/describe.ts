/**
 * Rules in words, for explanations the person reads ("works only Mon–Fri 09:00–17:00").
 */
import { DAYS, type Day } from './schedule.js';
import type { Schedule, ScheduleWindow } from './schema.js';

const DAY_WORDS: Record<Day, string> = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };

/** "Mon–Fri", "Mon, Wed, Fri", "every day": runs of three or more days are joined with a dash. */
export function describeDays(days: readonly Day[]): string {
  const indices = [...new Set(days)].map((d) => DAYS.indexOf(d)).sort((a, b) => a - b);
  if (indices.length === 7) return 'every day';
  const parts: string[] = [];
  for (let i = 0; i < indices.length; ) {
    let j = i;
    while (j + 1 < indices.length && indices[j + 1] === indices[j]! + 1) j++;
    const first = DAY_WORDS[DAYS[indices[i]!]!];
    const last = DAY_WORDS[DAYS[indices[j]!]!];
    if (j - i >= 2) parts.push(`${first}–${last}`);
    else for (let k = i; k <= j; k++) parts.push(DAY_WORDS[DAYS[indices[k]!]!]);
    i = j + 1;
  }
  return parts.join(', ');
}

export function describeWindow(w: ScheduleWindow): string {
  return `${describeDays(w.days)} ${w.start}–${w.end}`;
}

/** "during Mon–Fri 09:00–17:00 (Europe/Berlin)" or "outside Mon–Fri 09:00–17:00". */
export function describeSchedule(schedule: Schedule, defaultTimeZone: string): string {
  const windows = schedule.windows.map(describeWindow).join('; ');
  const zone = schedule.timeZone && schedule.timeZone !== defaultTimeZone ? ` (${schedule.timeZone})` : '';
  return `${schedule.mode === 'inside' ? 'during' : 'outside'} ${windows}${zone}`;
}
