/**
 * `retail-lake train <segments|churn|clv|all>`: builds each model's training data from the lake as of a date,
 * trains it, and stores model.onnx + card.json + card.md as a new version in the model zone (ModelStore).
 *
 * Example:
 *   const s = await trainModels({ lakeDir: 'lake', model: 'all', asOf: '2025-12-31' });
 *   s.models.map((m) => m.version) // ['segments-2025-12-31-…', 'churn-2025-12-31-…', 'clv-2025-12-31-…']
 */
import { LocalModelStore, type ModelCard, type ModelStore, type TagRow } from '../models/index.ts';
import { trainChurnFromLake, type TrainedModel } from './churn.ts';
import { trainClvFromLake } from './clv.ts';
import { NotEnoughHistoryError, TrainError, TrainOptionsError } from './errors.ts';
import { findGroundTruth } from './ground-truth.ts';
import { addDays, checkAsOf, firstOrderDay, firstPurchaseDay, newestLakeDate, noEventsMessage, readPurchases, readTagSnapshot, type Purchase } from './lake-data.ts';
import { trainSegmentsFromLake } from './segments.ts';
import { DEFAULT_HORIZON_PERIODS, latestImportedReviewDate, latestSeriesDate, trainForecastFromLake, trainRecsFromLake, trainSentimentFromLake } from './lake-models.ts';
import { withLakeCommit } from '../lake/commit.ts';
import { checkTolerance, DEFAULT_GATE_TOLERANCE, isGated, type GateDecision } from './gate.ts';
import { trainGated } from './gated.ts';

export const TRAINABLE_MODELS = ['segments', 'churn', 'clv', 'forecast', 'recs', 'sentiment'] as const;
export type TrainableModel = (typeof TRAINABLE_MODELS)[number];
export type TrainTarget = TrainableModel | 'all';
export const DEFAULT_TRAIN_HORIZON_DAYS = 90;

export interface TrainOptions {
  readonly lakeDir: string;
  readonly model: TrainTarget;
  /** Only data on or before this day is used, labels included. @default the newest data's date */
  readonly asOf?: string;
  /** Churn label window and CLV expected-orders horizon. @default 90 */
  readonly horizonDays?: number;
  /** Forecast periods after as-of written to demand_forecasts. @default 13 */
  readonly horizonPeriods?: number;
  /**
   * Generator ground truth for the churn card: a persons.jsonl path, or false for none.
   * @default <lake>/landing/<name>/ground_truth/persons.jsonl when present
   */
  readonly groundTruth?: string | false;
  /** @default LocalModelStore on the lake */
  readonly store?: ModelStore;
  readonly now?: () => Date;
  /** Called as each model starts training. */
  readonly onModel?: (name: TrainableModel) => void;
  /**
   * Promote segments, churn and CLV to `latest` only when not worse than the current `latest` on the newest labelled
   * backtest (src/train/gate.ts); a rejected version is stored without moving `latest`. @default false
   */
  readonly gate?: boolean;
  /** How much worse the gate lets a candidate be. @default DEFAULT_GATE_TOLERANCE (0.02) */
  readonly tolerance?: number;
  /** Share of customers held out of gated training for the backtest. @default DEFAULT_HOLDOUT_SHARE (0.2) */
  readonly holdoutShare?: number;
  /** Churn trained on permuted labels: a permutation baseline (the gate's deliberately degraded model). @default false */
  readonly permuteLabels?: boolean;
}

export interface TrainedSummary {
  readonly name: TrainableModel;
  readonly version: string;
  readonly card: ModelCard;
  /** With --gate: whether the version became `latest`, why, and the version it was compared with. */
  readonly gate?: { readonly decision: GateDecision; readonly reason: string; readonly incumbent: string | null };
}

export interface TrainSummary {
  readonly asOf: string;
  readonly horizonDays: number;
  readonly models: readonly TrainedSummary[];
  /** With `all`: the models left out for lack of data, each with the reason; the others are trained. */
  readonly skipped?: readonly { readonly name: TrainableModel; readonly reason: string }[];
}

