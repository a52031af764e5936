import { describe, expect, it } from 'vitest';
import { bgnbdFeatureSpecs, fitBgNbdOnTags } from '../../../models/churn/index.ts';
import { pAlive, pNoPurchase, expectedTransactions } from '../../../models/clv/index.ts';
import { buildMatrix, parseCard, resolveFeatures } from '../../../src/models/index.ts';
import { sampleCard } from '../sample-card.ts';

const params = { r: 0.5, alpha: 3, a: 0.4, b: 2.5 };

describe('BG/NBD churn features', () => {
  it('computes P(alive), P(no order in the horizon) and expected orders from orders_total, recency_days and first_order_at', () => {
    // 3 orders, the first 70 days and the last 14 days before the as-of date: x = 2, t_x = 8 weeks, T = 10 weeks.
    const row = { orders_total: 3, recency_days: 14, first_order_at: '2024-01-22' };
    const features = resolveFeatures(bgnbdFeatureSpecs(params, 91), [row], { asOf: '2024-04-01' });
    const x = buildMatrix([row], features, { asOf: '2024-04-01' }).X.data;
    const c = { x: 2, tx: 8, T: 10 };
    expect(x[0]).toBeCloseTo(pAlive(params, c), 12);
    expect(x[1]).toBeCloseTo(pNoPurchase(params, c, 13), 12);
    expect(x[2]).toBeCloseTo(expectedTransactions(params, c, 13), 12);
  });

  it('fills a customer without orders as alive with no order expected', () => {
    const features = resolveFeatures(bgnbdFeatureSpecs(params, 91), [], { asOf: '2024-04-01' });
    expect(Array.from(buildMatrix([{ orders_total: 0 }], features, { asOf: '2024-04-01' }).X.data)).toEqual([1, 1, 0]);
  });

  it('keeps the parameters in the card, so scoring rebuilds the same features', () => {
    const features = resolveFeatures(bgnbdFeatureSpecs(params, 91), [], { asOf: '2024-04-01' });
    const card = parseCard({ ...sampleCard(), features });
    expect(card.features[1]!.encoding).toEqual({ kind: 'bgnbd', output: 'p_no_order', params, horizon_weeks: 13 });
  });

  it('fits BG/NBD on the tag rows as of a date', () => {
    const rows = Array.from({ length: 200 }, (_, i) => ({
      orders_total: 1 + (i % 5),
      recency_days: (i * 7) % 120,
      first_order_at: '2024-01-01',
    }));
    const p = fitBgNbdOnTags(rows, '2024-05-01');
    for (const k of ['r', 'alpha', 'a', 'b'] as const) expect(p[k]).toBeGreaterThan(0);
  });
});
