/**
 * Partial lakes do not stop the pipeline: a lake that holds only imported reviews trains sentiment and scores
 * review_scores (the documented import-reviews -> train sentiment -> score path), also with one order beside them;
 * `train all` there trains what it can and says, per model, why the others were left out.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importOrders } from '../../src/ingest/order-import.ts';
import { parseColumnMap } from '../../src/ingest/order-import-core.ts';
import { importReviews, parseFieldMap, REVIEW_FIELDS } from '../../src/ingest/table-import.ts';
import { readRows } from '../../src/score/parquet.ts';
import { scoreLake } from '../../src/score/score.ts';
import { REVIEW_SCORE_COLUMNS, REVIEW_SCORES_TABLE } from '../../src/score/text-and-recs.ts';
import { trainModels } from '../../src/train/train.ts';

const now = () => new Date('2026-01-01T06:00:00Z');
const REVIEWS = path.resolve(import.meta.dirname, '../fixtures/reviews/amazon_cells_labelled.txt');
// The labelled file has no dates; 120 of its 1000 sentences, dated so that as-of has something to default to.
const lines = fs.readFileSync(REVIEWS, 'utf8').split('\n').filter((l) => l.trim()).slice(0, 120);
let tmp: string;
let reviewsCsv: string;

async function reviewsOnlyLake(name: string): Promise<string> {
  const lake = path.join(tmp, name);
  const c = await importReviews([reviewsCsv], {
    lakeDir: lake,
    map: parseFieldMap('text=text,label=label,reviewed_at=day', REVIEW_FIELDS, ['text', 'rating|label']),
    now: now(),
  });
  expect(c).toMatchObject({ received: 120, clean: 120 });
  return lake;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-partial-'));
  reviewsCsv = path.join(tmp, 'reviews.csv');
  const quote = (s: string) => `"${s.replaceAll('"', '""')}"`;
  fs.writeFileSync(
    reviewsCsv,
    'text,label,day\n' + lines.map((l, i) => { const [text, label] = l.split('\t'); return `${quote(text!)},${label},2025-11-${String(1 + (i % 28)).padStart(2, '0')}`; }).join('\n') + '\n',
  );
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));


describe('a lake holding only imported reviews', () => {
  it('trains sentiment as of the newest review, then scores every review', async () => {
    const lake = await reviewsOnlyLake('reviews-only');
    const t = await trainModels({ lakeDir: lake, model: 'sentiment', now });
    expect(t.asOf).toBe('2025-11-28');
    expect(t.models.map((m) => m.name)).toEqual(['sentiment']);

    const s = await scoreLake({ lakeDir: lake, now });
    expect(s.asOf).toBe('2025-11-28');
    expect(s.customers).toBe(0);
    expect(s.reviewScores).toMatchObject({ reviews: 120 });
    expect(s.notes).toEqual([expect.stringMatching(/^customer_scores left empty: no customer model \(segments, churn, clv\) is trained/)]);
    const rows = await readRows(lake, REVIEW_SCORES_TABLE, REVIEW_SCORE_COLUMNS);
    expect(rows).toHaveLength(120);
    expect(new Set(rows.map((r) => r.as_of))).toEqual(new Set(['2025-11-28']));
  });

  it('`train all` trains sentiment and says why each other model was left out', async () => {
    const lake = await reviewsOnlyLake('reviews-all');
    const t = await trainModels({ lakeDir: lake, model: 'all', now });
    expect(t.models.map((m) => m.name)).toEqual(['sentiment']);
    expect(Object.fromEntries((t.skipped ?? []).map((k) => [k.name, k.reason]))).toEqual({
      segments: expect.stringMatching(/^segments: the lake at .* has no events or order lines yet; run ingest or import-orders first$/),
      churn: expect.stringMatching(/^churn: the lake at .* has no events or order lines yet/),
      clv: expect.stringMatching(/^clv: the lake at .* has no events or order lines yet/),
      recs: expect.stringMatching(/^recs: the lake at .* has no events or order lines yet/),
      forecast: expect.stringMatching(/^forecast: no demand_series and no placed order lines on or before 2025-11-28$/),
    });
  });

  it('with one order beside the reviews: train sentiment, then score writes review_scores instead of asking for train all', async () => {
    const lake = await reviewsOnlyLake('reviews-one-order');
    const orders = path.join(tmp, 'one-order.csv');
    fs.writeFileSync(orders, 'order,time,sku,qty,price,customer\nA1,2025-12-02 10:00:00,SKU1,1,9.99,M1\n');
    expect(await importOrders([orders], { lakeDir: lake, map: parseColumnMap('order_id=order,ordered_at=time,sku=sku,quantity=qty,unit_price=price,customer_id=customer') })).toMatchObject({ clean: 1 });

    const t = await trainModels({ lakeDir: lake, model: 'sentiment', now });
    expect(t.asOf).toBe('2025-12-02');
    const s = await scoreLake({ lakeDir: lake, now });
    expect(s.models).toMatchObject({ segments: null, churn: null, clv: null, sentiment: t.models[0]!.version });
    expect(s.reviewScores).toMatchObject({ reviews: 120 });
    expect(s.notes).toHaveLength(1);
  });

  it('still refuses to score a lake with no trained model at all', async () => {
    const lake = await reviewsOnlyLake('reviews-untrained');
    await expect(scoreLake({ lakeDir: lake, now })).rejects.toThrow(/^no trained models in .*; run `retail-lake train all` first$/);
  });
});
