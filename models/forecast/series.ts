/**
 * Time series at day or week grain, put on a regular grid. Every forecaster works on the regular form: one value
 * per period from the series' first period up to the as-of date, with missing periods filled with 0 (the series are
 * demand: a period with no orders sold nothing).
 */
import { ForecastInputError } from './errors.ts';

export type Grain = 'day' | 'week';

/** One series as it comes from order lines or `import-series`. Arrays are parallel; dates are `YYYY-MM-DD`. */
export interface Series {
  readonly series_id: string;
  readonly period_start: readonly string[];
  readonly value: readonly number[];
  /** Whether the period holds a holiday; missing means no holiday. */
  readonly holiday?: readonly boolean[];
}

/** A series on its grid: `values[k]` is the period starting `start + k * step` days after 1970-01-01. */
export interface RegularSeries {
  readonly id: string;
  /** Epoch day of the first period. */
  readonly start: number;
  /** Days between period starts: 1 or 7. */
  readonly step: number;
  readonly values: number[];
  readonly holidays: boolean[];
}

const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of a `YYYY-MM-DD` date; throws on anything else. */
export function epochDay(date: string): number {
  const m = ISO_DATE.exec(date);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(ms) || isoDate(ms / DAY_MS) !== date) {
    throw new ForecastInputError(`expected a date as YYYY-MM-DD, received ${JSON.stringify(date)}`);
  }
  return ms / DAY_MS;
}

/** `YYYY-MM-DD` of an epoch day. */
export function isoDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function stepDays(grain: Grain): number {
  return grain === 'week' ? 7 : 1;
}

/** Day of the year, 0-based, as a fraction of the year: the phase of yearly seasonality. */
export function yearPhase(day: number): number {
  const d = new Date(day * DAY_MS);
  const jan1 = Date.UTC(d.getUTCFullYear(), 0, 1) / DAY_MS;
  return (day - jan1) / 365.25;
}

/** Day of week, 0 = Sunday. */
export function dayOfWeek(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

/**
 * Puts a series on its grid and cuts it at `asOf` (periods starting on or before it are history). Values on the
 * same period are summed, missing periods are 0, and the grid is extended with zeros up to `asOf`. Returns
 * undefined when the series has no period on or before `asOf`.
 */
export function regularise(series: Series, grain: Grain, asOf?: string): RegularSeries | undefined {
  const { series_id: id, period_start: dates, value, holiday } = series;
  if (dates.length !== value.length || (holiday && holiday.length !== dates.length)) {
    throw new ForecastInputError(
      `series ${id}: period_start, value and holiday must have the same length, received ${dates.length}, ` +
        `${value.length} and ${holiday?.length ?? 'none'}`,
    );
  }
  const step = stepDays(grain);
  const days = dates.map(epochDay);
  if (days.length === 0) return undefined;
  const start = Math.min(...days);
  const cut = asOf === undefined ? Math.max(...days) : epochDay(asOf);
  if (cut < start) return undefined;
  const n = Math.floor((cut - start) / step) + 1;
  const values = new Array<number>(n).fill(0);
  const holidays = new Array<boolean>(n).fill(false);
  for (let i = 0; i < days.length; i++) {
    const offset = days[i]! - start;
    if (offset % step !== 0) {
      throw new ForecastInputError(
        `series ${id}: at ${grain} grain every period_start must be a multiple of ${step} days after the first ` +
          `(${isoDate(start)}), received ${dates[i]}`,
      );
    }
    const v = value[i]!;
    if (!Number.isFinite(v)) throw new ForecastInputError(`series ${id}: value at ${dates[i]} must be a finite number, received ${v}`);
    const k = offset / step;
    if (k >= n) continue;
    values[k]! += v;
    if (holiday?.[i]) holidays[k] = true;
  }
  return { id, start, step, values, holidays };
}

/** Epoch day of period `k` of a regular series. */
export function periodDay(s: Pick<RegularSeries, 'start' | 'step'>, k: number): number {
  return s.start + k * s.step;
}
