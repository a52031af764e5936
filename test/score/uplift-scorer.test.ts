// The uplift scores the coupon issuer targets on: the latest uplift model on the newest tag snapshot, through the
// predictor (onnxruntime), against the TypeScript model on the same rows.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMER_FEATURES, LocalModelStore, buildMatrix, modelArtifacts, parseCard, resolveFeatures, type TagRow } from '../../src/models/index.ts';
import { holdoutBucket } from '../../src/campaigns/assign.ts';
import { readTagSnapshot } from '../../src/train/lake-data.ts';
import { localUpliftScorer, newestTagSnapshot } from '../../src/score/uplift-scorer.ts';
import { ScoreError } from '../../src/score/errors.ts';
import { predictUplift, trainUplift, type UpliftTrainResult } from '../../models/uplift/index.ts';
import { copyOfTrainedLake } from '../train/fixture-lake.ts';

let lake: string;
let rows: TagRow[];
let day: string;
let trained: UpliftTrainResult;
let features: ReturnType<typeof resolveFeatures>;

beforeAll(async () => {
  lake = await copyOfTrainedLake();
  day = newestTagSnapshot(lake)!;
  rows = await readTagSnapshot(lake, day, { refresh: false });
  features = resolveFeatures(Object.values(CUSTOMER_FEATURES), rows, { asOf: day });
  const { X } = buildMatrix(rows, features, { asOf: day });
  // A made-up campaign on the fixture's customers: half treated by hash; treated customers with recent orders respond.
  const ids = rows.map((r) => String(r.customer_key));
  const treated = Float64Array.from(ids, (k) => (holdoutBucket(k, 'test-campaign') < 0.5 ? 1 : 0));
  const recency = features.findIndex((f) => f.name === 'recency_days');
  const y = Float64Array.from(ids, (k, i) => (holdoutBucket(k, 'test-response') < 0.2 + (treated[i] === 1 && X.data[i * X.cols + recency]! < 120 ? 0.4 : 0) ? 1 : 0));
  trained = trainUplift({ X, y, treated, customerIds: ids, featureNames: features.map((f) => f.name), outcome: 'ordered_30d', campaigns: ['test-campaign'], context: { asOf: day, features } });
}, 600_000);
afterAll(() => fs.rmSync(lake, { recursive: true, force: true }));

describe('uplift scores for coupon targeting', () => {
  it('scores every customer of the newest tag snapshot with the latest uplift model, as the TypeScript model does', async () => {
    const card = parseCard({ ...trained.card, feature_source: 'tags' });
    await new LocalModelStore(lake).put('uplift', trained.version, modelArtifacts(trained.onnxBytes, card));
    const upliftOf = await localUpliftScorer(lake);
    const expected = predictUplift(trained.model, buildMatrix(rows, features, { asOf: day }).X).uplift;
    rows.forEach((r, i) => expect(upliftOf(String(r.customer_key))).toBeCloseTo(expected[i]!, 5));
    expect(upliftOf('no-such-customer')).toBeUndefined();
  });

  it("refuses a model trained on an export's own columns: it cannot score lake customers", async () => {
    const card = parseCard({ ...trained.card, feature_source: 'import' });
    await new LocalModelStore(lake).put('uplift', trained.version, modelArtifacts(trained.onnxBytes, card));
    await expect(localUpliftScorer(lake)).rejects.toThrow(ScoreError);
    await expect(localUpliftScorer(lake)).rejects.toThrow(/reads an imported campaign's own columns/);
  });
});
