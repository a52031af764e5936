/**
 * Trains the CLV model as of a date: BG/NBD + Gamma-Gamma maximum likelihood on the purchase summary up to as-of,
 * the ONNX scorer, and the model card. With raw transactions it also backtests honestly inside the as-of window:
 * it refits as of (as-of - horizon) and scores "no order in the next horizon" against what happened up to as-of.
 *
 * Example (CDNOW, the must-show of issue 6):
 *   const model = trainClv({ transactions, asOf: '1997-09-30', unit: 'weeks' });
 *   model.card.bgnbd // { r: 0.2426, alpha: 4.4136, a: 0.7929, b: 2.4259, logLikelihood: -9582.43 }
 */
import { readModelInfo } from '../../src/onnx/index.ts';
import {
  Fingerprint,
  modelVersion,
  parseCard,
  secondsSince,
  type CardFeature,
  type ModelCard,
} from '../../src/models/index.ts';
import { fitBgNbd, pNoPurchase, expectedTransactions, type BgNbdFit, type BgNbdParams, type Rft } from './bgnbd.ts';
import { clvSchedule, type ClvSchedule } from './clv.ts';
import { ClvFitError, ClvInputError } from './errors.ts';
import { auc } from './evaluate.ts';
import { fitGammaGamma, type GammaGammaFit } from './gamma-gamma.ts';
import { CLV_FEATURES, CLV_INPUT, CLV_OUTPUTS, clvToOnnx, seriesTermsNeeded } from './onnx.ts';
import {
  DAYS_PER_UNIT,
  checkUnit,
  purchaseDaysInWindow,
  rfmSummary,
  utcDay,
  type CustomerSummary,
  type TimeUnit,
  type Transaction,
} from './rfm.ts';

export interface TrainClvOptions {
  /** Raw purchases; only those on or before asOf are used. Give this or `summary`. */
  readonly transactions?: readonly Transaction[];
  /** A summary already built as of asOf (rfmSummary). No backtest metrics without transactions. */
  readonly summary?: readonly CustomerSummary[];
  /** YYYY-MM-DD, the last day of data the model may see (the calibration end). */
  readonly asOf: string;
  /** Horizon of expected_orders and p_no_order. @default 90 */
  readonly horizonDays?: number;
  /** Horizon of clv. @default 365 */
  readonly clvHorizonDays?: number;
  /** Time unit of t_x, T and the fitted alpha. @default 'weeks' */
  readonly unit?: TimeUnit;
  /** @default 0.01 unless annualDiscountRate is given */
  readonly monthlyDiscountRate?: number;
  readonly annualDiscountRate?: number;
  /** Profit share of revenue; 1 = revenue CLV. @default 1 */
  readonly margin?: number;
  /** Clock for created_at and the training time. @default () => new Date() */
  readonly now?: () => Date;
}

/** The card fields the CLV model adds to the common card (issue 6: time unit weeks, stated on the card). */
export interface ClvCardSections {
  readonly time_unit: TimeUnit;
  readonly bgnbd: { readonly r: number; readonly alpha: number; readonly a: number; readonly b: number; readonly logLikelihood: number };
  readonly gammaGamma: { readonly p: number; readonly q: number; readonly gamma: number };
}

export type ClvCard = ModelCard & ClvCardSections;

export interface ClvModel {
  readonly version: string;
  readonly unit: TimeUnit;
  readonly bgnbd: BgNbdFit;
  readonly gammaGamma: GammaGammaFit;
  /** expected_orders / p_no_order horizon in model units. */
  readonly horizon: number;
  readonly clv: ClvSchedule;
  readonly onnx: Uint8Array;
  readonly card: ClvCard;
}

const FEATURE_MEANINGS: Record<(typeof CLV_FEATURES)[number], string> = {
  x: 'Repeat purchases: distinct purchase days after the first, up to the as-of date',
  t_x: 'Time from the first to the last purchase day, in the model time unit',
  T: 'Time from the first purchase day to the as-of date, in the model time unit',
  mean_spend: 'Mean spend per repeat purchase day (first purchase excluded; 0 when x = 0)',
};

