/**
 * `retail-lake score [--as-of D]`: runs the stored ONNX models (segments, churn, clv; each through the predictor,
 * i.e. onnxruntime with its input contract checked against the card) on the customers as of D, writes
 * customer_scores to curated/customer_scores/dt=D/, then evaluates the event rules against the previous scoring
 * and publishes the new events on the bus.
 */
import { rfmSummary, type TimeUnit } from '../../models/clv/index.ts';
import { topReasons } from '../../models/churn/index.ts';
import { LocalModelStore, ModelStoreError, type ModelStore, type TagRow } from '../models/index.ts';
import { LocalEventBus } from '../adapters/local/event-bus.ts';
import { publishNew, type EventBus, type EventLedger } from '../events/bus.ts';
import { evaluateRules, loadEventRules, type EventRules } from '../events/rules.ts';
import type { DetailType, RiskReason } from '../events/schemas.ts';
import { checkAsOf, newestLakeDate, noEventsMessage, purchasers, readPurchases, readTagSnapshot, type Purchase } from '../train/lake-data.ts';
import { latestImportedReviewDate } from '../train/lake-models.ts';
import { partitionValues } from '../lake/table-files.ts';
import { NoTrainedModelsError, ScoreError } from './errors.ts';
import { readRows, writeRows } from './parquet.ts';
import { Predictor, PredictorCache } from './predictor.ts';
import { CUSTOMER_SCORE_COLUMNS, CUSTOMER_SCORES_TABLE, type CustomerScore } from './schema.ts';
import { replenishmentEvents } from '../events/replenishment.ts';
import { localConfig } from '../config/local.ts';
import { fillNextBestProducts, scoreReviewTexts, type ReviewScoring } from './text-and-recs.ts';
import { withLakeCommit } from '../lake/commit.ts';
import { consentOfTag, type MarketingChannel } from '../consent/index.ts';

export const SCORED_MODELS = ['segments', 'churn', 'clv'] as const;

export interface ScoreOptions {
  readonly lakeDir: string;
  /** @default the newest data's date */
  readonly asOf?: string;
  /** @default LocalModelStore on the lake */
  readonly store?: ModelStore;
  /** Model versions to use instead of `latest`, by model name. */
  readonly versions?: Partial<Record<(typeof SCORED_MODELS)[number], string>>;
  /** @default loadEventRules() (RETAIL_LAKE_EVENT_RULES or defaults) */
  readonly rules?: EventRules;
  /** @default the local bus under <lake>/events/, which is also the ledger */
  readonly bus?: EventBus & EventLedger;
  readonly now?: () => Date;
  /** Default ReplenishmentDue lead time in days. @default RETAIL_LAKE_LEAD_TIME_DAYS (7) */
  readonly leadTimeDays?: number;
  /** Where scoreCustomers reads the tag snapshot and the purchases. @default the lake's Parquet files (DuckDB) */
  readonly source?: ScoreSource;
}

/** The lake data scoreCustomers reads; the scheduled scorer in AWS reads the same through Athena. */
export interface ScoreSource {
  /** The customer_tags snapshot as of a date, one row per customer. */
  tags(asOf: string): Promise<TagRow[]>;
  /** Placed, not cancelled orders on or before asOf, as src/train/lake-data.ts readPurchases returns them. */
  purchases(asOf: string): Promise<Purchase[]>;
}

export interface ScoreSummary {
  readonly asOf: string;
  readonly customers: number;
  readonly output: string;
  readonly models: Record<string, string | null>;
  readonly segments: Record<string, number>;
  readonly churn: { readonly mean: number | null; readonly atRisk: number; readonly threshold: number };
  readonly clv: { readonly total365d: number | null; readonly meanPAlive: number | null };
  /** The scoring the events were compared with (null: the first scoring, every customer is new). */
  readonly previousAsOf: string | null;
  readonly events: { readonly published: number; readonly alreadyPublished: number; readonly byType: Partial<Record<DetailType, number>> };
  /** Purchasers left unscored because they refused profiling as of the as-of date (the consent tag). */
  readonly profilingRefused: number;
  /** Texts scored into review_scores (version null: no sentiment model trained). */
  readonly reviewScores?: ReviewScoring;
  /** What was left out and why, e.g. customer scores on a lake with a sentiment model only. */
  readonly notes?: readonly string[];
  readonly seconds: number;
}

