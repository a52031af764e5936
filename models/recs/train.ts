/**
 * Trains the recommender as of a date and packages it like every lake model: versioned, the ONNX scorer, a card
 * whose hit rate, MAP and recall @k come from a backtest inside the as-of window (refit as of asOf - testDays, score
 * the purchases of the next testDays up to asOf) beside "most popular products" and "the customer's own products"
 * (repeat purchase), and `model.json` with the neighbour lists, popularity and blend weights.
 *
 * Example:
 *   const t = trainRecsModel(purchases, { asOf: '2024-06-30' });
 *   const lists = recommend(t.model, purchases, { k: 10 }); // customer_scores.next_best_products
 */
import { readModelInfo } from '../../src/onnx/index.ts';
import { Fingerprint, modelArtifacts, modelVersion, parseCard, secondsSince, type ModelCard, type ModelFiles } from '../../src/models/index.ts';
import { RecsInputError } from './errors.ts';
import { evaluateHitRate, purchaseDay, SIMILAR_ONLY, trainRecs, type HitRateReport, type Purchase, type RecommendOptions, type RecsModel, type TrainRecsOptions } from './model.ts';
import { MAX_ONNX_ITEMS, RECS_INPUT, RECS_OUTPUT, recsToOnnx } from './onnx.ts';

export const MODEL_JSON = 'model.json';

