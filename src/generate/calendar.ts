/**
 * The simulated calendar: local days in Asia/Shanghai, their weekly and holiday demand multipliers per channel,
 * times of day, and the three timestamp forms sources send. All date arithmetic is on UTC epoch milliseconds with
 * a fixed +08:00 offset (China has had no daylight saving since 1991), so no time-zone database or locale is
 * consulted and the output cannot depend on the machine.
 */
import type { Rng } from './rng.ts';

export const TIME_ZONE = 'Asia/Shanghai';
const OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

export type Channel = 'store' | 'web' | 'app' | 'mini_program';
export const CHANNELS: readonly Channel[] = ['store', 'web', 'app', 'mini_program'];

export interface Day {
  readonly index: number;
  /** Local calendar date, YYYY-MM-DD. */
  readonly date: string;
  /** Local month, YYYY-MM: the events file the day's events go to. */
  readonly month: string;
  readonly year: number;
  /** 1-12 */
  readonly monthOfYear: number;
  readonly dayOfMonth: number;
  /** 0 = Sunday */
  readonly weekday: number;
  /** UTC epoch ms of local midnight. */
  readonly startMs: number;
  /** Demand multipliers (weekday x holiday x season) for store visits, online orders and app browsing. */
  readonly store: number;
  readonly online: number;
  readonly app: number;
  /** The retail event that shapes the day, if any (e.g. singles_day). */
  readonly holiday?: string;
}

/** Local midnight of a YYYY-MM-DD date as UTC epoch ms. */
export function localMidnightMs(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  return Date.UTC(y!, m! - 1, d!) - OFFSET_MS;
}

/** YYYY-MM-DD of a UTC date (no offset applied). */
function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Local date (YYYY-MM-DD) of an instant. */
export function localDate(ms: number): string {
  return utcDate(ms + OFFSET_MS);
}

/** The date n days after a YYYY-MM-DD date. */
export function addDays(date: string, n: number): string {
  return utcDate(Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10)) + n * DAY_MS);
}

// Stores fill up at weekends; online orders lean to Sunday/Monday evenings.
const WEEKDAY_STORE = [1.34, 0.8, 0.8, 0.85, 0.9, 1.04, 1.44];
const WEEKDAY_ONLINE = [1.1, 1.06, 1.0, 0.96, 0.95, 0.9, 1.03];
const WEEKDAY_APP = [1.16, 0.95, 0.93, 0.93, 0.94, 0.97, 1.12];

/** First day of Chinese New Year (Spring Festival), which moves every year with the lunar calendar. */
const SPRING_FESTIVAL: Readonly<Record<number, string>> = {
  2018: '2018-02-16', 2019: '2019-02-05', 2020: '2020-01-25', 2021: '2021-02-12', 2022: '2022-02-01',
  2023: '2023-01-22', 2024: '2024-02-10', 2025: '2025-01-29', 2026: '2026-02-17', 2027: '2027-02-06',
  2028: '2028-01-26', 2029: '2029-02-13', 2030: '2030-02-03',
};

interface Effect {
  readonly name: string;
  readonly from: string;
  readonly to: string;
  readonly store: number;
  readonly online: number;
}

/** Black Friday: the day after the fourth Thursday of November. */
function blackFriday(year: number): string {
  const nov1 = new Date(Date.UTC(year, 10, 1)).getUTCDay();
  const firstThursday = 1 + ((4 - nov1 + 7) % 7);
  return `${year}-11-${String(firstThursday + 22).padStart(2, '0')}`;
}

/** The retail calendar of one year: each effect multiplies demand in its date range. */
export function retailEvents(year: number): Effect[] {
  const e: Effect[] = [];
  const cny = SPRING_FESTIVAL[year];
  if (cny) {
    // New-year shopping before the festival, then stores close and couriers stop during the holiday week.
    e.push({ name: 'chinese_new_year', from: addDays(cny, -21), to: addDays(cny, -8), store: 1.3, online: 1.3 });
    e.push({ name: 'chinese_new_year', from: addDays(cny, -7), to: addDays(cny, -2), store: 1.9, online: 1.1 });
    e.push({ name: 'chinese_new_year', from: addDays(cny, -1), to: addDays(cny, -1), store: 1.2, online: 0.5 });
    e.push({ name: 'chinese_new_year', from: cny, to: addDays(cny, 2), store: 0.45, online: 0.4 });
    e.push({ name: 'chinese_new_year', from: addDays(cny, 3), to: addDays(cny, 6), store: 0.8, online: 0.6 });
  }
  e.push({ name: 'labour_day', from: `${year}-05-01`, to: `${year}-05-05`, store: 1.3, online: 1.0 });
  e.push({ name: '618_presale', from: `${year}-06-01`, to: `${year}-06-17`, store: 1.1, online: 1.4 });
  e.push({ name: '618', from: `${year}-06-18`, to: `${year}-06-18`, store: 1.5, online: 4.5 });
  e.push({ name: 'national_day', from: `${year}-10-01`, to: `${year}-10-07`, store: 1.5, online: 0.85 });
  e.push({ name: 'singles_day_presale', from: `${year}-10-20`, to: `${year}-11-10`, store: 1.0, online: 1.3 });
  e.push({ name: 'singles_day', from: `${year}-11-11`, to: `${year}-11-11`, store: 1.6, online: 6.0 });
  e.push({ name: 'singles_day_after', from: `${year}-11-12`, to: `${year}-11-12`, store: 1.0, online: 1.5 });
  const bf = blackFriday(year);
  e.push({ name: 'black_friday', from: bf, to: bf, store: 1.8, online: 2.2 });
  e.push({ name: 'black_friday', from: addDays(bf, 1), to: addDays(bf, 2), store: 1.3, online: 1.3 });
  e.push({ name: 'black_friday', from: addDays(bf, 3), to: addDays(bf, 3), store: 1.0, online: 1.8 });
  e.push({ name: 'christmas', from: `${year}-12-18`, to: `${year}-12-23`, store: 1.5, online: 1.3 });
  e.push({ name: 'christmas', from: `${year}-12-24`, to: `${year}-12-24`, store: 1.9, online: 1.1 });
  e.push({ name: 'christmas', from: `${year}-12-25`, to: `${year}-12-25`, store: 1.3, online: 1.0 });
  return e;
}

