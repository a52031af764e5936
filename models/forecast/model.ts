/**
 * Demand forecasting: candidate members (seasonal naive, seasonal naive adjusted for growth, damped Holt-Winters
 * additive and multiplicative, the global ridge model) are fitted on the history up to a validation cut, scored by
 * WAPE on the periods after it, and the best single member or equal-weight ensemble of the best ones is kept.
 * Prediction intervals come from the chosen forecaster's validation residuals, per horizon step, widening with it.
 */
import { ForecastInputError } from './errors.ts';
import { DEFAULT_SPECS, seriesScale, type FeatureSpec } from './features.ts';
import { fitGlobal, fitGlobalPath, forecastGlobal, type GlobalModel } from './global-model.ts';
import { canMultiply, fitHoltWinters, holtWintersForecast, type HoltWintersParams, type Seasonality } from './holt-winters.ts';
import { quantile, wape } from './metrics.ts';
import { seasonalNaive, seasonalNaiveAdjusted } from './seasonal-naive.ts';
import { epochDay, isoDate, periodDay, regularise, type Grain, type RegularSeries, type Series } from './series.ts';

export const MEMBERS = [
  'seasonal_naive',
  'seasonal_naive_adjusted',
  'holt_winters_additive',
  'holt_winters_multiplicative',
  'global_ridge',
] as const;
export type Member = (typeof MEMBERS)[number];

export interface TrainForecastOptions {
  readonly grain: Grain;
  /** Only periods starting on or before this date (`YYYY-MM-DD`) are used. */
  readonly asOf: string;
  /** Periods to forecast; sets the default validation length. */
  readonly horizon: number;
  /**
   * Periods held out at the end of the history to choose the forecaster.
   * @default the horizon, shortened so that the fit keeps a season and a quarter of history
   */
  readonly validationPeriods?: number;
  /** Ridge penalties tried for the global model; large ones pull it towards growth-adjusted seasonal naive. @default [1, 10, 100, 1000, 10000] */
  readonly lambdas?: readonly number[];
  /** Central coverage of the prediction interval. @default 0.8 */
  readonly intervalLevel?: number;
  /** Members that may be chosen. @default all of MEMBERS */
  readonly members?: readonly Member[];
  /** @default `forecast-${asOf}` */
  readonly version?: string;
  /** Overrides the default features of the grain. */
  readonly featureSpec?: FeatureSpec;
}

/** Interval offsets in units of the series' scale, per horizon step 1..n; beyond n they grow with sqrt(h / n). */
export interface IntervalQuantiles {
  readonly level: number;
  readonly lower: readonly number[];
  readonly upper: readonly number[];
}

export interface ValidationReport {
  readonly periods: number;
  readonly from: string;
  readonly to: string;
  readonly series: number;
  /** WAPE of every single member and of every ensemble tried, keyed by `a+b`. */
  readonly wape: Readonly<Record<string, number>>;
  readonly chosenWape: number;
  readonly seasonalNaiveWape: number;
}

export interface ForecastModel {
  readonly kind: 'forecast';
  readonly version: string;
  readonly grain: Grain;
  readonly season: number;
  readonly spec: FeatureSpec;
  readonly asOf: string;
  /** Members averaged with equal weights. */
  readonly members: readonly Member[];
  /** The global ridge, fitted whenever it was a candidate (used only if listed in `members`). */
  readonly global?: GlobalModel;
  /** Holt-Winters parameters per series, fitted on the full history. */
  readonly holtWinters: Readonly<Record<string, Partial<Record<Seasonality, HoltWintersParams>>>>;
  readonly intervals: IntervalQuantiles;
  readonly validation: ValidationReport;
  readonly seriesCount: number;
}

export interface ForecastRow {
  readonly series_id: string;
  readonly period_start: string;
  readonly forecast: number;
  readonly lower: number;
  readonly upper: number;
  readonly model_version: string;
  readonly as_of: string;
}

/** Fitted state of every member on one history; Holt-Winters falls back to seasonal naive where it cannot fit. */
interface Fitted {
  readonly season: number;
  /** Periods compared a season apart by the growth-adjusted seasonal naive. */
  readonly growthWindow: number;
  readonly global?: GlobalModel;
  readonly holtWinters: Record<string, Partial<Record<Seasonality, HoltWintersParams>>>;
}

