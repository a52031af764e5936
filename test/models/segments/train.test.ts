import { describe, expect, it } from 'vitest';
import { trainSegments } from '../../../models/segments/train.ts';
import { CUSTOMER_TYPES, SEGMENT_FEATURES, customers } from './synthetic.ts';

const { X, type } = customers(1800, 3);
const now = () => new Date('2024-02-01T00:00:00Z');
const params = { kRange: [4, 8] as const, nInit: 2, selectionSample: 1800, silhouetteSample: 600, outliers: { sample: 600 } };
const result = trainSegments({ X, featureNames: SEGMENT_FEATURES, params, context: { asOf: '2024-01-31', now } });

describe('trainSegments', () => {
  it('finds the six customer types and names each after its profile', () => {
    expect(result.metrics.k).toBe(6);
    expect(new Set(result.model.names)).toEqual(new Set(Object.keys(CUSTOMER_TYPES)));
    // Each generated type lands in the segment carrying its name.
    let agree = 0;
    type.forEach((t, i) => (agree += result.assignment.segmentName[i] === t ? 1 : 0));
    expect(agree / X.rows).toBeGreaterThan(0.97);
  });

  it('orders segments by size and profiles them in the features\' own units', () => {
    const sizes = result.profiles.map((p) => p.customers);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    const loyal = result.profiles.find((p) => p.name === 'High-value loyal')!;
    expect(loyal.means.net_revenue_365d).toBeGreaterThan(2500);
    expect(loyal.share).toBeCloseTo(1 / 6, 1);
  });

  it('writes a card with the k-selection table, segment profiles and outlier rule', () => {
    const card = result.card;
    expect(card.version).toMatch(/^segments-2024-01-31-[0-9a-f]{8}$/);
    expect(card.horizon_days).toBeNull();
    expect((card.k_selection as { k: number }[]).map((r) => r.k)).toEqual([4, 5, 6, 7, 8]);
    expect((card.segments as { name: string }[]).map((s) => s.name)).toEqual(result.model.names);
    expect(card.metrics.silhouette).toBeGreaterThan(0.4);
    expect(card.metrics.outlier_share).toBeLessThan(0.05);
    const md = new TextDecoder().decode(result.files['card.md']);
    expect(md).toContain('## Segments');
    expect(md).toMatch(/\| \d \| High-value loyal \| \d+ \|/);
  });

  it('trains the same model twice from the same data', () => {
    const again = trainSegments({ X, featureNames: SEGMENT_FEATURES, params, context: { asOf: '2024-01-31', now } });
    expect(again.version).toBe(result.version);
    expect(Buffer.from(again.onnxBytes).equals(Buffer.from(result.onnxBytes))).toBe(true);
  });

  it('rejects a log feature that is not a feature', () => {
    expect(() => trainSegments({ X, featureNames: SEGMENT_FEATURES, params: { ...params, logFeatures: ['revenue'] }, context: { asOf: '2024-01-31' } })).toThrow(
      /logFeatures names "revenue", which is not a feature/,
    );
  });
});
