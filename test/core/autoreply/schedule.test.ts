import { describe, expect, it } from 'vitest';
import { localWeekTime, scheduleActive } from '../../../main/core/autoreply/schedule.js';
import type { Schedule } from '../../../main/core/autoreply/index.js';

const utc = (iso: string) => Date.parse(`${iso}Z`);
const hm = (h: number, m = 0) => h * 60 + m;

describe('localWeekTime (Intl, DST-aware)', () => {
  const cases: [string, string, number, number][] = [
    // zone, UTC instant, weekday (0 = Mon), local minute
    ['Europe/Berlin', '2025-03-30T00:59', 6, hm(1, 59)], // last CET minute
    ['Europe/Berlin', '2025-03-30T01:00', 6, hm(3, 0)], // first CEST minute: 02:00–02:59 never happens
    ['Europe/Berlin', '2025-10-26T00:30', 6, hm(2, 30)], // 02:30 CEST
    ['Europe/Berlin', '2025-10-26T01:30', 6, hm(2, 30)], // 02:30 CET, the second time
    ['America/New_York', '2025-03-09T06:59', 6, hm(1, 59)],
    ['America/New_York', '2025-03-09T07:00', 6, hm(3, 0)],
    ['America/New_York', '2025-11-02T05:30', 6, hm(1, 30)], // 01:30 EDT
    ['America/New_York', '2025-11-02T06:30', 6, hm(1, 30)], // 01:30 EST
    ['Asia/Kolkata', '2025-01-06T18:29', 0, hm(23, 59)],
    ['Asia/Kolkata', '2025-01-06T18:30', 1, hm(0, 0)],
    ['UTC', '2025-01-05T23:59', 6, hm(23, 59)],
  ];
  for (const [zone, iso, day, minute] of cases) {
    it(`${iso}Z in ${zone}`, () => expect(localWeekTime(utc(iso), zone)).toEqual({ day, minute }));
  }
});