/** The window's days, oldest first, ending at endDate (inclusive). */
export function buildDays(endDate: string, days: number): Day[] {
  const first = addDays(endDate, -(days - 1));
  const effectsByYear = new Map<number, Effect[]>();
  const out: Day[] = [];
  for (let i = 0; i < days; i++) {
    const date = addDays(first, i);
    const year = +date.slice(0, 4);
    const monthOfYear = +date.slice(5, 7);
    if (!effectsByYear.has(year)) effectsByYear.set(year, retailEvents(year));
    let store = 1;
    let online = 1;
    let holiday: string | undefined;
    for (const e of effectsByYear.get(year)!) {
      if (date < e.from || date > e.to) continue;
      store *= e.store;
      online *= e.online;
      holiday = e.name;
    }
    // A mild annual cycle on top: quieter in late summer, busier towards year end.
    const season = 1 + 0.08 * Math.cos((2 * Math.PI * (monthOfYear - 12)) / 12);
    const weekday = new Date(Date.UTC(year, monthOfYear - 1, +date.slice(8, 10))).getUTCDay();
    out.push({
      index: i,
      date,
      month: date.slice(0, 7),
      year,
      monthOfYear,
      dayOfMonth: +date.slice(8, 10),
      weekday,
      startMs: localMidnightMs(date),
      store: WEEKDAY_STORE[weekday]! * store * season,
      online: WEEKDAY_ONLINE[weekday]! * online * season,
      app: WEEKDAY_APP[weekday]! * Math.sqrt(online) * season,
      holiday,
    });
  }
  return out;
}

// Hour-of-day profiles (local time). Stores trade 10:00-22:00 with lunch and after-work peaks.
const STORE_HOURS = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 6, 9, 9, 7, 7, 8, 9, 11, 12, 10, 6, 0, 0];
const ONLINE_HOURS = [3, 1.5, 0.8, 0.5, 0.4, 0.6, 1.5, 3, 4, 4.5, 5, 5.5, 6.5, 6, 5, 5, 5, 5.5, 6, 7, 8.5, 9.5, 8, 5.5];
const APP_HOURS = [3.5, 2, 1, 0.5, 0.4, 0.6, 1.5, 3.5, 4.5, 4, 4, 4.5, 6.5, 6, 4.5, 4.5, 4.5, 5, 6, 7.5, 9, 10, 9, 6];

/**
 * Seconds after local midnight for an activity in a channel. Each person has a habitual hour; about half of
 * their activity clusters around it, so "active time slot" tags have something real to find.
 */
export function secondOfDay(rng: Rng, channel: Channel, habitualHour: number, holiday?: string): number {
  const profile = channel === 'store' ? STORE_HOURS : channel === 'app' ? APP_HOURS : ONLINE_HOURS;
  let hour: number;
  if (channel !== 'store' && holiday === 'singles_day' && rng.chance(0.25)) {
    hour = 0; // 11.11 sales open at midnight
  } else if (rng.chance(0.5)) {
    hour = Math.round(rng.normal(habitualHour, 1.3));
    if (channel === 'store') hour = Math.min(21, Math.max(10, hour));
    else hour = ((hour % 24) + 24) % 24;
  } else {
    hour = rng.weighted(profile);
  }
  return hour * 3600 + rng.int(0, 3599);
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** ISO 8601 in UTC with a Z, second precision: what most producers send. */
export function isoUtc(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}Z`;
}

/** Local wall-clock time without offset, as legacy tills send it. */
export function localWallClock(ms: number): string {
  const d = new Date(ms + OFFSET_MS);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

export type TimestampForm = 'iso' | 'local' | 'epoch_ms';

export function formatTimestamp(ms: number, form: TimestampForm): string | number {
  if (form === 'epoch_ms') return ms;
  return form === 'local' ? localWallClock(ms) : isoUtc(ms);
}

export const MS = { second: 1000, minute: 60_000, hour: 3_600_000, day: DAY_MS } as const;
