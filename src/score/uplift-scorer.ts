/**
 * Uplift scores for the coupon issuer's targeting (config.targeting): the latest `uplift` model scores every customer
 * of the newest customer_tags snapshot once, through the predictor (onnxruntime), and the issuer looks customers up
 * by key. Only a model whose features are the lake's tags can score lake customers; one trained on an export's own
 * columns (import-campaign --features) cannot, and is refused with the reason.
 */
import path from 'node:path';
import { LocalModelStore, type ModelStore } from '../models/index.ts';
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

/** customer_key -> predicted uplift, from the latest uplift model on the newest tag snapshot. */
export async function localUpliftScorer(lakeDir: string, store: ModelStore = new LocalModelStore(lakeDir)): Promise<(customerKey: string) => number | undefined> {
  const predictor = await Predictor.load(store, UPLIFT_MODEL_NAME);
  try {
    if (predictor.card.feature_source !== 'tags') {
      throw new ScoreError(`coupon targeting: uplift model ${predictor.card.version} reads an imported campaign's own columns, not the lake's tags, so it cannot score lake customers; train it on a lake campaign (retail-lake train uplift --campaign <coupon campaign or an import with assigned_at>)`);
    }
    const day = newestTagSnapshot(lakeDir);
    if (!day) throw new ScoreError('coupon targeting: no customer_tags snapshot to score the uplift model on; run retail-lake tags first');
    const rows = await readTagSnapshot(lakeDir, day, { refresh: false });
    const scored = await predictor.score(rows, { asOf: day });
    const uplift = scored.outputs.uplift!.values as number[];
    const byKey = new Map(rows.map((r, i) => [String(r.customer_key), uplift[i]!]));
    return (key) => byKey.get(key);
  } finally {
    await predictor.release();
  }
}