const num = (v: number | string): number => Number(v);
const NO_MODEL_MESSAGE = (lakeDir: string) => `no trained models in ${lakeDir}; run \`retail-lake train all\` first`;

/** The CLV model's inputs per customer: x, t_x, T, mean_spend from the purchases up to asOf, in the card's unit. */
function clvRows(purchases: readonly Purchase[], asOf: string, unit: TimeUnit): Map<string, TagRow> {
  const summary = rfmSummary(purchases, asOf, unit);
  return new Map(summary.map((c) => [c.customerId, { x: c.x, t_x: c.tx, T: c.T, mean_spend: c.meanSpend }]));
}

async function loadIfTrained(cache: PredictorCache, name: string, version: string | undefined): Promise<Predictor | undefined> {
  try {
    return await cache.get(name, version ?? 'latest');
  } catch (e) {
    if (e instanceof ModelStoreError && version === undefined) return undefined;
    throw e;
  }
}

import { percentiles } from '../events/rules.ts';
export { percentiles };

export interface ScoredCustomers {
  readonly rows: CustomerScore[];
  /** Segment features per customer (what the segments model saw), for segment-change reasons. */
  readonly segmentFeatures: Map<string, Record<string, number>>;
  readonly predictors: Partial<Record<(typeof SCORED_MODELS)[number], Predictor>>;
  /** Marketing channels each scored customer allowed as of the as-of date (for the marketing events). */
  readonly marketingChannels: Map<string, readonly MarketingChannel[]>;
  /** Purchasers not scored: they refused profiling as of the as-of date. */
  readonly profilingRefused: number;
}

/**
 * The purchasers of a snapshot the models may score: those who did not refuse profiling as of its date (PIPL art.
 * 24, GDPR art. 21). Who is left out is never scored, so no score, segment or model event of theirs exists.
 */
export function scorableCustomers(tags: readonly TagRow[]): { rows: TagRow[]; marketingChannels: Map<string, readonly MarketingChannel[]>; profilingRefused: number } {
  const rows: TagRow[] = [];
  const marketingChannels = new Map<string, readonly MarketingChannel[]>();
  let profilingRefused = 0;
  for (const t of purchasers(tags)) {
    const consent = consentOfTag(t);
    if (!consent.profiling) {
      profilingRefused++;
      continue;
    }
    rows.push(t);
    marketingChannels.set(String(t.customer_key), consent.marketingChannels);
  }
  return { rows, marketingChannels, profilingRefused };
}

