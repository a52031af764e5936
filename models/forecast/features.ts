/**
 * Features of the global one-step model. Every value feature is divided by the series' scale (its recent mean),
 * so that one set of weights serves small and large series alike. The same function builds training rows and,
 * during recursive forecasting, the rows whose lags are earlier forecasts; the ONNX graph takes its output as input.
 */
import { dayOfWeek, yearPhase, type Grain } from './series.ts';

export interface FeatureSpec {
  readonly grain: Grain;
  /** Periods in a season: 52 weeks or 7 days. */
  readonly season: number;
  /** Short lags, in periods. */
  readonly lags: readonly number[];
  /** Rolling means over the last w periods. */
  readonly rolling: readonly number[];
  /** Periods compared with the same periods a season earlier to adjust last season's value for growth. */
  readonly growthWindow: number;
  /** Pairs of yearly sine/cosine terms. */
  readonly fourier: number;
}

export const DEFAULT_SPECS: Record<Grain, FeatureSpec> = {
  week: { grain: 'week', season: 52, lags: [1, 2, 3], rolling: [4, 13, 52], growthWindow: 8, fourier: 4 },
  day: { grain: 'day', season: 7, lags: [1, 2, 7, 14], rolling: [7, 28], growthWindow: 28, fourier: 3 },
};

export function featureNames(spec: FeatureSpec): string[] {
  const names = spec.lags.map((k) => `lag_${k}`);
  names.push('lag_season', 'lag_season_mean3', 'lag_season_growth_adjusted');
  names.push(...spec.rolling.map((w) => `rolling_mean_${w}`));
  names.push('holiday', 'holiday_last_season', 'holiday_x_lag_season');
  for (let k = 1; k <= spec.fourier; k++) names.push(`year_sin_${k}`, `year_cos_${k}`);
  if (spec.grain === 'day') for (let d = 1; d < 7; d++) names.push(`day_of_week_${d}`);
  return names;
}

/** The scaled history of one series that rows are built from; `values` grows by one forecast per recursive step. */
export interface FeatureContext {
  /** Values divided by the series' scale. */
  readonly values: readonly number[];
  readonly holidays: readonly boolean[];
}

function mean(v: readonly number[], from: number, to: number): number {
  const a = Math.max(0, from);
  if (to <= a) return 1;
  let s = 0;
  for (let i = a; i < to; i++) s += v[i]!;
  return s / (to - a);
}

/** A feature row and the local level its value features (and the model's target) are divided by. */
export interface FeatureRow {
  readonly row: number[];
  readonly level: number;
}

/**
 * The feature row for period `t` from the periods before it. Value features are divided by the local level, the
 * mean of the season before `t`, so that rows from a growing series and from its early years look alike. A lag that
 * reaches before the series' start falls back to the mean of what there is.
 */
export function featureRow(spec: FeatureSpec, ctx: FeatureContext, t: number, day: number, holiday: boolean): FeatureRow {
  const { values: v, holidays } = ctx;
  const m = spec.season;
  const level = Math.abs(mean(v, t - m, t)) || 1;
  const fallback = mean(v, 0, t);
  const lag = (k: number) => (t - k >= 0 ? v[t - k]! : fallback) / level;
  const row = spec.lags.map(lag);
  const lastSeason = lag(m);
  const g = spec.growthWindow;
  const growth = t - m - g >= 0 ? Math.min(2, Math.max(0.5, mean(v, t - g, t) / (mean(v, t - m - g, t - m) || 1))) : 1;
  row.push(lastSeason, (lag(m - 1) + lastSeason + lag(m + 1)) / 3, lastSeason * growth);
  for (const w of spec.rolling) row.push(mean(v, t - w, t) / level);
  const h = holiday ? 1 : 0;
  row.push(h, t - m >= 0 && holidays[t - m] ? 1 : 0, h * lastSeason);
  const phase = 2 * Math.PI * yearPhase(day);
  for (let k = 1; k <= spec.fourier; k++) row.push(Math.sin(k * phase), Math.cos(k * phase));
  if (spec.grain === 'day') {
    const dow = dayOfWeek(day);
    for (let d = 1; d < 7; d++) row.push(dow === d ? 1 : 0);
  }
  return { row, level };
}

/** A series' scale: the mean absolute value of its last season (or all of it, if shorter); 1 for all-zero series. */
export function seriesScale(values: readonly number[], season: number): number {
  const from = Math.max(0, values.length - season);
  let s = 0;
  for (let i = from; i < values.length; i++) s += Math.abs(values[i]!);
  return s / Math.max(1, values.length - from) || 1;
}
