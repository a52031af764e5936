import { describe, expect, it } from 'vitest';
import { nameSegments, traitName } from '../../../models/segments/naming.ts';
import { SEGMENT_FEATURES } from './synthetic.ts';

/** A centroid in z-scores from a few named deviations; everything else average. */
function z(dev: Record<string, number>): number[] {
  return SEGMENT_FEATURES.map((f) => dev[f] ?? 0);
}

describe('nameSegments', () => {
  it('names segments from their profile, whatever their order', () => {
    const centroids = [
      z({ promo_share: 2 }),
      z({ recency_days: -1, net_revenue_365d: 1.5, orders_365d: 1.5, category_diversity: 1.8 }),
      z({ tenure_days: -2, recency_days: -0.8 }),
      z({ recency_days: 1.5, avg_order_value: 1.2 }),
      z({ recency_days: 1.2, orders_365d: -1, net_revenue_365d: -1.2 }),
    ];
    const expected = ['Bargain hunters', 'High-value loyal', 'New', 'Lapsed big spenders', 'Lapsed'];
    expect(nameSegments(centroids, SEGMENT_FEATURES)).toEqual(expected);
    expect(nameSegments([...centroids].reverse(), SEGMENT_FEATURES)).toEqual([...expected].reverse());
  });

  it('gives each name to one segment only, the better-fitting one', () => {
    const names = nameSegments([z({ promo_share: 0.8 }), z({ promo_share: 2.5, recency_days: 0.3 })], SEGMENT_FEATURES);
    expect(names[1]).toBe('Bargain hunters');
    expect(names[0]).not.toBe('Bargain hunters');
    expect(new Set(names).size).toBe(2);
  });

  it('falls back to the two most distinctive traits, then to "Average customers"', () => {
    expect(traitName(SEGMENT_FEATURES, z({ share_store: 1.4, tenure_days: 0.9, promo_share: 0.1 }))).toBe('In-store, long-standing');
    expect(traitName(SEGMENT_FEATURES, z({ promo_share: 0.1 }))).toBe('Average customers');
  });

  it('skips archetypes whose features the model does not have', () => {
    expect(nameSegments([[2, -1]], ['promo_share_x', 'recency_days'])).toEqual(['High promo_share_x, recent']);
  });
});