export function parseTrainTarget(value: string): TrainTarget {
  if (value === 'all' || (TRAINABLE_MODELS as readonly string[]).includes(value)) return value as TrainTarget;
  throw new TrainOptionsError(`train: unknown model ${JSON.stringify(value)}; expected one of ${[...TRAINABLE_MODELS, 'all'].join(', ')}`);
}

export function checkHorizon(days: number): number {
  if (!Number.isInteger(days) || days < 7 || days > 730) {
    throw new TrainOptionsError(`--horizon-days must be a whole number of days from 7 to 730, received ${JSON.stringify(days)}`);
  }
  return days;
}

/** Runs in one lake commit (src/lake/commit.ts): everything it writes lands together, or nothing does. */
export function trainModels(o: TrainOptions): Promise<TrainSummary> {
  return withLakeCommit(o.lakeDir, 'train', () => trainModelsIn(o));
}

async function trainModelsIn(o: TrainOptions): Promise<TrainSummary> {
  const model = parseTrainTarget(o.model);
  const horizonDays = checkHorizon(o.horizonDays ?? DEFAULT_TRAIN_HORIZON_DAYS);
  const names = model === 'all' ? [...TRAINABLE_MODELS] : [model];
  const given = o.asOf !== undefined ? checkAsOf(o.asOf) : undefined;
  const newest = await newestLakeDate(o.lakeDir);
  // A lake of imported series or reviews alone still trains forecast and sentiment: as-of is their newest date.
  const seriesDate = names.includes('forecast') && (model === 'forecast' || newest === undefined) ? await latestSeriesDate(o.lakeDir) : undefined;
  const reviewDate = names.includes('sentiment') && newest === undefined ? await latestImportedReviewDate(o.lakeDir, o.now) : undefined;
  const asOf = given ?? (model === 'forecast' ? seriesDate : undefined) ?? newest ?? seriesDate ?? reviewDate;
  if (asOf === undefined) throw new TrainError(noEventsMessage(o.lakeDir));
  const store = o.store ?? new LocalModelStore(o.lakeDir);
  const horizonPeriods = o.horizonPeriods ?? DEFAULT_HORIZON_PERIODS;
  if (!Number.isInteger(horizonPeriods) || horizonPeriods < 1 || horizonPeriods > 366) {
    throw new TrainOptionsError(`--horizon-periods must be a whole number from 1 to 366, received ${JSON.stringify(horizonPeriods)}`);
  }

  const skipped: { name: TrainableModel; reason: string }[] = [];
  // With `all`, a model without the data it needs is left out with the reason and the others are trained; a model
  // asked for by name fails with that reason instead.
  const leaveOut = (name: TrainableModel, e: NotEnoughHistoryError): void => {
    if (model !== 'all') throw e;
    skipped.push({ name, reason: e.message });
    names.splice(names.indexOf(name), 1);
  };
  if (newest === undefined) {
    for (const name of ['segments', 'churn', 'clv', 'recs'] as const) {
      if (names.includes(name)) leaveOut(name, new NotEnoughHistoryError(`${name}: ${noEventsMessage(o.lakeDir)}`));
    }
  }
  if (names.includes('churn')) {
    // Fail before any tag refresh: the validation cut needs orders on or before as-of - 2 x horizon.
    const first = await firstOrderDay(o.lakeDir);
    const earliestCut = addDays(asOf, -2 * horizonDays);
    if (first === undefined || first > earliestCut) {
      leaveOut(
        'churn',
        new NotEnoughHistoryError(
          `churn as of ${asOf} with a ${horizonDays}-day horizon trains on the customers as of ${earliestCut} (as-of - 2 x horizon), ` +
            `but the first order in the lake is ${first ? `on ${first}` : 'missing'}; choose a later --as-of or a shorter --horizon-days`,
        ),
      );
    }
  }

  const snapshots = new Map<string, Promise<TagRow[]>>();
  // Sequential on purpose: each missing snapshot runs a tag refresh that rewrites identity_map.
  const tagsAt = async (day: string): Promise<TagRow[]> => {
    let p = snapshots.get(day);
    if (!p) snapshots.set(day, (p = readTagSnapshot(o.lakeDir, day)));
    return p;
  };
  let purchases: Purchase[] | undefined;
  const purchasesUpToAsOf = async () => (purchases ??= await readPurchases(o.lakeDir, asOf));

  // The tag refresh writes identity_map; purchases are read after it so they carry the same customer keys.
  if (names.some((n) => n === 'segments' || n === 'churn')) await tagsAt(asOf);

  const tolerance = checkTolerance(o.tolerance ?? DEFAULT_GATE_TOLERANCE);
  const out: TrainedSummary[] = [];
  for (const name of names) {
    o.onModel?.(name);
    if (o.gate && isGated(name)) {
      const personsFile = name === 'churn' && o.groundTruth !== false ? (o.groundTruth ?? findGroundTruth(o.lakeDir)) : undefined;
      try {
        const g = await trainGated(name, {
          asOf,
          horizonDays,
          tagsAt,
          purchases: purchasesUpToAsOf,
          store,
          tolerance,
          ...(o.holdoutShare !== undefined ? { holdoutShare: o.holdoutShare } : {}),
          ...(personsFile ? { groundTruth: { lakeDir: o.lakeDir, personsFile } } : {}),
          ...(o.permuteLabels ? { permuteLabels: true } : {}),
          ...(o.now ? { now: o.now } : {}),
        });
        out.push({ name, version: g.version, card: g.card, gate: { decision: g.decision, reason: g.reason, incumbent: g.incumbent } });
      } catch (e) {
        if (model !== 'all' || !(e instanceof NotEnoughHistoryError)) throw e;
        skipped.push({ name, reason: e.message });
      }
      continue;
    }
    let trained: TrainedModel;
    try {
      if (name === 'segments') {
        trained = await trainSegmentsFromLake({ asOf, tagsAt, from: firstPurchaseDay(await purchasesUpToAsOf()), ...(o.now ? { now: o.now } : {}) });
      } else if (name === 'churn') {
        const personsFile = o.groundTruth === false ? undefined : (o.groundTruth ?? findGroundTruth(o.lakeDir));
        trained = await trainChurnFromLake({
          asOf,
          horizonDays,
          tagsAt,
          purchases: await purchasesUpToAsOf(),
          ...(personsFile ? { groundTruth: { lakeDir: o.lakeDir, personsFile } } : {}),
          ...(o.permuteLabels ? { permuteLabels: true } : {}),
          ...(o.now ? { now: o.now } : {}),
        });
      } else if (name === 'forecast') {
        trained = await trainForecastFromLake({ lakeDir: o.lakeDir, asOf, horizonPeriods, ...(o.now ? { now: o.now } : {}) });
      } else if (name === 'recs') {
        trained = await trainRecsFromLake({ lakeDir: o.lakeDir, asOf, ...(o.now ? { now: o.now } : {}) });
      } else if (name === 'sentiment') {
        trained = await trainSentimentFromLake({ lakeDir: o.lakeDir, asOf, ...(o.now ? { now: o.now } : {}) });
      } else {
        trained = trainClvFromLake({ asOf, horizonDays, purchases: await purchasesUpToAsOf(), ...(o.now ? { now: o.now } : {}) });
      }
    } catch (e) {
      if (model !== 'all' || !(e instanceof NotEnoughHistoryError)) throw e;
      skipped.push({ name, reason: e.message });
      continue;
    }
    await store.put(trained.name, trained.version, trained.files);
    out.push({ name, version: trained.version, card: trained.card });
  }
  return { asOf, horizonDays, models: out, ...(skipped.length ? { skipped } : {}) };
}
