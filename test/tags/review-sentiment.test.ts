/**
 * customer_tags.review_sentiment from review_scores: the mean score of the customer's latest review versions written
 * up to the as-of date, each review's most recent scoring, ticket scores left out; null before any scoring.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshTags } from '../../src/tags/index.ts';
import { runQuery } from '../../src/cli/commands/query.ts';
import { writeRows } from '../../src/score/parquet.ts';
import { REVIEW_SCORE_COLUMNS } from '../../src/score/text-and-recs.ts';
import { buildHandComputedLake } from './hand-computed-lake.ts';

let lakeDir: string;

const score = (review_id: string, sentiment_score: number, as_of: string, source = 'review.submitted') => ({
  review_id,
  source,
  sku: source === 'service.ticket' ? null : 'SKU1',
  rating: null,
  sentiment_score,
  model_version: `sentiment-${as_of}`,
  as_of,
});

beforeAll(async () => {
  lakeDir = await buildHandComputedLake();
});

afterAll(() => fs.rmSync(lakeDir, { recursive: true, force: true }));

const sentimentOfDora = async (): Promise<unknown> => {
  await refreshTags({ lakeDir, asOf: '2024-06-30' });
  const rows = await runQuery(lakeDir, "select review_sentiment from customer_tags where member_id = 'M-D' and dt = date '2024-06-30'");
  expect(rows).toHaveLength(1);
  return rows[0]!.review_sentiment;
};

describe('customer_tags.review_sentiment', () => {
  it('is null while review_scores holds nothing (the table exists before the first scoring)', async () => {
    expect(await sentimentOfDora()).toBeNull();
  });

  it('averages the latest scoring of each review Dora wrote by the as-of date', async () => {
    await writeRows({
      lakeDir,
      relDir: 'review_scores',
      columns: REVIEW_SCORE_COLUMNS,
      mode: 'replace',
      rows: [
        score('RV1', 0.8, '2024-06-01'),
        score('RV2', 0.1, '2024-03-03'), // scored before the edit ...
        score('RV2', 0.6, '2024-06-01'), // ... and again after it: this one counts
        score('RV3', 0.05, '2024-07-03'), // written after the as-of date: not Dora's yet
        score('T2', 0.0, '2024-06-01', 'service.ticket'), // ticket text, not a review
      ],
    });
    // (0.8 + 0.6) / 2
    expect(Number(await sentimentOfDora())).toBeCloseTo(0.7, 12);
  });
});
