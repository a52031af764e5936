import { describe, expect, it } from 'vitest';
import { CUSTOMER_FEATURES, buildMatrix, featureSpecs, resolveFeatures } from '../../src/models/features.ts';

const rows = [
  { recency_days: 10, repurchase_cycle_days: 30, first_order_at: '2023-12-01 08:30:00', channel_mix: { store: 0.25 }, orders_total: 3n },
  { recency_days: 200, repurchase_cycle_days: null, first_order_at: '2023-01-31', channel_mix_store: 1, orders_total: '7' },
  { recency_days: null, repurchase_cycle_days: 50, first_order_at: new Date('2024-01-30T23:59:00Z'), orders_total: { toString: () => '2.000' } },
  { recency_days: 40, repurchase_cycle_days: 10 },
];

describe('feature spec', () => {
  const specs = featureSpecs(['recency_days', 'repurchase_cycle_days', 'tenure_days', 'share_store', 'orders_total']);

  it('fits median and max fills on the training rows and applies them when building X', () => {
    const resolved = resolveFeatures(specs, rows, { asOf: '2024-01-31' });
    expect(resolved.map((f) => [f.name, f.missing, f.fill])).toEqual([
      ['recency_days', 'max', 200],
      ['repurchase_cycle_days', 'median', 30],
      ['tenure_days', 'zero', 0],
      ['share_store', 'zero', 0],
      ['orders_total', 'zero', 0],
    ]);
    const { X, missing } = buildMatrix(rows, resolved, { asOf: '2024-01-31' });
    expect(Array.from(X.data)).toEqual([
      10, 30, 61, 0.25, 3,
      200, 30, 365, 1, 7,
      200, 50, 1, 0, 2,
      40, 10, 0, 0, 0,
    ]);
    expect(missing).toEqual([1, 1, 1, 2, 1]);
  });

  it('keeps the fitted fill when scoring other rows, so scoring never refits', () => {
    const resolved = resolveFeatures(featureSpecs(['recency_days']), rows);
    const { X } = buildMatrix([{ recency_days: undefined }, { recency_days: 'n/a' }], resolved);
    expect(Array.from(X.data)).toEqual([200, 200]);
  });

  it('encodes one level of a categorical tag as 1/0', () => {
    const resolved = resolveFeatures(
      [{ name: 'is_gold', column: 'member_tier', meaning: 'Gold member', missing: { fill: 'zero' }, encoding: { kind: 'equals', value: 'gold' } }],
      [],
    );
    expect(Array.from(buildMatrix([{ member_tier: 'gold' }, { member_tier: 'silver' }, {}], resolved).X.data)).toEqual([1, 0, 0]);
  });

  it('describes every catalogued feature', () => {
    for (const s of Object.values(CUSTOMER_FEATURES)) expect(s.meaning.length).toBeGreaterThan(10);
  });

  it('rejects an unknown feature, listing the known ones', () => {
    expect(() => featureSpecs(['recency'])).toThrow(/unknown feature "recency"; known features are recency_days, tenure_days/);
  });

  it('fails to count days to the as-of date without one', () => {
    const resolved = resolveFeatures(featureSpecs(['tenure_days']), []);
    expect(() => buildMatrix(rows, resolved)).toThrow(/pass asOf to buildMatrix/);
  });
});
