/**
 * Uplift scores for the coupon issuer's targeting (config.targeting): the latest `uplift` model scores every customer
 * of the newest customer_tags snapshot once, through the predictor (onnxruntime), and the issuer looks customers up
 * by key; in AWS the scheduled scorer scores it on the snapshot it scores and writes each at-risk customer's uplift on
 * the HighValueCustomerAtRisk event (withPredictedUplift), where the coupon issuer Lambda reads it. Only a model whose features are the lake's tags can score lake customers; one trained on an export's own
 * columns (import-campaign --features) cannot, and is refused with the reason.
 */
import path from 'node:path';
import { LocalModelStore, type ModelStore, type TagRow } from '../models/index.ts';
import type { ModelEvent } from '../events/schemas.ts';
import { lakeFiles } from '../lake/commit.ts';
import { readTagSnapshot } from '../train/lake-data.ts';
import { Predictor } from './predictor.ts';
import { ScoreError } from './errors.ts';

export const UPLIFT_MODEL_NAME = 'uplift';

/** The newest customer_tags snapshot date in the lake, if any. */
export function newestTagSnapshot(lakeDir: string): string | undefined {
  const days = lakeFiles(lakeDir, 'curated/customer_tags', '.parquet')
    .map((f) => /dt=(\d{4}-\d{2}-\d{2})/.exec(f.split(path.sep).join('/'))?.[1])
    .filter((d): d is string => d !== undefined)
    .sort();
  return days.at(-1);
}

/** Predicted uplift per customer key, and the model version behind it. */
export interface UpliftScores {
  readonly version: string;
  readonly of: (customerKey: string) => number | undefined;
}

/**
 * The latest uplift model scored on tag rows (a customer_tags snapshot of `day`), or undefined when no uplift model is
 * stored. One path for the local issuer (localUpliftScorer) and the AWS scorer (scheduled-scoring.ts), so both target
 * on the same numbers. Throws ScoreError for a model trained on an export's own columns.
 */
export async function scoreUplift(store: ModelStore, rows: readonly TagRow[], day: string): Promise<UpliftScores | undefined> {
  if (!(await store.versions(UPLIFT_MODEL_NAME)).length) return undefined;
  const predictor = await Predictor.load(store, UPLIFT_MODEL_NAME);
  try {
    if (predictor.card.feature_source !== 'tags') {
      throw new ScoreError(`coupon targeting: uplift model ${predictor.card.version} reads an imported campaign's own columns, not the lake's tags, so it cannot score lake customers; train it on a lake campaign (retail-lake train uplift --campaign <coupon campaign or an import with assigned_at>)`);
    }
    const scored = await predictor.score(rows, { asOf: day });
    const uplift = scored.outputs.uplift!.values as number[];
    const byKey = new Map(rows.map((r, i) => [String(r.customer_key), uplift[i]!]));
    return { version: predictor.card.version, of: (key) => byKey.get(key) };
  } finally {
    await predictor.release();
  }
}

/**
 * The events with the predicted uplift of their customer written on each HighValueCustomerAtRisk (predicted_uplift,
 * uplift_model_version), which the AWS coupon issuer targets on; other events, and customers without a score, as they
 * were. The event ids do not change.
 */
export function withPredictedUplift(events: readonly ModelEvent[], scores: UpliftScores): ModelEvent[] {
  return events.map((e) => {
    if (e.detailType !== 'HighValueCustomerAtRisk') return e;
    const uplift = scores.of(e.detail.customer_key);
    return uplift === undefined ? e : { ...e, detail: { ...e.detail, predicted_uplift: uplift, uplift_model_version: scores.version } };
  });
}

/** customer_key -> predicted uplift, from the latest uplift model on the newest tag snapshot. */
export async function localUpliftScorer(lakeDir: string, store: ModelStore = new LocalModelStore(lakeDir)): Promise<(customerKey: string) => number | undefined> {
  const day = newestTagSnapshot(lakeDir);
  if (!day) throw new ScoreError('coupon targeting: no customer_tags snapshot to score the uplift model on; run retail-lake tags first');
  const scores = await scoreUplift(store, await readTagSnapshot(lakeDir, day, { refresh: false }), day);
  if (!scores) throw new ScoreError(`coupon targeting: no uplift model in ${lakeDir}; train one (retail-lake train uplift --campaign ID --outcome NAME) or turn targeting off`);
  return scores.of;
}
