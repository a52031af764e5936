/** Synthetic demand series with known structure (yearly season, growth, holiday peaks, noise) for forecast tests. */
import type { Series } from '../../../models/forecast/index.ts';

/** mulberry32: a tiny seeded generator, enough for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

const DAY_MS = 86_400_000;
const iso = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

export interface SyntheticOptions {
  readonly series?: number;
  readonly periods?: number;
  readonly grain?: 'week' | 'day';
  /** First period, YYYY-MM-DD. */
  readonly start?: string;
  /** Noise as a fraction of the level. */
  readonly noise?: number;
  readonly seed?: number;
}

/**
 * Weekly: a yearly shape shared by all series with a per-series twist, 5-15% yearly growth, a holiday week each year
 * (week 47) with a 40% peak. Daily: a day-of-week pattern instead of the yearly one (weekend peaks).
 */
export function syntheticSeries(options: SyntheticOptions = {}): Series[] {
  const { series = 8, grain = 'week', noise = 0.04, seed = 7 } = options;
  const periods = options.periods ?? (grain === 'week' ? 156 : 364);
  const r = rng(seed);
  const start = Date.parse(`${options.start ?? '2021-01-01'}T00:00:00Z`) / DAY_MS;
  const step = grain === 'week' ? 7 : 1;
  return Array.from({ length: series }, (_, i) => {
    const base = 200 + 1800 * r();
    const growth = 0.05 + 0.1 * r();
    const twist = 0.1 * r();
    const period_start: string[] = [];
    const value: number[] = [];
    const holiday: boolean[] = [];
    for (let t = 0; t < periods; t++) {
      const day = start + t * step;
      const years = (t * step) / 365.25;
      const phase = 2 * Math.PI * years;
      let shape: number;
      let isHoliday = false;
      if (grain === 'week') {
        shape = 1 + 0.25 * Math.sin(phase) + twist * Math.cos(2 * phase);
        isHoliday = t % 52 === 46;
      } else {
        const dow = new Date(day * DAY_MS).getUTCDay();
        shape = (dow === 0 || dow === 6 ? 1.5 : 1) * (1 + 0.1 * Math.sin(phase));
      }
      const level = base * (1 + growth) ** years * shape * (isHoliday ? 1.4 : 1);
      period_start.push(iso(day));
      value.push(Math.max(0, level * (1 + noise * normal(r))));
      holiday.push(isHoliday);
    }
    return { series_id: `s${i}`, period_start, value, holiday };
  });
}
