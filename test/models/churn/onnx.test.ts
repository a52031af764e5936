import { describe, expect, it } from 'vitest';
import { ModelSession, OnnxInputMismatchError, readModelInfo } from '../../../src/onnx/index.ts';
import { META } from '../../../src/onnx/metadata.ts';
import { contributionBias, contributions } from '../../../models/churn/explain.ts';
import { predictMargin, predictProba, trainGbdt } from '../../../models/churn/gbdt.ts';
import { CONTRIBUTION_BIAS_KEY, churnToOnnx } from '../../../models/churn/onnx.ts';
import { churnLike } from './synthetic.ts';

const train = churnLike(3000, 11);
const batch = churnLike(1000, 12);
const model = trainGbdt({ X: train.X, y: train.y, featureNames: train.featureNames, valid: churnLike(1000, 13) });
const bytes = churnToOnnx(model, { name: 'churn', version: 'churn-2024-01-31-00000000', asOf: '2024-01-31' });

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('churn ONNX export', () => {
  it('gives the TypeScript probabilities, log-odds and contributions to 1e-5 in onnxruntime', async () => {
    const s = await ModelSession.load(bytes, { features: train.featureNames });
    const out = await s.run({ data: batch.X.data, rows: batch.X.rows, cols: batch.X.cols });
    expect(out.probability!.dims).toEqual([1000]);
    expect(out.contributions!.dims).toEqual([1000, 5]);
    expect(maxAbsDiff(out.probability!.data as Float32Array, predictProba(model, batch.X))).toBeLessThan(1e-5);
    expect(maxAbsDiff(out.margin!.data as Float32Array, predictMargin(model, batch.X))).toBeLessThan(1e-5);
    expect(maxAbsDiff(out.contributions!.data as Float32Array, contributions(model, batch.X))).toBeLessThan(1e-5);
    await s.release();
  });

  it('adds a linear start on log1p(recency) in the graph: probabilities, log-odds and contributions to 1e-5', async () => {
    const linear = trainGbdt({ X: train.X, y: train.y, featureNames: train.featureNames, valid: churnLike(1000, 13), linearFeatures: ['recency_days', 'orders_365d'] });
    expect(linear.linear.map((t) => t.feature)).toEqual([0, 2]);
    const s = await ModelSession.load(churnToOnnx(linear, { name: 'churn', version: 'churn-2024-01-31-00000001', asOf: '2024-01-31' }), {
      features: train.featureNames,
    });
    // Recency far beyond the training range (up to 3 x 365 days), where only the linear term still ranks.
    const far = { ...batch.X, data: batch.X.data.map((v, i) => (i % batch.X.cols === 0 ? v * 3 : v)) };
    for (const X of [batch.X, far]) {
      const out = await s.run({ data: X.data, rows: X.rows, cols: X.cols });
      expect(maxAbsDiff(out.probability!.data as Float32Array, predictProba(linear, X))).toBeLessThan(1e-5);
      expect(maxAbsDiff(out.margin!.data as Float32Array, predictMargin(linear, X))).toBeLessThan(1e-5);
      expect(maxAbsDiff(out.contributions!.data as Float32Array, contributions(linear, X))).toBeLessThan(1e-5);
    }
    await s.release();
  });

  it('carries its feature order, version and contribution bias in the metadata', () => {
    const info = readModelInfo(bytes);
    expect(JSON.parse(info.metadata[META.featureNames]!)).toEqual(train.featureNames);
    expect(info.metadata[META.modelVersion]).toBe('churn-2024-01-31-00000000');
    expect(Number(info.metadata[CONTRIBUTION_BIAS_KEY])).toBeCloseTo(contributionBias(model), 10);
    expect(info.inputs).toEqual([{ name: 'features', dtype: 'float32', shape: ['N', 5] }]);
  });

  it('refuses to score with the features in another order', async () => {
    const swapped = [...train.featureNames].reverse();
    await expect(ModelSession.load(bytes, { features: swapped })).rejects.toThrow(OnnxInputMismatchError);
  });
});