/** Scores the purchasers of the tag snapshot as of `asOf` with whichever models are trained. */
export async function scoreCustomers(o: ScoreOptions & { asOf: string }): Promise<ScoredCustomers> {
  const cache = new PredictorCache(o.store ?? new LocalModelStore(o.lakeDir));
  const segments = await loadIfTrained(cache, 'segments', o.versions?.segments);
  const churn = await loadIfTrained(cache, 'churn', o.versions?.churn);
  const clv = await loadIfTrained(cache, 'clv', o.versions?.clv);
  if (!segments && !churn && !clv) throw new NoTrainedModelsError(NO_MODEL_MESSAGE(o.lakeDir));

  const scorable = scorableCustomers(await (o.source ? o.source.tags(o.asOf) : readTagSnapshot(o.lakeDir, o.asOf)));
  const tags = scorable.rows;
  const scoredAt = (o.now ?? (() => new Date()))().toISOString();
  const rows: CustomerScore[] = tags.map((t) => ({
    customer_key: String(t.customer_key),
    member_id: t.member_id === null || t.member_id === undefined ? null : String(t.member_id),
    as_of: o.asOf,
    segment: null,
    segment_id: null,
    is_outlier: null,
    churn_probability: null,
    churn_percentile: null,
    top_reasons: null,
    p_alive: null,
    p_no_order: null,
    expected_orders_90d: null,
    clv_365d: null,
    next_best_products: null,
    segments_model_version: segments?.version ?? null,
    churn_model_version: churn?.version ?? null,
    clv_model_version: clv?.version ?? null,
    scored_at: scoredAt,
  }));
  const segmentFeatures = new Map<string, Record<string, number>>();

  if (segments && tags.length) {
    const out = await segments.score(tags, { asOf: o.asOf });
    const names = segments.featureNames;
    const X = out.matrix.X;
    rows.forEach((r, i) => {
      r.segment_id = num(out.outputs.segment!.values[i]!);
      r.segment = String(out.outputs.segment_name!.values[i]);
      r.is_outlier = num(out.outputs.is_outlier!.values[i]!) === 1;
      segmentFeatures.set(r.customer_key, Object.fromEntries(names.map((n, j) => [n, X.data[i * X.cols + j]!])));
    });
  }

  if (churn && tags.length) {
    const out = await churn.score(tags, { asOf: o.asOf });
    const names = churn.featureNames;
    const meaning = new Map(churn.features.map((f) => [f.name, f.meaning]));
    const k = names.length;
    const X = out.matrix.X;
    const contributions = out.outputs.contributions!.values as Float64Array | number[];
    const probability = Array.from(out.outputs.probability!.values as ArrayLike<number>);
    const pct = percentiles(probability);
    rows.forEach((r, i) => {
      r.churn_probability = probability[i]!;
      r.churn_percentile = pct[i]!;
      r.top_reasons = topReasons(contributions.slice(i * k, (i + 1) * k), X.data.subarray(i * k, (i + 1) * k), names, 3).map(
        (reason): RiskReason => ({ feature: reason.feature, meaning: meaning.get(reason.feature) ?? '', value: reason.value, contribution: reason.contribution }),
      );
    });
  }

  if (clv && tags.length) {
    const purchases = await (o.source ? o.source.purchases(o.asOf) : readPurchases(o.lakeDir, o.asOf));
    const byCustomer = clvRows(purchases, o.asOf, (clv.card.time_unit as TimeUnit | undefined) ?? 'weeks');
    const idx: number[] = [];
    const inputs: TagRow[] = [];
    tags.forEach((t, i) => {
      const row = byCustomer.get(String(t.customer_key)) ?? byCustomer.get(String(t.member_id));
      if (row) {
        idx.push(i);
        inputs.push(row);
      }
    });
    if (inputs.length) {
      const out = await clv.score(inputs);
      idx.forEach((i, j) => {
        const r = rows[i]!;
        r.p_alive = num(out.outputs.p_alive!.values[j]!);
        r.p_no_order = num(out.outputs.p_no_order!.values[j]!);
        r.expected_orders_90d = num(out.outputs.expected_orders!.values[j]!);
        r.clv_365d = num(out.outputs.clv!.values[j]!);
      });
    }
  }
  return {
    rows,
    segmentFeatures,
    predictors: { ...(segments ? { segments } : {}), ...(churn ? { churn } : {}), ...(clv ? { clv } : {}) },
    marketingChannels: scorable.marketingChannels,
    profilingRefused: scorable.profilingRefused,
  };
}

/** The latest customer_scores partition before asOf, or undefined. */
export function previousScoringDate(lakeDir: string, asOf: string): string | undefined {
  return partitionValues(lakeDir, `curated/${CUSTOMER_SCORES_TABLE}`, 'dt')
    .filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d) && d < asOf)
    .at(-1);
}

export async function readScores(lakeDir: string, asOf: string): Promise<CustomerScore[]> {
  return (await readRows(lakeDir, `${CUSTOMER_SCORES_TABLE}/dt=${asOf}`, CUSTOMER_SCORE_COLUMNS)) as CustomerScore[];
}

/** The summary's figures of a scoring's rows: customers per segment, churn and CLV. */
export function scoreFigures(rows: readonly CustomerScore[], rules: EventRules): Pick<ScoreSummary, 'segments' | 'churn' | 'clv'> {
  const segmentsCount: Record<string, number> = {};
  for (const r of rows) if (r.segment !== null) segmentsCount[r.segment] = (segmentsCount[r.segment] ?? 0) + 1;
  const probs = rows.map((r) => r.churn_probability).filter((v): v is number => v !== null);
  const clvs = rows.map((r) => r.clv_365d).filter((v): v is number => v !== null);
  const alive = rows.map((r) => r.p_alive).filter((v): v is number => v !== null);
  const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : null);
  return {
    segments: Object.fromEntries(Object.entries(segmentsCount).sort((a, b) => b[1] - a[1])),
    churn: { mean: mean(probs), atRisk: probs.filter((p) => p >= rules.churnRisk.probabilityThreshold).length, threshold: rules.churnRisk.probabilityThreshold },
    clv: { total365d: clvs.length ? clvs.reduce((a, b) => a + b, 0) : null, meanPAlive: mean(alive) },
  };
}

