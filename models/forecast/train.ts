/**
 * Trains the forecaster as of a date and packages it like every lake model: a versioned model, the ONNX one-step
 * predictor, a model card with validation WAPE beside seasonal naive, and `model.json` with the state the recursive
 * forecast needs (members, Holt-Winters parameters, interval quantiles).
 *
 * Example:
 *   const t = trainForecastModel(series, { grain: 'week', asOf: '2012-01-27', horizon: 39 });
 *   const rows = forecast(t.model, series, { asOf: '2012-01-27', horizon: 39 }); // demand_forecasts rows
 *   await store.put('forecast', t.version, forecastArtifacts(t));
 */
import { readModelInfo } from '../../src/onnx/index.ts';
import { Fingerprint, modelArtifacts, modelVersion, parseCard, secondsSince, type CardFeature, type ModelCard, type ModelFiles } from '../../src/models/index.ts';
import { ForecastInputError } from './errors.ts';
import { trainForecast, type ForecastModel, type TrainForecastOptions } from './model.ts';
import { FORECAST_INPUT, FORECAST_OUTPUT, globalModelToOnnx } from './onnx.ts';
import { epochDay, isoDate, stepDays, type Series } from './series.ts';

export const MODEL_JSON = 'model.json';

export interface TrainForecastModelOptions extends Omit<TrainForecastOptions, 'version'> {
  /** Clock for created_at. @default () => new Date() */
  readonly now?: () => Date;
}

export interface TrainedForecast {
  readonly version: string;
  readonly model: ForecastModel;
  readonly onnx: Uint8Array;
  readonly card: ModelCard;
}

const MEANINGS: Record<string, string> = {
  lag_season: 'Value one season earlier',
  lag_season_mean3: 'Mean of the values one season earlier and the periods either side of it',
  lag_season_growth_adjusted: 'Value one season earlier times the growth of the recent window over the same window a season earlier',
  holiday: 'The period holds a holiday (1/0)',
  holiday_last_season: 'The period one season earlier held a holiday (1/0)',
  holiday_x_lag_season: 'holiday times lag_season: how big last season was, when this period is a holiday',
};

function meaning(name: string): string {
  if (MEANINGS[name]) return MEANINGS[name]!;
  const [kind, , n] = name.split('_');
  if (name.startsWith('lag_')) return `Value ${name.slice(4)} period(s) earlier`;
  if (name.startsWith('rolling_mean_')) return `Mean of the last ${name.slice(13)} periods`;
  if (kind === 'year') return `${name.includes('sin') ? 'Sine' : 'Cosine'} of ${n} x 2 pi x (day of year / 365.25): yearly calendar`;
  if (name.startsWith('day_of_week_')) return `Day of week is ${['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][Number(name.slice(12))]} (1/0)`;
  return name;
}