describe('scheduleActive', () => {
  const working = (mode: 'inside' | 'outside', timeZone?: string): Schedule => ({
    mode,
    windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' }],
    ...(timeZone ? { timeZone } : {}),
  });

  const cases: [string, Schedule, string, string, boolean][] = [
    // what, schedule, default zone, UTC instant, active
    ['Mon 09:00 Berlin (winter) is inside', working('inside'), 'Europe/Berlin', '2025-01-06T08:00', true],
    ['Mon 08:59 Berlin is outside', working('inside'), 'Europe/Berlin', '2025-01-06T07:59', false],
    ['Mon 17:00 Berlin: end is exclusive', working('inside'), 'Europe/Berlin', '2025-01-06T16:00', false],
    ['Sat noon is outside', working('inside'), 'Europe/Berlin', '2025-01-11T11:00', false],
    ['away rule active at night', working('outside'), 'Europe/Berlin', '2025-01-06T22:00', true],
    ['away rule quiet at work', working('outside'), 'Europe/Berlin', '2025-01-06T10:00', false],
    ['away rule active on Sunday', working('outside'), 'Europe/Berlin', '2025-01-12T10:00', true],
    // New York: 09:00 local is 14:00Z in winter (EST) and 13:00Z after the March change (EDT).
    ['NY Fri before DST: 13:30Z = 08:30 EST', working('inside'), 'America/New_York', '2025-03-07T13:30', false],
    ['NY Fri before DST: 14:00Z = 09:00 EST', working('inside'), 'America/New_York', '2025-03-07T14:00', true],
    ['NY Mon after DST: 13:00Z = 09:00 EDT', working('inside'), 'America/New_York', '2025-03-10T13:00', true],
    ['NY Mon after DST: 12:59Z = 08:59 EDT', working('inside'), 'America/New_York', '2025-03-10T12:59', false],
    ['NY Mon after fall back: 13:30Z = 08:30 EST', working('inside'), 'America/New_York', '2025-11-03T13:30', false],
    ['NY Mon after fall back: 14:00Z = 09:00 EST', working('inside'), 'America/New_York', '2025-11-03T14:00', true],
    ['rule zone overrides the default', working('inside', 'America/New_York'), 'Europe/Berlin', '2025-01-06T14:00', true],
    ['rule zone overrides the default (2)', working('inside', 'America/New_York'), 'Europe/Berlin', '2025-01-06T08:00', false],
  ];
  for (const [what, schedule, zone, iso, active] of cases) {
    it(what, () => expect(scheduleActive(schedule, utc(iso), zone)).toBe(active));
  }

  it('no schedule: always active', () => expect(scheduleActive(undefined, 0, 'UTC')).toBe(true));

  describe('windows crossing midnight (Fri 22:00–02:00, UTC)', () => {
    const late: Schedule = { mode: 'inside', windows: [{ days: ['fri'], start: '22:00', end: '02:00' }] };
    // 2025-01-10 is a Friday.
    const cases: [string, boolean][] = [
      ['2025-01-10T21:59', false],
      ['2025-01-10T22:00', true],
      ['2025-01-10T23:59', true],
      ['2025-01-11T00:00', true], // Saturday, from Friday's window
      ['2025-01-11T01:59', true],
      ['2025-01-11T02:00', false],
      ['2025-01-11T22:30', false], // Saturday evening is not listed
      ['2025-01-09T01:00', false], // Thursday early: Wednesday is not listed
    ];
    for (const [iso, active] of cases) it(`${iso}Z → ${active}`, () => expect(scheduleActive(late, utc(iso), 'UTC')).toBe(active));
  });

  it('a Sunday-night window wraps into Monday', () => {
    const s: Schedule = { mode: 'inside', windows: [{ days: ['sun'], start: '23:00', end: '01:00' }] };
    expect(scheduleActive(s, utc('2025-01-06T00:30'), 'UTC')).toBe(true); // Monday 00:30
    expect(scheduleActive(s, utc('2025-01-07T00:30'), 'UTC')).toBe(false); // Tuesday 00:30
  });

  it('"24:00" ends at midnight; "00:00–24:00" is the whole day', () => {
    const evening: Schedule = { mode: 'inside', windows: [{ days: ['mon'], start: '18:00', end: '24:00' }] };
    expect(scheduleActive(evening, utc('2025-01-06T23:59'), 'UTC')).toBe(true);
    expect(scheduleActive(evening, utc('2025-01-07T00:00'), 'UTC')).toBe(false);
    const sunday: Schedule = { mode: 'inside', windows: [{ days: ['sun'], start: '00:00', end: '24:00' }] };
    expect(scheduleActive(sunday, utc('2025-01-12T00:00'), 'UTC')).toBe(true);
    expect(scheduleActive(sunday, utc('2025-01-12T23:59'), 'UTC')).toBe(true);
    expect(scheduleActive(sunday, utc('2025-01-13T00:00'), 'UTC')).toBe(false);
  });

  it('Berlin spring-forward day: the skipped hour is never inside, 03:00 is', () => {
    const s: Schedule = { mode: 'inside', windows: [{ days: ['sun'], start: '02:00', end: '03:00' }] };
    for (let t = utc('2025-03-29T23:00'); t < utc('2025-03-30T23:00'); t += 60_000) {
      expect(scheduleActive(s, t, 'Europe/Berlin')).toBe(false);
    }
    const morning: Schedule = { mode: 'inside', windows: [{ days: ['sun'], start: '03:00', end: '04:00' }] };
    expect(scheduleActive(morning, utc('2025-03-30T01:00'), 'Europe/Berlin')).toBe(true);
    expect(scheduleActive(morning, utc('2025-03-30T00:59'), 'Europe/Berlin')).toBe(false);
  });

  it('Berlin fall-back day: the repeated hour is inside both times (two real hours)', () => {
    const s: Schedule = { mode: 'inside', windows: [{ days: ['sun'], start: '02:00', end: '03:00' }] };
    let minutesInside = 0;
    for (let t = utc('2025-10-25T22:00'); t < utc('2025-10-26T23:00'); t += 60_000) {
      if (scheduleActive(s, t, 'Europe/Berlin')) minutesInside++;
    }
    expect(minutesInside).toBe(120);
    expect(scheduleActive(s, utc('2025-10-26T00:00'), 'Europe/Berlin')).toBe(true); // 02:00 CEST
    expect(scheduleActive(s, utc('2025-10-26T01:59'), 'Europe/Berlin')).toBe(true); // 02:59 CET
    expect(scheduleActive(s, utc('2025-10-26T02:00'), 'Europe/Berlin')).toBe(false); // 03:00 CET
  });

  it('Berlin working day length follows the zone across the change (8 h either side)', () => {
    const s: Schedule = {
      mode: 'inside',
      windows: [{ days: ['fri', 'mon'], start: '09:00', end: '17:00' }],
    };
    const count = (fromIso: string, toIso: string) => {
      let n = 0;
      for (let t = utc(fromIso); t < utc(toIso); t += 60_000) if (scheduleActive(s, t, 'Europe/Berlin')) n++;
      return n;
    };
    expect(count('2025-03-28T00:00', '2025-03-29T00:00')).toBe(8 * 60); // Fri, CET
    expect(count('2025-03-31T00:00', '2025-04-01T00:00')).toBe(8 * 60); // Mon, CEST
    expect(scheduleActive(s, utc('2025-03-28T08:00'), 'Europe/Berlin')).toBe(true); // 09:00 CET
    expect(scheduleActive(s, utc('2025-03-31T07:00'), 'Europe/Berlin')).toBe(true); // 09:00 CEST
    expect(scheduleActive(s, utc('2025-03-31T15:00'), 'Europe/Berlin')).toBe(false); // 17:00 CEST
  });
});