/** Runs in one lake commit (src/lake/commit.ts): everything it writes lands together, or nothing does. */
export function scoreLake(o: ScoreOptions): Promise<ScoreSummary> {
  return withLakeCommit(o.lakeDir, 'score', () => scoreLakeIn(o));
}

async function scoreLakeIn(o: ScoreOptions): Promise<ScoreSummary> {
  const started = Date.now();
  const store = o.store ?? new LocalModelStore(o.lakeDir);
  const trained = async (name: string) => (await store.versions(name)).length > 0;
  const customerModels = (await Promise.all(SCORED_MODELS.map(async (m) => o.versions?.[m] !== undefined || (await trained(m))))).some(Boolean);
  // The import-reviews -> train sentiment -> score path: review_scores alone is a scoring, customer_scores stays empty.
  if (!customerModels && !(await trained('sentiment')) && !(await trained('recs'))) throw new NoTrainedModelsError(NO_MODEL_MESSAGE(o.lakeDir));
  const asOf =
    o.asOf !== undefined
      ? checkAsOf(o.asOf)
      : ((await newestLakeDate(o.lakeDir)) ?? (customerModels ? undefined : await latestImportedReviewDate(o.lakeDir, o.now)));
  if (asOf === undefined) throw new ScoreError(noEventsMessage(o.lakeDir));
  const rules = o.rules ?? loadEventRules();
  const notes: string[] = [];
  let scored: ScoredCustomers;
  if (customerModels) {
    scored = await scoreCustomers({ ...o, store, asOf });
  } else {
    scored = { rows: [], segmentFeatures: new Map(), predictors: {}, marketingChannels: new Map(), profilingRefused: 0 };
    notes.push('customer_scores left empty: no customer model (segments, churn, clv) is trained; run `retail-lake train all` once the lake holds orders');
  }
  const recsVersion = await fillNextBestProducts(o.lakeDir, asOf, scored.rows, store);
  const reviewScores = await scoreReviewTexts(o.lakeDir, asOf, store);
  const output = await writeRows({
    lakeDir: o.lakeDir,
    relDir: `${CUSTOMER_SCORES_TABLE}/dt=${asOf}`,
    columns: CUSTOMER_SCORE_COLUMNS,
    rows: scored.rows,
    mode: 'replace',
  });

  const previousAsOf = previousScoringDate(o.lakeDir, asOf) ?? null;
  const previous = previousAsOf ? await readScores(o.lakeDir, previousAsOf) : undefined;
  const events = evaluateRules({
    ...(previous ? { previous } : {}),
    current: scored.rows,
    rules,
    segmentFeatures: scored.segmentFeatures,
    marketingChannels: scored.marketingChannels,
    context: {
      ...(scored.predictors.segments ? { segmentsCard: scored.predictors.segments.card } : {}),
      ...(scored.predictors.churn ? { churnCard: scored.predictors.churn.card } : {}),
    },
  });
  const replenishment = await replenishmentEvents(o.lakeDir, asOf, o.leadTimeDays ?? localConfig().leadTimeDays);
  events.push(...replenishment.events);
  const bus = o.bus ?? new LocalEventBus(o.lakeDir);
  const result = await publishNew(events, { bus, ledger: bus, busName: rules.busName, source: rules.source, ...(o.now ? { now: o.now } : {}) });
  for (const p of Object.values(scored.predictors)) await p.release();

  const byType: Partial<Record<DetailType, number>> = {};
  for (const e of result.published) byType[e.detailType] = (byType[e.detailType] ?? 0) + 1;
  return {
    asOf,
    customers: scored.rows.length,
    output,
    models: { ...Object.fromEntries(SCORED_MODELS.map((m) => [m, scored.predictors[m]?.version ?? null])), recs: recsVersion, sentiment: reviewScores.version },
    ...scoreFigures(scored.rows, rules),
    previousAsOf,
    events: { published: result.published.length, alreadyPublished: result.alreadyPublished, byType },
    profilingRefused: scored.profilingRefused,
    reviewScores,
    ...(notes.length ? { notes } : {}),
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}
