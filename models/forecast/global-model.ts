/**
 * The global model: one ridge regression over the scaled rows of every series, predicting the next period from
 * lags, rolling means, last season's value (as is, smoothed, and growth-adjusted), holidays and the calendar.
 * Multi-step forecasts are recursive: each forecast becomes the lag of the next step.
 */
import { featureNames, featureRow, seriesScale, type FeatureSpec } from './features.ts';
import { predictRidge, RidgeGram } from './ridge.ts';
import { periodDay, type RegularSeries } from './series.ts';

export interface GlobalModel {
  readonly spec: FeatureSpec;
  readonly featureNames: readonly string[];
  /** On the raw feature row (standardisation folded in). */
  readonly weights: readonly number[];
  readonly intercept: number;
  readonly lambda: number;
  /** Training rows the weights were fitted on. */
  readonly rows: number;
}

/** Extra rows of history a series needs beyond one season before its rows start to count. */
const MIN_ROWS = 8;

/** The first period that gets a training row: one full season (and one more period) when the series has it. */
function firstRow(n: number, spec: FeatureSpec): number {
  const m = spec.season;
  if (n >= m + 1 + MIN_ROWS) return m + 1;
  return Math.min(Math.max(...spec.lags), Math.max(1, n - MIN_ROWS));
}

/** Calls `visit` with every training row (features, target relative to the row level) of every series. */
export function forEachTrainingRow(series: readonly RegularSeries[], spec: FeatureSpec, visit: (x: number[], y: number) => void): void {
  for (const s of series) {
    const scale = seriesScale(s.values, spec.season);
    const ctx = { values: s.values.map((v) => v / scale), holidays: s.holidays };
    for (let t = firstRow(s.values.length, spec); t < s.values.length; t++) {
      const { row, level } = featureRow(spec, ctx, t, periodDay(s, t), s.holidays[t]!);
      visit(row, ctx.values[t]! / level);
    }
  }
}

/** The feature the ridge shrinks towards: last season's value adjusted for growth (a strong forecast by itself). */
export const BASE_FEATURE = 'lag_season_growth_adjusted';

/**
 * Fits the ridge for each penalty from one pass over the rows. The ridge is fitted on the residual of the base
 * feature, then the base is added back with weight 1: the same linear function of the row, but the penalty pulls it
 * towards growth-adjusted seasonal naive instead of towards a constant, which matters for the peaks (holidays) that
 * few training rows contain.
 */
export function fitGlobalPath(series: readonly RegularSeries[], spec: FeatureSpec, lambdas: readonly number[]): GlobalModel[] {
  const names = featureNames(spec);
  const base = names.indexOf(BASE_FEATURE);
  const gram = new RidgeGram(names.length);
  forEachTrainingRow(series, spec, (x, y) => gram.add(x, y - x[base]!));
  return lambdas.map((lambda) => {
    const fit = gram.solve(lambda);
    const weights = fit.weights.map((w, j) => (j === base ? w + 1 : w));
    return { spec, featureNames: names, weights, intercept: fit.intercept, lambda, rows: gram.rows };
  });
}

export function fitGlobal(series: readonly RegularSeries[], spec: FeatureSpec, lambda: number): GlobalModel {
  return fitGlobalPath(series, spec, [lambda])[0]!;
}

/** One step: the scaled forecast of a feature row. This is the function the ONNX graph reproduces. */
export function predictScaled(model: Pick<GlobalModel, 'weights' | 'intercept'>, row: readonly number[]): number {
  return predictRidge(model, row);
}

/** One forecast step as the recursion sees it: the feature row that was used and the forecast it gave. */
export interface GlobalStep {
  readonly row: number[];
  readonly scale: number;
  readonly forecast: number;
}

/**
 * Recursive forecast of `horizon` periods after the end of `s`. `holidays[h]` flags period h + 1 after the end.
 * Forecasts of a series that never went negative are floored at 0.
 */
export function forecastGlobal(model: GlobalModel, s: RegularSeries, horizon: number, holidays: readonly boolean[]): GlobalStep[] {
  const { spec } = model;
  const scale = seriesScale(s.values, spec.season);
  const values = s.values.map((v) => v / scale);
  const flags = [...s.holidays];
  const nonNegative = s.values.every((v) => v >= 0);
  const steps: GlobalStep[] = [];
  for (let h = 0; h < horizon; h++) {
    const t = values.length;
    const { row, level } = featureRow(spec, { values, holidays: flags }, t, periodDay(s, t), holidays[h] ?? false);
    let z = predictScaled(model, row);
    if (nonNegative) z = Math.max(0, z);
    values.push(z * level);
    flags.push(holidays[h] ?? false);
    steps.push({ row, scale: scale * level, forecast: z * level * scale });
  }
  return steps;
}
