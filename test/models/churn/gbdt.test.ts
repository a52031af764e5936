import { describe, expect, it } from 'vitest';
import { auc } from '../../../src/models/metrics.ts';
import { binThresholds, fitLinearStart, predictMargin, predictProba, sigmoid, trainGbdt, type GbdtModel } from '../../../models/churn/gbdt.ts';
import { SeededRng } from '../../../src/models/rng.ts';
import { gaussianClasses, phi } from './synthetic.ts';

const names = (k: number) => Array.from({ length: k }, (_, i) => `f${i}`);

function leaves(m: GbdtModel): { depth: number; count: number }[] {
  const out: { depth: number; count: number }[] = [];
  for (const t of m.trees) {
    const walk = (node: number, depth: number) => {
      if (t.feature[node]! < 0) out.push({ depth, count: t.count[node]! });
      else {
        walk(t.left[node]!, depth + 1);
        walk(t.right[node]!, depth + 1);
      }
    };
    walk(0, 0);
  }
  return out;
}

describe('trainGbdt', () => {
  it('separates linearly separable data perfectly', () => {
    const n = 400;
    const data = new Float64Array(n * 2);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      data[i * 2] = i % 100;
      data[i * 2 + 1] = (i * 7919) % 13;
      y[i] = i % 100 >= 62 ? 1 : 0;
    }
    const X = { rows: n, cols: 2, data };
    // 100 distinct values fit in 128 bins, so the class boundary is a candidate cut.
    const m = trainGbdt({ X, y, featureNames: names(2), params: { nTrees: 60, learningRate: 0.3, subsample: 1, maxBins: 128 } });
    const p = predictProba(m, X);
    expect(auc(p, y)).toBe(1);
    const neg = p.filter((_, i) => y[i] === 0);
    const pos = p.filter((_, i) => y[i] === 1);
    expect(Math.max(...neg)).toBeLessThan(0.05);
    expect(Math.min(...pos)).toBeGreaterThan(0.95);
    // The first split is on the informative feature, halfway between the classes.
    expect(m.trees[0]!.feature[0]).toBe(0);
    expect(m.trees[0]!.threshold[0]).toBe(61.5);
  });

  it('comes within 0.02 of the Bayes AUC on Gaussian classes with noise features', () => {
    const train = gaussianClasses(4000, 1);
    const valid = gaussianClasses(4000, 2);
    const m = trainGbdt({ X: train.X, y: train.y, featureNames: names(6), valid });
    const bayes = phi(Math.SQRT2 / Math.SQRT2); // shift 1 on 2 features: Phi(1 * sqrt(2) / sqrt(2)) = 0.8413
    const a = auc(predictProba(m, valid.X), valid.y);
    expect(a).toBeGreaterThan(bayes - 0.02);
    expect(a).toBeLessThan(bayes + 0.015);
  });

  it('stops early when the labels carry no signal', () => {
    const train = gaussianClasses(1000, 3, { shift: 0 });
    const valid = gaussianClasses(1000, 4, { shift: 0 });
    const m = trainGbdt({ X: train.X, y: train.y, featureNames: names(6), valid, params: { nTrees: 300, earlyStoppingRounds: 10 } });
    expect(m.trees.length).toBeLessThan(20);
    expect(m.validLoss.length).toBeLessThan(40);
  });

  it('respects depth, leaf and minimum-samples limits', () => {
    const { X, y } = gaussianClasses(2000, 5);
    const m = trainGbdt({ X, y, featureNames: names(6), params: { nTrees: 20, maxDepth: 3, maxLeaves: 6, minSamplesLeaf: 50 } });
    const ls = leaves(m);
    expect(Math.max(...ls.map((l) => l.depth))).toBeLessThanOrEqual(3);
    expect(Math.min(...ls.map((l) => l.count))).toBeGreaterThanOrEqual(50);
    for (const t of m.trees) expect(t.feature.filter((f) => f < 0).length).toBeLessThanOrEqual(6);
  });

  it('is deterministic for a seed, and the seed matters when rows are subsampled', () => {
    const { X, y } = gaussianClasses(1000, 6);
    const train = (seed: number) => trainGbdt({ X, y, featureNames: names(6), params: { nTrees: 15, subsample: 0.5, seed } });
    const a = predictProba(train(1), X);
    expect(predictProba(train(1), X)).toEqual(a);
    expect(predictProba(train(2), X)).not.toEqual(a);
  });

  it('cuts features into at most maxBins float32 bins', () => {
    const { X } = gaussianClasses(3000, 7);
    const cuts = binThresholds(X, 16);
    for (const c of cuts) {
      expect(c.length).toBeLessThanOrEqual(15);
      for (let i = 1; i < c.length; i++) expect(c[i]!).toBeGreaterThan(c[i - 1]!);
    }
  });

  it('fits the linear start: a logistic regression on centred log1p(x) recovers its coefficients', () => {
    const rng = new SeededRng(5, 'linear');
    const n = 20_000;
    const data = new Float64Array(n * 2);
    const y = new Float64Array(n);
    let mean = 0;
    for (let i = 0; i < n; i++) mean += Math.log1p((data[i * 2] = Math.floor(rng.next() * 300))) / n;
    for (let i = 0; i < n; i++) {
      data[i * 2 + 1] = rng.normal();
      y[i] = rng.next() < sigmoid(0.3 + 0.8 * (Math.log1p(data[i * 2]!) - mean)) ? 1 : 0;
    }
    const { intercept, terms } = fitLinearStart({ rows: n, cols: 2, data }, y, [0]);
    expect(terms[0]!.feature).toBe(0);
    expect(terms[0]!.center).toBeCloseTo(mean, 5);
    expect(terms[0]!.weight).toBeCloseTo(0.8, 1);
    expect(intercept).toBeCloseTo(0.3, 1);
  });

  it('with a linear start on recency, keeps ranking beyond the largest training value where trees alone are flat', () => {
    const rng = new SeededRng(9, 'extrapolate');
    const n = 4000;
    const data = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) y[i] = rng.next() < sigmoid(-2 + 0.03 * (data[i] = Math.floor(rng.next() * 100))) ? 1 : 0;
    const X = { rows: n, cols: 1, data };
    const later = { rows: 4, cols: 1, data: Float64Array.from([150, 200, 300, 400]) };
    const flat = predictMargin(trainGbdt({ X, y, featureNames: ['recency_days'], params: { nTrees: 50 } }), later);
    expect(new Set(flat).size).toBe(1);
    const m = trainGbdt({ X, y, featureNames: ['recency_days'], params: { nTrees: 50 }, linearFeatures: ['recency_days'] });
    expect(m.linear[0]!.weight).toBeGreaterThan(0);
    const ranked = predictMargin(m, later);
    for (let i = 1; i < 4; i++) expect(ranked[i]!).toBeGreaterThan(ranked[i - 1]!);
  });

  it('rejects a linear start on a feature it does not have', () => {
    const { X, y } = gaussianClasses(200, 3, { features: 2 });
    expect(() => trainGbdt({ X, y, featureNames: names(2), linearFeatures: ['recency_days'] })).toThrow(/linear start feature recency_days/);
  });

  it('rejects a training set with one class', () => {
    const { X } = gaussianClasses(100, 8);
    expect(() => trainGbdt({ X, y: new Float64Array(100), featureNames: names(6) })).toThrow(/needs both classes; received 0 positives among 100 rows/);
  });

  it('rejects out-of-range parameters, naming them', () => {
    const { X, y } = gaussianClasses(100, 9);
    expect(() => trainGbdt({ X, y, featureNames: names(6), params: { subsample: 0 } })).toThrow(/subsample must be in \(0, 1\], received 0/);
  });

  it('rejects a non-finite feature value', () => {
    const { X, y } = gaussianClasses(100, 10);
    X.data[7] = Number.NaN;
    expect(() => trainGbdt({ X, y, featureNames: names(6) })).toThrow(/row 1, column 1 is NaN/);
  });
});
