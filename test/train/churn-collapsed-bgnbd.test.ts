// A collapsed BG/NBD fit must not stop churn training. The fixture is the early training cut (as of 2025-12-17) of
// the emulated day's lake (test/cloud: 300 customers, 35 days, seed 5): tenure of three weeks at most, many
// first-time buyers in the last days, a few customers with up to 12 orders. On it the unconstrained fit runs alpha
// down to its bound (e^-20), so E[orders in the next week] of a customer first seen on the scoring date diverges, and
// `retail-lake train churn` failed with ClvInputError ("horizon t = 1 is too long against alpha + T = 2.06e-9").
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitBgNbdOnTags } from '../../models/churn/index.ts';
import { ClvInputError, expectedTransactionsNew } from '../../models/clv/index.ts';
import { buildMatrix, resolveFeatures } from '../../src/models/index.ts';
import { churnSpecsFor } from '../../src/train/churn.ts';

const asOf = '2025-12-17';
const rows = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'churn', 'collapsed-bgnbd-cut-2025-12-17.json'), 'utf8')) as Record<string, unknown>[];
// A customer first seen on the scoring date (T = 0): the worst case for the series.
const newToday = { orders_total: 1, recency_days: 0, first_order_at: `${asOf} 00:00:00` };

describe('churn features on a cut where BG/NBD collapses', () => {
  it('reproduces the collapse: the unconstrained fit cannot give expected orders for a new customer', () => {
    const p = fitBgNbdOnTags(rows, asOf);
    expect(p.alpha).toBeLessThan(1e-8);
    expect(() => expectedTransactionsNew(p, 1)).toThrow(ClvInputError);
  });

  it('trains on features every customer has a finite value for, and says why BG/NBD was changed or left out', () => {
    const { specs, warning } = churnSpecsFor({ rows, asOf }, 7);
    const scored = [...rows, newToday];
    const features = resolveFeatures(specs, rows, { asOf });
    const { X } = buildMatrix(scored, features, { asOf });
    expect(X.data.length).toBe(scored.length * features.length);
    for (const v of X.data) expect(Number.isFinite(v)).toBe(true);
    // The tags are all still there.
    expect(features.map((f) => f.name)).toEqual(expect.arrayContaining(['recency_days', 'orders_total']));
    expect(warning).toMatch(/^BG\/NBD features as of 2025-12-17 /);
  });

  it('keeps the BG/NBD features, without a warning, where the fit is sound', () => {
    const healthy = Array.from({ length: 200 }, (_, i) => ({ orders_total: 1 + (i % 5), recency_days: (i * 7) % 120, first_order_at: '2024-01-01' }));
    const { specs, warning } = churnSpecsFor({ rows: healthy, asOf: '2024-05-01' }, 7);
    expect(warning).toBeUndefined();
    expect(specs.map((s) => s.name)).toEqual(expect.arrayContaining(['bgnbd_p_alive', 'bgnbd_p_no_order', 'bgnbd_expected_orders']));
  });
});