/** Fits, exports and documents the forecaster. */
export function trainForecastModel(series: readonly Series[], options: TrainForecastModelOptions): TrainedForecast {
  const started = performance.now();
  const now = options.now ?? (() => new Date());
  const fp = new Fingerprint();
  for (const s of series) fp.update(s.series_id).update(s.period_start.join(',')).update(Float64Array.from(s.value)).update((s.holiday ?? []).map(Number));
  const { now: _now, ...params } = options;
  fp.update(params);
  const version = modelVersion('forecast', options.asOf, fp);
  const model = trainForecast(series, { ...params, version });
  if (!model.global) throw new ForecastInputError('the ONNX artifact is the global model: keep global_ridge among the candidate members');
  const onnx = globalModelToOnnx(model.global, { version, asOf: options.asOf });
  const cut = epochDay(options.asOf);
  let first = Infinity; // a loop: Math.min(...) over every period overflows the stack on long daily series
  for (const s of series) for (const p of s.period_start) if (epochDay(p) <= cut) first = Math.min(first, epochDay(p));
  const features: CardFeature[] = model.global.featureNames.map((name) => ({
    name,
    column: 'series value / level',
    meaning: meaning(name),
    missing: 'missing periods count as 0; a lag before the series start takes the mean of the history',
    fill: 0,
    encoding: { kind: 'number' },
    skewed: false,
  }));
  const v = model.validation;
  // WAPE is undefined when the validation window holds no demand at all (a small or new shop): null in the card, and
  // a warning, rather than a card that cannot be written.
  const finite = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);
  const noDemand = !Number.isFinite(v.chosenWape);
  const usesGlobal = model.members.includes('global_ridge');
  const sections = {
    validation: { from: v.from, to: v.to, periods: v.periods, series: v.series, wape_by_candidate: Object.fromEntries(Object.entries(v.wape).map(([k, x]) => [k, finite(x)])) },
    intervals: { level: model.intervals.level, lower_by_step: model.intervals.lower, upper_by_step: model.intervals.upper },
  };
  const card = parseCard({
    name: 'forecast',
    version,
    description:
      `Demand forecast per series at ${model.grain} grain: ${model.members.join(' + ')} (equal-weight mean), chosen ` +
      `among seasonal naive, growth-adjusted seasonal naive, damped Holt-Winters (additive, multiplicative) and a ` +
      `global ridge model by WAPE on the last ${v.periods} periods before as-of. Intervals from validation residuals.`,
    as_of: options.asOf,
    data_window: { from: Number.isFinite(first) ? isoDate(first) : null, to: options.asOf },
    horizon_days: options.horizon * stepDays(model.grain),
    features,
    rows: { series: model.seriesCount, training_rows: model.global.rows, validation_periods: v.periods },
    metrics: {
      validation_wape: finite(v.chosenWape),
      validation_wape_seasonal_naive: finite(v.seasonalNaiveWape),
      validation_wape_global_ridge: finite(v.wape.global_ridge),
      interval_level: model.intervals.level,
    },
    params: {
      grain: model.grain,
      season: model.season,
      horizon_periods: options.horizon,
      members: model.members,
      ridge_lambda: model.global.lambda,
    },
    onnx: { input: FORECAST_INPUT, outputs: [FORECAST_OUTPUT], opsets: readModelInfo(onnx).opsets },
    training_seconds: secondsSince(started),
    created_at: now().toISOString(),
    notes: [
      'The ONNX graph is the global model\'s one-step predictor: features -> forecast in units of the row level (mean of the last season); multiply by it.',
      'Multi-step forecasts are recursive (each forecast becomes the next step\'s lag) and run in TypeScript; model.json holds the members, Holt-Winters parameters and interval quantiles.',
      usesGlobal
        ? 'The global model is part of the chosen forecaster.'
        : `The chosen forecaster does not use the global model (validation WAPE ${(100 * (v.wape.global_ridge ?? NaN)).toFixed(2)}%); the ONNX file is kept for comparison.`,
      `Future holidays default to the flag of the same period one season earlier.`,
    ],
    ...(noDemand ? { warnings: [`no demand in the validation window (${v.from} to ${v.to}, ${v.series} series): WAPE is undefined, so the forecaster (${model.members.join(' + ')}) was not chosen by accuracy`] } : {}),
    ...sections,
  });
  return { version, model, onnx, card };
}

/** model.onnx, card.json, card.md and model.json, ready for ModelStore.put. */
export function forecastArtifacts(t: TrainedForecast): ModelFiles {
  return { ...modelArtifacts(t.onnx, t.card), [MODEL_JSON]: new TextEncoder().encode(JSON.stringify(t.model)) };
}

/** Reads model.json back. */
export function parseForecastModel(bytes: Uint8Array): ForecastModel {
  const m = JSON.parse(new TextDecoder().decode(bytes)) as ForecastModel;
  if (m.kind !== 'forecast') throw new ForecastInputError(`expected a forecast model.json, received kind ${JSON.stringify(m.kind)}`);
  return m;
}