function fitMembers(series: readonly RegularSeries[], members: readonly Member[], spec: FeatureSpec, lambda: number): Fitted {
  const m = spec.season;
  const holtWinters: Fitted['holtWinters'] = {};
  for (const s of series) {
    const params: Partial<Record<Seasonality, HoltWintersParams>> = {};
    // Two parameters more than a season leaves too few one-step errors to fit four parameters on.
    if (s.values.length >= m + Math.max(8, m / 4)) {
      if (members.includes('holt_winters_additive')) params.additive = fitHoltWinters(s.values, m, 'additive');
      if (members.includes('holt_winters_multiplicative') && canMultiply(s.values)) {
        params.multiplicative = fitHoltWinters(s.values, m, 'multiplicative');
      }
    }
    holtWinters[s.id] = params;
  }
  const global = members.includes('global_ridge') ? fitGlobal(series, spec, lambda) : undefined;
  return { season: m, growthWindow: spec.growthWindow, global, holtWinters };
}

/** Holiday flags of the `horizon` periods after the history: the flag one season earlier, unless a calendar is given. */
function futureHolidays(s: RegularSeries, season: number, horizon: number, calendar?: (periodStart: string) => boolean): boolean[] {
  const flags = [...s.holidays];
  const n = s.values.length;
  for (let h = 0; h < horizon; h++) {
    const t = n + h;
    flags.push(calendar ? calendar(isoDate(periodDay(s, t))) : t - season >= 0 && flags[t - season]!);
  }
  return flags.slice(n);
}

function memberForecast(member: Member, fitted: Fitted, s: RegularSeries, horizon: number, holidays: readonly boolean[]): number[] {
  const m = fitted.season;
  const fallback = () => seasonalNaiveAdjusted(s.values, m, horizon, fitted.growthWindow);
  switch (member) {
    case 'seasonal_naive':
      return seasonalNaive(s.values, m, horizon);
    case 'seasonal_naive_adjusted':
      return fallback();
    case 'holt_winters_additive':
    case 'holt_winters_multiplicative': {
      const p = fitted.holtWinters[s.id]?.[member === 'holt_winters_additive' ? 'additive' : 'multiplicative'];
      if (!p) return fallback();
      const f = holtWintersForecast(s.values, m, p, horizon);
      return s.values.every((v) => v >= 0) ? f.map((v) => Math.max(0, v)) : f;
    }
    case 'global_ridge':
      if (!fitted.global) return fallback();
      return forecastGlobal(fitted.global, s, horizon, holidays).map((step) => step.forecast);
  }
}

function average(forecasts: readonly (readonly number[])[]): number[] {
  return forecasts[0]!.map((_, h) => forecasts.reduce((a, f) => a + f[h]!, 0) / forecasts.length);
}

function cut(s: RegularSeries, n: number): RegularSeries {
  return { ...s, values: s.values.slice(0, n), holidays: s.holidays.slice(0, n) };
}

