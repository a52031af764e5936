import { describe, expect, it } from 'vitest';
import { fitOutliers, isOutlier } from '../../../models/segments/dbscan.ts';
import { blobs } from './synthetic.ts';

describe('DBSCAN outliers', () => {
  const { X } = blobs(3, 200, 2, 1);
  const model = fitOutliers(X, { minPts: 8, quantile: 0.97 });

  it('flags points far from every dense region and leaves blob cores alone', () => {
    const far = { rows: 3, cols: 2, data: new Float64Array([100, 100, -40, 5, 6, 60]) };
    expect(Array.from(isOutlier(model, far))).toEqual([1, 1, 1]);
    const flagged = isOutlier(model, X).reduce((a, b) => a + b, 0);
    expect(flagged / X.rows).toBeLessThan(0.03);
  });

  it('treats a point within eps of a core point as not an outlier', () => {
    const core = model.core.data.subarray(0, 2);
    const near = { rows: 1, cols: 2, data: new Float64Array([core[0]! + model.eps * 0.9, core[1]!]) };
    expect(isOutlier(model, near)[0]).toBe(0);
  });

  it('rejects a quantile outside (0, 1)', () => {
    expect(() => fitOutliers(X, { quantile: 1 })).toThrow(/quantile must be in \(0, 1\)/);
  });
});
