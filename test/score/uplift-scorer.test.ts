// The uplift scores the coupon issuer targets on: the latest uplift model on the newest tag snapshot, through the
// predictor (onnxruntime), against the TypeScript model on the same rows.
import fs from 'node:fs';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDB, sqlString } from '../../src/adapters/local/duckdb.ts';
import { lakeWrite } from '../../src/lake/commit.ts';
import { CUSTOMER_FEATURES, LocalModelStore, buildMatrix, modelArtifacts, parseCard, resolveFeatures, type TagRow } from '../../src/models/index.ts';
import { holdoutBucket } from '../../src/campaigns/assign.ts';
import { readTagSnapshot } from '../../src/train/lake-data.ts';
import { localUpliftScorer, newestTagSnapshot } from '../../src/score/uplift-scorer.ts';
import { ScoreError } from '../../src/score/errors.ts';
import { predictUplift, trainUplift, type UpliftTrainResult } from '../../models/uplift/index.ts';

/**
 * A lake holding only a customer_tags snapshot (two dates; the newer one is scored): 300 customers with the tag
 * columns the customer models read, values spread by a hash of the customer number.
 */
async function tagLake(): Promise<string> {
  const dir = fs.mkdtempSync(`${os.tmpdir()}/retail-lake-uplift-scorer-`);
  const conn = await openDuckDB();
  try {
    for (const day of ['2025-11-30', '2025-12-31']) {
      await lakeWrite(dir, 'test tags', async (c) => {
        const file = c.stage(`curated/customer_tags/dt=${day}/part-0.parquet`);
        await conn.run(`copy (
          select 'ck_' || lpad(cast(i as varchar), 4, '0') as customer_key, date '${day}' as as_of_date,
                 cast(hash(i, 1) % 365 as integer) as recency_days, date '${day}' - cast(hash(i, 2) % 900 + 30 as integer) as first_order_at,
                 cast(hash(i, 3) % 20 + 1 as integer) as orders_total, cast(hash(i, 4) % 4 as integer) as orders_90d,
                 cast(hash(i, 5) % 9 as integer) as orders_365d, cast(hash(i, 6) % 5000 as double) as net_revenue_total,
                 cast(hash(i, 7) % 2000 as double) as net_revenue_365d, cast(hash(i, 8) % 300 as double) as avg_order_value,
                 cast(hash(i, 9) % 100 as double) / 100 as promo_share, ['basic', 'silver', 'gold'][cast(hash(i, 10) % 3 as integer) + 1] as member_tier
          from range(300) t(i)) to ${sqlString(file)} (format parquet)`);
      });
    }
  } finally {
    conn.closeSync();
  }
  return dir;
}

let lake: string;
let rows: TagRow[];
let day: string;
let trained: UpliftTrainResult;
let features: ReturnType<typeof resolveFeatures>;

beforeAll(async () => {
  lake = await tagLake();
  day = newestTagSnapshot(lake)!;
  expect(day).toBe('2025-12-31');
  rows = await readTagSnapshot(lake, day, { refresh: false });
  features = resolveFeatures(Object.values(CUSTOMER_FEATURES), rows, { asOf: day });
  const { X } = buildMatrix(rows, features, { asOf: day });
  // A made-up campaign on the fixture's customers: half treated by hash; treated customers with recent orders respond.
  const ids = rows.map((r) => String(r.customer_key));
  const treated = Float64Array.from(ids, (k) => (holdoutBucket(k, 'test-campaign') < 0.5 ? 1 : 0));
  const recency = features.findIndex((f) => f.name === 'recency_days');
  const y = Float64Array.from(ids, (k, i) => (holdoutBucket(k, 'test-response') < 0.2 + (treated[i] === 1 && X.data[i * X.cols + recency]! < 120 ? 0.4 : 0) ? 1 : 0));
  expect(rows.length).toBe(300);
  trained = trainUplift({ X, y, treated, customerIds: ids, featureNames: features.map((f) => f.name), outcome: 'ordered_30d', campaigns: ['test-campaign'], context: { asOf: day, features } });
});
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