/** Trains the forecaster on every series' history up to `asOf`. */
export function trainForecast(input: readonly Series[], options: TrainForecastOptions): ForecastModel {
  const { grain, asOf, horizon } = options;
  if (!Number.isInteger(horizon) || horizon < 1) throw new ForecastInputError(`horizon must be an integer >= 1, received ${horizon}`);
  const spec = options.featureSpec ?? DEFAULT_SPECS[grain];
  const m = spec.season;
  const members = options.members ?? MEMBERS;
  const lambdas = options.lambdas ?? [1, 10, 100, 1000, 10000];
  const level = options.intervalLevel ?? 0.8;
  const series = input.map((s) => regularise(s, grain, asOf)).filter((s): s is RegularSeries => s !== undefined);
  if (series.length === 0) throw new ForecastInputError(`no series has a period on or before as-of ${asOf}`);
  const longest = Math.max(...series.map((s) => s.values.length));
  // Validate on the horizon that will be forecast, as long as the fit keeps a season and a quarter.
  const room = longest - m - Math.max(8, Math.ceil(m / 4));
  const v = options.validationPeriods ?? Math.max(1, Math.min(horizon, room > 0 ? room : Math.floor(longest / 4)));
  // Validation: fit on all but the last v periods of each series long enough to spare them.
  const heldOut = series.filter((s) => s.values.length > v + 2);
  if (heldOut.length === 0) throw new ForecastInputError(`no series is longer than the ${v + 2} periods validation needs`);
  const fits = heldOut.map((s) => cut(s, s.values.length - v));
  const actual = heldOut.flatMap((s) => s.values.slice(-v));
  const holidays = heldOut.map((s) => s.holidays.slice(-v));
  const forecastsOf = (member: Member, fitted: Fitted) =>
    fits.map((s, i) => memberForecast(member, fitted, s, v, holidays[i]!));

  const classical = fitMembers(fits, members.filter((x) => x !== 'global_ridge'), spec, 0);
  const byMember = new Map<Member, number[][]>();
  for (const member of members) if (member !== 'global_ridge') byMember.set(member, forecastsOf(member, classical));
  let lambda = lambdas[0]!;
  if (members.includes('global_ridge')) {
    let best = Infinity;
    const path = fitGlobalPath(fits, spec, lambdas);
    for (const [i, l] of lambdas.entries()) {
      const f = forecastsOf('global_ridge', { ...classical, global: path[i]! });
      const score = wape(actual, f.flat());
      if (score < best) [best, lambda] = [score, l];
      if (score <= best) byMember.set('global_ridge', f);
    }
  }

  const scores: Record<string, number> = {};
  const ranked = [...byMember.entries()]
    .map(([member, f]) => ({ members: [member], forecasts: f, wape: wape(actual, f.flat()) }))
    .sort((a, b) => a.wape - b.wape);
  for (const r of ranked) scores[r.members[0]!] = r.wape;
  let chosen = ranked[0]!;
  for (let k = 2; k <= Math.min(3, ranked.length); k++) {
    const top = ranked.slice(0, k);
    const f = fits.map((_, i) => average(top.map((r) => r.forecasts[i]!)));
    const candidate = { members: top.flatMap((r) => r.members), forecasts: f, wape: wape(actual, f.flat()) };
    scores[candidate.members.join('+')] = candidate.wape;
    if (candidate.wape < chosen.wape) chosen = candidate;
  }

  const intervals = intervalQuantiles(fits, heldOut, chosen.forecasts, v, m, level);
  const full = fitMembers(series, chosen.members, spec, lambda);
  // The global model is fitted even when the ensemble leaves it out: it is the ONNX artifact, and the card says so.
  const global = full.global ?? (members.includes('global_ridge') ? fitGlobal(series, spec, lambda) : undefined);
  const firstHeldOut = Math.min(...heldOut.map((s) => periodDay(s, s.values.length - v)));
  return {
    kind: 'forecast',
    version: options.version ?? `forecast-${asOf}`,
    grain,
    season: m,
    spec,
    asOf,
    members: chosen.members,
    global,
    holtWinters: full.holtWinters,
    intervals,
    validation: {
      periods: v,
      from: isoDate(firstHeldOut),
      to: asOf,
      series: heldOut.length,
      wape: scores,
      chosenWape: chosen.wape,
      seasonalNaiveWape: wape(actual, fits.map((s) => seasonalNaive(s.values, m, v)).flat()),
    },
    seriesCount: series.length,
  };
}

/**
 * Quantiles of the validation residuals in units of each series' scale, per horizon step (pooled with the steps
 * next to it, for enough samples), made to widen monotonically with the horizon and to contain the forecast.
 */
function intervalQuantiles(
  fits: readonly RegularSeries[],
  heldOut: readonly RegularSeries[],
  forecasts: readonly (readonly number[])[],
  v: number,
  m: number,
  level: number,
): IntervalQuantiles {
  const residuals: number[][] = Array.from({ length: v }, () => []);
  heldOut.forEach((s, i) => {
    const scale = seriesScale(fits[i]!.values, m);
    const actual = s.values.slice(-v);
    for (let h = 0; h < v; h++) residuals[h]!.push((actual[h]! - forecasts[i]![h]!) / scale);
  });
  const lower: number[] = [];
  const upper: number[] = [];
  const tail = (1 - level) / 2;
  for (let h = 0; h < v; h++) {
    const pooled = residuals.slice(Math.max(0, h - 1), h + 2).flat();
    lower.push(Math.min(0, quantile(pooled, tail), lower[h - 1] ?? 0));
    upper.push(Math.max(0, quantile(pooled, 1 - tail), upper[h - 1] ?? 0));
  }
  return { level, lower, upper };
}

