import { describe, expect, it } from 'vitest';
import { chooseK, fitScaler, kmeans, silhouette, standardise } from '../../../models/segments/kmeans.ts';
import { blobs } from './synthetic.ts';

const options = { kMin: 2, kMax: 8, preferredK: 8, tolerance: 0.02, fitSample: 5000, silhouetteSample: 1000, nInit: 3, seed: 1 };

describe('silhouette', () => {
  it('matches a hand computation on two pairs of points', () => {
    // 1-D points 0, 1 | 10, 11. Point 0: a = 1, b = (10 + 11) / 2 = 10.5 -> 9.5 / 10.5; point 1: a = 1, b = 9.5 -> 8.5 / 9.5.
    const Z = { rows: 4, cols: 1, data: new Float64Array([0, 1, 10, 11]) };
    expect(silhouette(Z, [0, 0, 1, 1], 2)).toBeCloseTo((9.5 / 10.5 + 8.5 / 9.5) / 2, 12);
  });

  it('scores a point alone in its cluster as 0', () => {
    const Z = { rows: 3, cols: 1, data: new Float64Array([0, 1, 10]) };
    // Points 0 and 1: a = 1, b = 10 and 9 -> 0.9 and 8/9; point 10 alone -> 0.
    expect(silhouette(Z, [0, 0, 1], 2)).toBeCloseTo((0.9 + 8 / 9) / 3, 12);
  });
});

describe('chooseK', () => {
  for (const k of [3, 5, 6]) {
    it(`recovers k = ${k} on well-separated blobs, despite preferring 8`, () => {
      const { X } = blobs(k, 80, 4, k);
      const Z = standardise(fitScaler(X, [false, false, false, false]), X);
      const choice = chooseK(Z, options);
      expect(choice.k).toBe(k);
      expect(choice.table.map((t) => t.k)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    });
  }

  it('prefers the k closest to preferredK among near-equal silhouettes', () => {
    const { X } = blobs(4, 60, 4, 9);
    const Z = standardise(fitScaler(X, [false, false, false, false]), X);
    expect(chooseK(Z, { ...options, tolerance: 2 }).k).toBe(8);
  });
});

describe('kmeans', () => {
  it('puts every blob in one cluster, and is deterministic for a seed', () => {
    const { X, labels } = blobs(4, 50, 3, 4);
    const r = kmeans(X, 4, { seed: 3 });
    for (let c = 0; c < 4; c++) {
      const assigned = new Set(Array.from(labels).flatMap((l, i) => (l === c ? [r.labels[i]] : [])));
      expect(assigned.size).toBe(1);
    }
    expect(kmeans(X, 4, { seed: 3 }).centroids.data).toEqual(r.centroids.data);
  });

  it('rejects more clusters than rows', () => {
    expect(() => kmeans({ rows: 2, cols: 1, data: new Float64Array([0, 1]) }, 3)).toThrow(/needs at least 3 rows, received 2/);
  });
});

describe('fitScaler', () => {
  it('log-scales flagged columns and gives every column mean 0, sd 1', () => {
    const X = { rows: 4, cols: 2, data: new Float64Array([0, 1, 9, 2, 99, 3, 999, 4]) };
    const s = fitScaler(X, [true, false]);
    const Z = standardise(s, X);
    for (let j = 0; j < 2; j++) {
      const col = [0, 1, 2, 3].map((i) => Z.data[i * 2 + j]!);
      const mean = col.reduce((a, b) => a + b) / 4;
      expect(mean).toBeCloseTo(0, 6);
      expect(Math.sqrt(col.reduce((a, b) => a + (b - mean) ** 2, 0) / 4)).toBeCloseTo(1, 6);
    }
    // log1p(0, 9, 99, 999) = ln(1, 10, 100, 1000): evenly spaced, so the z-scores are too.
    expect(Z.data[2]! - Z.data[0]!).toBeCloseTo(Z.data[6]! - Z.data[4]!, 5);
  });

  it('keeps a constant column at z = 0', () => {
    const X = { rows: 3, cols: 1, data: new Float64Array([5, 5, 5]) };
    expect(Array.from(standardise(fitScaler(X, [false]), X).data)).toEqual([0, 0, 0]);
  });
});
