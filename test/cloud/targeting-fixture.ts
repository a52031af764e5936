/**
 * An uplift model for the emulated day's targeting block, trained locally in about a second: the lake has no
 * campaign whose outcome windows are over (its coupons are decided on its last day), so a made-up randomised campaign
 * on the customers of the day's tag snapshot stands in for one, as in test/score/uplift-scorer.test.ts. Treatment by
 * a hash of the customer; customers who have not ordered for longer than the median respond to the coupon (+0.4), as
 * at-risk customers do in the generator's truth, so the at-risk customers the issuer sees get uplifts that differ.
 * Trained by the T-learner of models/uplift (the code of `retail-lake train uplift`), stored with the card's
 * feature_source `tags` in the lake's model store, from where `retail-lake models push` uploads it.
 */
import { holdoutBucket } from '../../src/campaigns/assign.ts';
import { buildMatrix, CUSTOMER_FEATURES, LocalModelStore, modelArtifacts, parseCard, resolveFeatures } from '../../src/models/index.ts';
import { readTagSnapshot } from '../../src/train/lake-data.ts';
import { trainUplift } from '../../models/uplift/index.ts';

/** Trains and stores the uplift model on the lake's `asOf` tag snapshot; returns its version. */
export async function trainDayUplift(lakeDir: string, asOf: string): Promise<string> {
  const rows = await readTagSnapshot(lakeDir, asOf, { refresh: false });
  const features = resolveFeatures(Object.values(CUSTOMER_FEATURES), rows, { asOf });
  const one = buildMatrix(rows, features, { asOf }).X;
  // The day's ~150 purchasers are too few for a tree per arm (60 rows at least): the campaign is sent in WAVES waves
  // to the same customers, each wave drawn anew (rows repeated, arm and response hashed per wave).
  const WAVES = 4;
  const n = one.rows;
  const X = { rows: n * WAVES, cols: one.cols, data: new Float64Array(n * WAVES * one.cols) };
  for (let w = 0; w < WAVES; w++) X.data.set(one.data, w * n * one.cols);
  const ids = Array.from({ length: n * WAVES }, (_, i) => `${String(rows[i % n]!.customer_key)}#${Math.floor(i / n)}`);
  const recency = features.findIndex((f) => f.name === 'recency_days');
  const rec = ids.map((_, i) => X.data[i * X.cols + recency]!);
  const median = [...rec].sort((a, b) => a - b)[Math.floor(rec.length / 2)]!;
  const treated = Float64Array.from(ids, (k) => (holdoutBucket(k, 'day-campaign') < 0.5 ? 1 : 0));
  const y = Float64Array.from(ids, (k, i) => (holdoutBucket(k, 'day-response') < 0.2 + (treated[i] === 1 && rec[i]! > median ? 0.4 : 0) ? 1 : 0));
  const trained = trainUplift({ X, y, treated, customerIds: ids, featureNames: features.map((f) => f.name), outcome: 'ordered_30d', campaigns: ['day-campaign'], context: { asOf, features } });
  await new LocalModelStore(lakeDir).put('uplift', trained.version, modelArtifacts(trained.onnxBytes, parseCard({ ...trained.card, feature_source: 'tags' })));
  return trained.version;
}