export interface TrainRecsModelOptions extends Omit<TrainRecsOptions, 'version' | 'asOf'>, Omit<RecommendOptions, 'asOf'> {
  readonly asOf: string;
  /** Days scored by the backtest, ending at as-of. @default 30 */
  readonly testDays?: number;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export interface TrainedRecs {
  readonly version: string;
  readonly model: RecsModel;
  readonly onnx: Uint8Array;
  readonly card: ModelCard;
  readonly backtest: HitRateReport | undefined;
}

const isoDay = (day: number) => new Date(day * 86_400_000).toISOString().slice(0, 10);

export function trainRecsModel(purchases: readonly Purchase[], options: TrainRecsModelOptions): TrainedRecs {
  const started = performance.now();
  const now = options.now ?? (() => new Date());
  const { now: _now, testDays = 30, ...rest } = options;
  const cut = purchaseDay(options.asOf);
  const seen = purchases.filter((p) => purchaseDay(p.at) <= cut);
  if (seen.length === 0) throw new RecsInputError(`no purchase on or before as-of ${options.asOf}`);
  const params = { ...rest, maxItems: options.maxItems ?? MAX_ONNX_ITEMS };
  const fp = new Fingerprint().update(seen.map((p) => `${p.customer_id}\u0001${p.item_id}\u0001${p.at}`).sort().join('\n')).update(params);
  const version = modelVersion('recs', options.asOf, fp);
  const model = trainRecs(seen, { ...params, version });
  const onnx = recsToOnnx(model);
  const k = options.k ?? 10;
  const backtestAsOf = isoDay(cut - testDays);
  let backtest: HitRateReport | undefined;
  try {
    backtest = evaluateHitRate(seen, { ...params, asOf: backtestAsOf, testDays });
  } catch (e) {
    if (!(e instanceof RecsInputError)) throw e;
  }
  const usable = backtest && backtest.customers > 0 ? backtest : undefined;
  // A loop, not Math.min(...): a spread of 100k+ purchases overflows the call stack.
  let first = Infinity;
  for (const p of seen) first = Math.min(first, purchaseDay(p.at));
  const card = parseCard({
    name: 'recs',
    version,
    description:
      `Next-best products: a blend of the customer's own purchases (repeat, weight ${model.weights.repeat}), item-to-item ` +
      `collaborative filtering (cosine over customers x products, shrunk when few customers back it; weight ${model.weights.similar}) ` +
      `and the bestsellers of the last ${model.params.popularityDays} days (weight ${model.weights.popular}); purchases weigh less as they age; ` +
      `excluding products bought in the last ${options.excludeDays ?? 30} days.`,
    as_of: options.asOf,
    data_window: { from: isoDay(first), to: options.asOf },
    horizon_days: testDays,
    features: [
      ...model.items.map((it) => ({
        name: `bought:${it}`,
        column: 'purchases.item_id',
        meaning: `0.5 ^ (days since the customer last bought ${it} / half-life), 0 if never`,
        missing: 'never bought',
        fill: 0,
        encoding: { kind: 'number' as const },
        skewed: false,
      })),
      ...model.items.map((it) => ({
        name: `repeat:${it}`,
        column: 'purchases.item_id',
        meaning: `sum over the customer's orders holding ${it} of 0.5 ^ (days ago / half-life), 0 if never`,
        missing: 'never bought',
        fill: 0,
        encoding: { kind: 'number' as const },
        skewed: true,
      })),
    ],
    rows: { customers: model.counts.customers, products: model.counts.items, customer_products: model.counts.customerItems },
    metrics: {
      [`backtest_hit_rate_at_${k}`]: usable?.model.hitRate ?? null,
      [`backtest_popularity_hit_rate_at_${k}`]: usable?.popularity.hitRate ?? null,
      [`backtest_repeat_hit_rate_at_${k}`]: usable?.repeat.hitRate ?? null,
      [`backtest_map_at_${k}`]: usable?.model.map ?? null,
      [`backtest_popularity_map_at_${k}`]: usable?.popularity.map ?? null,
      [`backtest_repeat_map_at_${k}`]: usable?.repeat.map ?? null,
      [`backtest_recall_at_${k}`]: usable?.model.recall ?? null,
      [`backtest_popularity_recall_at_${k}`]: usable?.popularity.recall ?? null,
      [`backtest_repeat_recall_at_${k}`]: usable?.repeat.recall ?? null,
      backtest_customers: usable?.customers ?? null,
    },
    params: { ...model.params, weight_repeat: model.weights.repeat, weight_similar: model.weights.similar, weight_popular: model.weights.popular, k, exclude_days: options.excludeDays ?? 30, half_life_days: options.halfLifeDays ?? 90, test_days: testDays },
    onnx: { input: RECS_INPUT, outputs: [RECS_OUTPUT], opsets: readModelInfo(onnx).opsets },
    training_seconds: secondsSince(started),
    created_at: now().toISOString(),
    notes: [
      'The ONNX graph scores every product (the blend: repeat vector and recency vector x similarity matrix, each scaled to its row maximum, plus popularity); excluding recent purchases, the top k and the popularity top-up run in TypeScript (recommendFor).',
      usable
        ? `Backtest: refit as of ${backtestAsOf}, hit rate, MAP and recall @${k} on the ${usable.customers} customers who bought a product they had not bought in the previous ${options.excludeDays ?? 30} days within the next ${testDays} days; ` +
          `baselines: most popular (hit rate ${usable.popularity.hitRate.toFixed(3)}), the customer's own products by recency-weighted count (repeat, ${usable.repeat.hitRate.toFixed(3)}).`
        : `Backtest skipped: no customer bought before ${backtestAsOf} and again by ${options.asOf}.`,
    ],
    // Said first on the card, not only in the metrics: a reader should know when the list is no better than the bestsellers.
    ...(usable && usable.hitRate <= usable.popularityHitRate
      ? {
          warnings: [
            `Recommendations do not beat most-popular on the backtest: hit rate @${k} ${usable.hitRate.toFixed(3)} against ` +
              `${usable.popularityHitRate.toFixed(3)} for the most popular products (${usable.customers} customers). ` +
              'Neither the customers\' own repeat purchases nor co-purchases help on this lake yet; treat next_best_products as a bestseller list.',
          ],
        }
      : {}),
  });
  return { version, model, onnx, card, backtest: usable };
}

/** model.onnx, card.json, card.md and model.json (neighbour lists), ready for ModelStore.put. */
export function recsArtifacts(t: TrainedRecs): ModelFiles {
  return { ...modelArtifacts(t.onnx, t.card), [MODEL_JSON]: new TextEncoder().encode(JSON.stringify(t.model)) };
}

/**
 * A stored model.json. One written before the blend (no weights) is read as what it did then: similar products,
 * topped up with the most popular, so an apply with an older stored model keeps its lists until the next retrain.
 */
export function parseRecsModel(bytes: Uint8Array): RecsModel {
  const m = JSON.parse(new TextDecoder().decode(bytes)) as Partial<RecsModel> & { kind?: unknown };
  if (m.kind !== 'recs') throw new RecsInputError(`expected a recs model.json, received kind ${JSON.stringify(m.kind)}`);
  if (m.weights === undefined) return { ...(m as RecsModel), weights: SIMILAR_ONLY, popularity: (m.items ?? []).map(() => 0) };
  return m as RecsModel;
}
