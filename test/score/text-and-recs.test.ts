/** score with the recs and sentiment models trained: next_best_products filled, review_scores for reviews and tickets. */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRecsModel, MODEL_JSON } from '../../models/recs/index.ts';
import { LocalModelStore } from '../../src/models/index.ts';
import { readRows } from '../../src/score/parquet.ts';
import { readScores, type ScoreSummary } from '../../src/score/index.ts';
import { REVIEW_SCORE_COLUMNS } from '../../src/score/text-and-recs.ts';
import { readRecsPurchases } from '../../src/train/lake-models.ts';
import { FIXTURE, scoredLake, scoredSummaries } from '../train/fixture-lake.ts';

let lake: string;
let summary: ScoreSummary;

// The shared pre-scored lake (read-only): `train all` trained recs and sentiment too, and its last scoring (as of
// FIXTURE.asOf, after one as of an earlier day) wrote customer_scores and review_scores with them.
beforeAll(async () => {
  lake = await scoredLake();
  summary = (await scoredSummaries())[FIXTURE.asOf]!;
});

describe('score with recs and sentiment', () => {
  it('fills next_best_products with 10 known products not bought in the last 30 days', async () => {
    expect(summary.models.recs).toMatch(/^recs-/);
    const rows = await readScores(lake, FIXTURE.asOf);
    const model = parseRecsModel((await new LocalModelStore(lake).get('recs', 'latest')).files[MODEL_JSON]!);
    const known = new Set(model.items);
    const recent = new Map<string, Set<string>>();
    for (const p of await readRecsPurchases(lake, FIXTURE.asOf)) {
      if (Date.parse(FIXTURE.asOf) - Date.parse(p.at) < 30 * 86_400_000) {
        if (!recent.has(p.customer_id)) recent.set(p.customer_id, new Set());
        recent.get(p.customer_id)!.add(p.item_id);
      }
    }
    const filled = rows.filter((r) => r.next_best_products !== null);
    expect(filled.length).toBe(rows.length);
    for (const r of filled) {
      expect(r.next_best_products!.length).toBe(10);
      for (const sku of r.next_best_products!) {
        expect(known.has(sku)).toBe(true);
        expect(recent.get(r.customer_key)?.has(sku) ?? false).toBe(false);
      }
    }
  });
  it('writes review_scores for every review, ticket and Weibo post text; rated reviews separate by rating', async () => {
    const rows = await readRows(lake, 'review_scores', REVIEW_SCORE_COLUMNS);
    expect(summary.reviewScores!.reviews).toBeGreaterThan(0);
    expect(rows.length).toBe(summary.reviewScores!.reviews + summary.reviewScores!.tickets + summary.reviewScores!.posts);
    // The posts' rows, counted apart: one per post, under their own source.
    expect(rows.filter((r) => r.source === 'social.weibo_post').length).toBe(summary.reviewScores!.posts);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const pos = rows.filter((r) => Number(r.rating) >= 4).map((r) => Number(r.sentiment_score));
    const neg = rows.filter((r) => r.rating !== null && Number(r.rating) <= 2).map((r) => Number(r.sentiment_score));
    expect(mean(pos)).toBeGreaterThan(mean(neg) + 0.3);
    for (const r of rows) expect(r.model_version).toBe(summary.models.sentiment);
  });
});