function intervalAt(q: IntervalQuantiles, h: number): [number, number] {
  const n = q.lower.length;
  if (h <= n) return [q.lower[h - 1]!, q.upper[h - 1]!];
  const grow = Math.sqrt(h / n);
  return [q.lower[n - 1]! * grow, q.upper[n - 1]! * grow];
}

export interface ForecastOptions {
  /** Forecasts start with the first period after this date; history is what starts on or before it. */
  readonly asOf: string;
  readonly horizon: number;
  /** Whether a future period holds a holiday. @default the flag of the same period one season earlier */
  readonly holidays?: (periodStart: string) => boolean;
}

/** Forecast rows (the `demand_forecasts` table) for the `horizon` periods after `asOf` of every series. */
export function forecast(model: ForecastModel, input: readonly Series[], options: ForecastOptions): ForecastRow[] {
  const rows: ForecastRow[] = [];
  const spec = model.spec;
  const fitted: Fitted = { season: model.season, growthWindow: spec.growthWindow, global: model.global, holtWinters: { ...model.holtWinters } };
  for (const raw of input) {
    const s = regularise(raw, model.grain, options.asOf);
    if (!s) continue;
    if (!fitted.holtWinters[s.id] && model.members.some((x) => x.startsWith('holt_winters'))) {
      // A series the model has not seen: fit its smoothing parameters now.
      fitted.holtWinters[s.id] = fitMembers([s], model.members.filter((x) => x !== 'global_ridge'), spec, 0).holtWinters[s.id]!;
    }
    const holidays = futureHolidays(s, model.season, options.horizon, options.holidays);
    const f = average(model.members.map((member) => memberForecast(member, fitted, s, options.horizon, holidays)));
    const scale = seriesScale(s.values, model.season);
    const nonNegative = s.values.every((x) => x >= 0);
    const n = s.values.length;
    for (let h = 1; h <= options.horizon; h++) {
      const [lo, hi] = intervalAt(model.intervals, h);
      const point = f[h - 1]!;
      const lower = point + lo * scale;
      rows.push({
        series_id: s.id,
        period_start: isoDate(periodDay(s, n - 1 + h)),
        forecast: point,
        lower: nonNegative ? Math.max(0, lower) : lower,
        upper: point + hi * scale,
        model_version: model.version,
        as_of: options.asOf,
      });
    }
  }
  return rows;
}

export interface HoldoutReport {
  readonly periods: number;
  readonly wape: number;
  readonly seasonalNaiveWape: number;
  /** Share of actuals inside [lower, upper]. */
  readonly intervalCoverage: number;
}

/**
 * Scores forecast rows against the actual values of the same series and periods, beside seasonal naive at `lag`
 * periods computed from the same series. Periods without an actual value are skipped.
 */
export function scoreHoldout(rows: readonly ForecastRow[], actuals: readonly Series[], grain: Grain, lag: number): HoldoutReport {
  const byId = new Map(actuals.map((s) => [s.series_id, s]));
  const step = grain === 'week' ? 7 : 1;
  const a: number[] = [];
  const f: number[] = [];
  const naive: number[] = [];
  let covered = 0;
  for (const row of rows) {
    const s = byId.get(row.series_id);
    if (!s) continue;
    const index = new Map(s.period_start.map((d, i) => [epochDay(d), s.value[i]!]));
    const day = epochDay(row.period_start);
    const actual = index.get(day);
    const past = index.get(day - lag * step);
    if (actual === undefined || past === undefined) continue;
    a.push(actual);
    f.push(row.forecast);
    naive.push(past);
    if (actual >= row.lower && actual <= row.upper) covered++;
  }
  return { periods: a.length, wape: wape(a, f), seasonalNaiveWape: wape(a, naive), intervalCoverage: covered / a.length };
}
