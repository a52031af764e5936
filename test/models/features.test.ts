import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { CUSTOMER_FEATURES, buildMatrix, featureSpecs, resolveFeatures } from '../../src/models/features.ts';

const rows = [
  { recency_days: 10, repurchase_cycle_days: 30, first_order_at: '2023-12-01 08:30:00', channel_share_store: 0.25, orders_total: 3n },
  { recency_days: 200, repurchase_cycle_days: null, first_order_at: '2023-01-31', channel_share_store: 1, orders_total: '7' },
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

  it('reads a struct field by dotted path, or its flattened column', () => {
    const resolved = resolveFeatures([{ name: 'mix_app', column: 'channel_mix.app', meaning: 'App share', missing: { fill: 'zero' } }], []);
    expect(Array.from(buildMatrix([{ channel_mix: { app: 0.5 } }, { channel_mix_app: 0.25 }, { channel_mix: null }], resolved).X.data)).toEqual([0.5, 0.25, 0]);
  });

  it('encodes an ordered tag by its level, an unknown level as missing', () => {
    const resolved = resolveFeatures(featureSpecs(['member_tier']), []);
    expect(Array.from(buildMatrix([{ member_tier: 'gold' }, { member_tier: 'basic' }, { member_tier: 'vip' }], resolved).X.data)).toEqual([2, 0, 0]);
  });

  it('reads DuckDB rows as the JSON and JS readers return them (bigint, decimal, timestamps, booleans)', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    const r = await c.runAndReadAll(`
      select 3::bigint as orders_total, 12.5::decimal(10, 2) as avg_order_value, true as is_overdue,
             timestamptz '2024-01-21 23:30:00+00' as first_order_at, null::double as recency_days
      union all
      select 1, 2.25, false, timestamp '2024-01-30 08:00:00', 4`);
    const specs = featureSpecs(['orders_total', 'avg_order_value', 'is_overdue', 'tenure_days', 'recency_days']);
    const expected = [3, 12.5, 1, 10, 4, 1, 2.25, 0, 1, 4];
    for (const rows of [r.getRowObjectsJson(), r.getRowObjectsJS()]) {
      const resolved = resolveFeatures(specs, rows, { asOf: '2024-01-31' });
      expect(Array.from(buildMatrix(rows, resolved, { asOf: '2024-01-31' }).X.data)).toEqual(expected);
    }
    c.closeSync();
  });

  it('counts days from the same dates to each batch\'s own as-of date', () => {
    // Hand-counted: 2023-12-01 -> 2024-01-31 is 61 days, -> 2024-03-01 is 91 (2024 is a leap year); 2023-01-31 -> 365, 395.
    const resolved = resolveFeatures(featureSpecs(['tenure_days']), []);
    const batch = [{ first_order_at: '2023-12-01 08:30:00' }, { first_order_at: '2023-01-31' }, { first_order_at: '2023-12-01 08:30:00' }];
    expect(Array.from(buildMatrix(batch, resolved, { asOf: '2024-01-31' }).X.data)).toEqual([61, 365, 61]);
    expect(Array.from(buildMatrix(batch, resolved, { asOf: '2024-03-01' }).X.data)).toEqual([91, 395, 91]);
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