function isoDay(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

interface Backtest {
  readonly cutoff: string;
  readonly customers: number;
  readonly aucPNoOrder: number | null;
  readonly aucRecency: number | null;
  /** Sum of predicted orders / sum of actual orders in the window: 1 is unbiased. */
  readonly ordersRatio: number | null;
  readonly note?: string;
}

/** Caps on a tried, in order, when the unconstrained fit cannot be exported (see fitScorableBgNbd). */
export const FALLBACK_MAX_A = [100, 30, 10] as const;

/** The BG/NBD fit used for scoring, and how it was reached. */
export interface ScorableFit {
  readonly fit: BgNbdFit;
  /** Set when the unconstrained fit could not be scored in ONNX and a bounded one was used instead. */
  readonly fallback?: { readonly maxA: number; readonly unconstrained: BgNbdFit; readonly reason: string };
}

function seriesFits(p: BgNbdParams, horizons: readonly number[]): string | undefined {
  try {
    for (const t of horizons) seriesTermsNeeded(p, t);
    return undefined;
  } catch (e) {
    if (e instanceof ClvInputError) return e.message;
    throw e;
  }
}

/**
 * Maximum-likelihood BG/NBD, falling back to a fit with a bounded (a, b can then not collapse to a near-constant
 * dropout probability with a in the hundreds) when the unconstrained optimum cannot be scored in ONNX at these
 * horizons: small or short lakes (a few hundred customers, a quarter of history) often carry almost no information
 * on how dropout varies between customers, and the likelihood runs off along a ridge to a ~ 1000, b ~ 1e5. The
 * bounded fit sits on the same ridge (nearly the same likelihood, both are reported) with a series that converges.
 */
export function fitScorableBgNbd(summary: readonly Rft[], horizons: readonly number[]): ScorableFit {
  const fit = fitBgNbd(summary);
  const reason = seriesFits(fit.params, horizons);
  if (reason === undefined) return { fit };
  for (const maxA of FALLBACK_MAX_A) {
    const bounded = fitBgNbd(summary, {}, { maxA });
    if (seriesFits(bounded.params, horizons) === undefined) return { fit: bounded, fallback: { maxA, unconstrained: fit, reason } };
  }
  throw new ClvFitError(`fitBgNbd: no fit with a <= ${FALLBACK_MAX_A.at(-1)} can be scored at horizons ${horizons.join(', ')}: ${reason}`);
}

/** Refit as of (asOf - horizon) and score the window (cutoff, asOf]: data and labels all end by asOf. */
function backtest(transactions: readonly Transaction[], asOf: string, horizonDays: number, unit: TimeUnit): Backtest {
  const cutoff = isoDay(utcDay(asOf) - Math.round(horizonDays));
  const horizon = (utcDay(asOf) - utcDay(cutoff)) / DAYS_PER_UNIT[unit];
  const summary = rfmSummary(transactions, cutoff, unit);
  const empty = (note: string): Backtest => ({ cutoff, customers: summary.length, aucPNoOrder: null, aucRecency: null, ordersRatio: null, note });
  if (!summary.some((c) => c.x > 0)) return empty(`backtest skipped: no repeat purchase by ${cutoff}`);
  const params = fitScorableBgNbd(summary, [horizon]).fit.params;
  const window = purchaseDaysInWindow(transactions, cutoff, asOf);
  const labels = summary.map((c) => !window.has(c.customerId));
  const actual = summary.reduce((s, c) => s + (window.get(c.customerId) ?? 0), 0);
  const predicted = summary.reduce((s, c) => s + expectedTransactions(params, c, horizon), 0);
  const bothClasses = labels.some(Boolean) && labels.some((l) => !l);
  return {
    cutoff,
    customers: summary.length,
    aucPNoOrder: bothClasses ? auc(summary.map((c) => pNoPurchase(params, c, horizon)), labels) : null,
    aucRecency: bothClasses ? auc(summary.map((c) => c.T - c.tx), labels) : null,
    ordersRatio: actual > 0 ? predicted / actual : null,
    ...(bothClasses ? {} : { note: 'backtest AUCs skipped: every customer in one class' }),
  };
}

/** Fits, exports and documents the CLV model as of `asOf`. */
export function trainClv(options: TrainClvOptions): ClvModel {
  const started = performance.now();
  const now = options.now ?? (() => new Date());
  const unit = checkUnit(options.unit ?? 'weeks');
  const horizonDays = options.horizonDays ?? 90;
  const clvHorizonDays = options.clvHorizonDays ?? 365;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(options.asOf)) throw new ClvInputError(`as-of ${JSON.stringify(options.asOf)}: expected YYYY-MM-DD`);
  if (!(Number.isInteger(horizonDays) && horizonDays > 0)) throw new ClvInputError(`horizonDays ${horizonDays}: expected a whole number of days > 0`);
  if ((options.transactions === undefined) === (options.summary === undefined)) {
    throw new ClvInputError('trainClv: expected exactly one of transactions and summary');
  }
  const summary = options.summary ?? rfmSummary(options.transactions!, options.asOf, unit);
  const horizon = horizonDays / DAYS_PER_UNIT[unit];
  const clv = clvSchedule({
    horizonDays: clvHorizonDays,
    unit,
    ...(options.annualDiscountRate !== undefined ? { annualDiscountRate: options.annualDiscountRate } : {}),
    ...(options.monthlyDiscountRate !== undefined ? { monthlyDiscountRate: options.monthlyDiscountRate } : {}),
    ...(options.margin !== undefined ? { margin: options.margin } : {}),
  });
  const scorable = fitScorableBgNbd(summary, [horizon, ...clv.times]);
  const bgnbd = scorable.fit;
  const fallback = scorable.fallback;
  const gammaGamma = fitGammaGamma(summary);
  const monthlyDiscountRate = clv.monthlyDiscountRate;

  const fingerprint = new Fingerprint()
    .update(Float64Array.from(summary.flatMap((c) => [c.x, c.tx, c.T, c.meanSpend])))
    .update({ unit, horizonDays, clvHorizonDays, monthlyDiscountRate, margin: clv.margin });
  const version = modelVersion('clv', options.asOf, fingerprint);
  const onnx = clvToOnnx({ bgnbd: bgnbd.params, gammaGamma: gammaGamma.params, horizon, clv, timeUnit: unit, version, asOf: options.asOf });
  const test = options.transactions ? backtest(options.transactions, options.asOf, horizonDays, unit) : undefined;

  const firstDay = options.transactions
    ? options.transactions.reduce((d, t) => Math.min(d, utcDay(t.at)), Infinity)
    : Infinity;
  const features: CardFeature[] = CLV_FEATURES.map((name) => ({
    name,
    column: name,
    meaning: FEATURE_MEANINGS[name],
    missing: 'none: rfmSummary computes every feature for every customer with a purchase',
    fill: 0,
    encoding: { kind: 'number' },
    skewed: false,
  }));
  const { r, alpha, a, b } = bgnbd.params;
  const { p, q, gamma } = gammaGamma.params;
  const sections: ClvCardSections = {
    time_unit: unit,
    bgnbd: { r, alpha, a, b, logLikelihood: bgnbd.logLikelihood },
    gammaGamma: { p, q, gamma },
  };
  const card: ClvCard = { ...parseCard({
    name: 'clv',
    version,
    description:
      `BG/NBD (Fader, Hardie & Lee 2005) for purchase counts and Gamma-Gamma (Fader & Hardie 2013) for spend: ` +
      `P(alive), expected orders and P(no order) in the next ${horizonDays} days, and expected ${clvHorizonDays}-day ` +
      `CLV discounted monthly. Time unit: ${unit}.`,
    as_of: options.asOf,
    data_window: { from: Number.isFinite(firstDay) && firstDay <= utcDay(options.asOf) ? isoDay(firstDay) : null, to: options.asOf },
    horizon_days: horizonDays,
    features,
    rows: { customers: summary.length, repeat_buyers: gammaGamma.customers },
    metrics: {
      bgnbd_log_likelihood: bgnbd.logLikelihood,
      gamma_gamma_log_likelihood: gammaGamma.logLikelihood,
      backtest_auc_p_no_order: test?.aucPNoOrder ?? null,
      backtest_auc_recency: test?.aucRecency ?? null,
      backtest_orders_predicted_over_actual: test?.ordersRatio ?? null,
      ...(fallback
        ? { bgnbd_fallback_max_a: fallback.maxA, bgnbd_unconstrained_log_likelihood: fallback.unconstrained.logLikelihood }
        : {}),
    },
    params: {
      time_unit: unit,
      horizon_days: horizonDays,
      clv_horizon_days: clvHorizonDays,
      monthly_discount_rate: monthlyDiscountRate,
      margin: clv.margin,
    },
    onnx: { input: CLV_INPUT, outputs: [...CLV_OUTPUTS], opsets: readModelInfo(onnx).opsets },
    training_seconds: secondsSince(started),
    created_at: now().toISOString(),
    notes: [
      `Time unit of t_x, T and alpha: ${unit}.`,
      'Use p_no_order, not 1 - p_alive, as a churn score: P(alive) is 1 for every customer without a repeat purchase.',
      'Gamma-Gamma assumes spend per purchase is independent of purchase frequency.',
      ...(test ? [`Backtest: refit as of ${test.cutoff} on ${test.customers} customers, scored on the ${horizonDays} days up to ${options.asOf}.`] : []),
      ...(test?.note ? [test.note] : []),
    ],
    ...(fallback
      ? {
          warnings: [
            `Fallback fit: the unconstrained BG/NBD fit collapsed (a ${fallback.unconstrained.params.a.toPrecision(4)}, ` +
              `b ${fallback.unconstrained.params.b.toPrecision(4)}: the data say almost nothing about how dropout varies between ` +
              `customers) and cannot be scored in ONNX (${fallback.reason}). Refitted with a <= ${fallback.maxA}: log-likelihood ` +
              `${bgnbd.logLikelihood.toFixed(2)} against ${fallback.unconstrained.logLikelihood.toFixed(2)} unconstrained. ` +
              'Treat P(alive) and CLV as rough until the lake holds more customers or a longer history.',
          ],
        }
      : {}),
    ...sections,
  }), ...sections };
  return { version, unit, bgnbd, gammaGamma, horizon, clv, onnx, card };
}
