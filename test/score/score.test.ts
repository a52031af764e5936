import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectedClv, expectedTransactions, pAlive, rfmSummary } from '../../models/clv/index.ts';
import { contributions, predictProba, topReasons } from '../../models/churn/index.ts';
import { assignSegments } from '../../models/segments/index.ts';
import { runQuery } from '../../src/cli/commands/query.ts';
import { LocalModelStore, buildMatrix, readArtifacts, type ModelCard, type ResolvedFeature, type TagRow } from '../../src/models/index.ts';
import { readScores, type ScoreSummary } from '../../src/score/index.ts';
import { CUSTOMER_SCORE_COLUMNS, type CustomerScore } from '../../src/score/schema.ts';
import { purchasers, readPurchases, readTagSnapshot, trainChurnFromLake, trainSegmentsFromLake } from '../../src/train/index.ts';
import { FIXTURE, fixedNow, scoredLake, scoredSummaries } from '../train/fixture-lake.ts';

let lake: string;
let summary: ScoreSummary;
let scores: Map<string, CustomerScore>;
const cards: Record<string, ModelCard> = {};

// The shared pre-scored lake (read-only): the trained lake after `retail-lake score` as of FIXTURE.asOf (its last
// scoring), and what that scoring returned.
beforeAll(async () => {
  lake = await scoredLake();
  summary = (await scoredSummaries())[FIXTURE.asOf]!;
  scores = new Map((await readScores(lake, FIXTURE.asOf)).map((s) => [s.customer_key, s]));
  const store = new LocalModelStore(lake);
  for (const name of ['segments', 'churn', 'clv']) cards[name] = readArtifacts(await store.get(name, 'latest')).card;
});

const close = (a: number, b: number, tol = 1e-5) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

describe('retail-lake score', () => {
  it('writes customer_scores for every customer with a purchase to curated/customer_scores/dt=<as-of>/', async () => {
    expect(fs.existsSync(path.join(lake, 'curated', 'customer_scores', `dt=${FIXTURE.asOf}`, 'part-0.parquet'))).toBe(true);
    // Models train on every purchaser; those who refused profiling by the as-of date are not scored (consent).
    expect(summary.profilingRefused).toBeGreaterThan(0);
    expect(summary.customers + summary.profilingRefused).toBe(cards.segments!.rows.train);
    expect(scores.size).toBe(summary.customers);
    const rows = await runQuery(lake, `select * from customer_scores where as_of = date '${FIXTURE.asOf}' limit 1`);
    for (const c of ['customer_key', 'member_id', 'segment', 'churn_probability', 'churn_percentile', 'p_alive', 'expected_orders_90d', 'clv_365d', 'top_reasons', 'next_best_products', 'segments_model_version', 'churn_model_version', 'clv_model_version', 'as_of']) {
      expect(rows[0]).toHaveProperty(c);
    }
    // Filled only when a recs model is trained (test/score/text-and-recs.test.ts checks the lists).
    if (summary.models.recs) expect(JSON.parse(String(rows[0]!.next_best_products))).toHaveLength(10);
    else expect(rows[0]!.next_best_products).toBeNull();
    expect(Object.keys(rows[0]!)).toEqual([...CUSTOMER_SCORE_COLUMNS.map((c) => c.name), 'dt']);
    for (const s of scores.values()) {
      expect(s).toMatchObject({ segments_model_version: cards.segments!.version, churn_model_version: cards.churn!.version, clv_model_version: cards.clv!.version });
    }
  });

  it('gives, through onnxruntime, the numbers of the TypeScript reference models for a few customers', async () => {
    const tags = purchasers(await readTagSnapshot(lake, FIXTURE.asOf));
    const sample: TagRow[] = [0, 7, 42, 101, 250].map((i) => tags[i]!);
    const tagsAt = (d: string) => readTagSnapshot(lake, d);
    const purchases = await readPurchases(lake, FIXTURE.asOf);

    // Training is deterministic: refitting on the same lake gives the stored versions and their TypeScript models.
    const churn = await trainChurnFromLake({ asOf: FIXTURE.asOf, horizonDays: FIXTURE.horizonDays, tagsAt, purchases, now: fixedNow });
    const segments = await trainSegmentsFromLake({ asOf: FIXTURE.asOf, tagsAt, from: null, now: fixedNow });
    expect([churn.version, segments.version]).toEqual([cards.churn!.version, cards.segments!.version]);

    const Xc = buildMatrix(sample, cards.churn!.features as ResolvedFeature[], { asOf: FIXTURE.asOf }).X;
    const p = predictProba(churn.result.model, Xc);
    const credits = contributions(churn.result.model, Xc);
    const Xs = buildMatrix(sample, cards.segments!.features as ResolvedFeature[], { asOf: FIXTURE.asOf }).X;
    const seg = assignSegments(segments.result.model, Xs);
    const summaryByCustomer = new Map(rfmSummary(purchases, FIXTURE.asOf, 'weeks').map((c) => [c.customerId, c]));
    const bg = cards.clv!.bgnbd as { r: number; alpha: number; a: number; b: number };
    const gg = cards.clv!.gammaGamma as { p: number; q: number; gamma: number };
    const params = cards.clv!.params as { monthly_discount_rate: number; margin: number; clv_horizon_days: number };

    sample.forEach((row, i) => {
      const s = scores.get(String(row.customer_key))!;
      expect(close(s.churn_probability!, p[i]!), `churn ${s.customer_key}`).toBe(true);
      const k = Xc.cols;
      const ref = topReasons(credits.subarray(i * k, (i + 1) * k), Xc.data.subarray(i * k, (i + 1) * k), churn.result.model.featureNames, 3);
      expect(s.top_reasons!.map((r) => r.feature)).toEqual(ref.map((r) => r.feature));
      s.top_reasons!.forEach((r, j) => expect(close(r.contribution, ref[j]!.contribution)).toBe(true));
      expect([s.segment_id, s.segment]).toEqual([seg.segment[i], seg.segmentName[i]]);
      const c = summaryByCustomer.get(s.customer_key)!;
      expect(close(s.p_alive!, pAlive(bg, c)), `p_alive ${s.customer_key}`).toBe(true);
      expect(close(s.expected_orders_90d!, expectedTransactions(bg, c, FIXTURE.horizonDays / 7))).toBe(true);
      const clv = expectedClv(bg, gg, c, { horizonDays: params.clv_horizon_days, monthlyDiscountRate: params.monthly_discount_rate, margin: params.margin });
      expect(close(s.clv_365d!, clv), `clv ${s.customer_key}: ${s.clv_365d} vs ${clv}`).toBe(true);
    });
  });

  it('ranks churn percentiles by probability and keeps every probability in 0..1', () => {
    const all = [...scores.values()].sort((a, b) => a.churn_probability! - b.churn_probability!);
    expect(all.every((s) => s.churn_probability! >= 0 && s.churn_probability! <= 1)).toBe(true);
    expect(all.at(-1)!.churn_percentile).toBe(100);
    for (let i = 1; i < all.length; i++) expect(all[i]!.churn_percentile!).toBeGreaterThanOrEqual(all[i - 1]!.churn_percentile!);
  });
});
