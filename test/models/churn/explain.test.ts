import { describe, expect, it } from 'vitest';
import { contributionBias, contributions, topReasons } from '../../../models/churn/explain.ts';
import { DEFAULT_GBDT_PARAMS, predictMargin, trainGbdt, type GbdtModel, type Tree } from '../../../models/churn/gbdt.ts';
import { churnLike } from './synthetic.ts';

function stump(feature: number, threshold: number, [root, left, right]: [number, number, number]): Tree {
  return {
    feature: Int32Array.from([feature, -1, -1]),
    threshold: Float32Array.from([threshold, 0, 0]),
    splitBin: Int32Array.from([0, -1, -1]),
    left: Int32Array.from([1, -1, -1]),
    right: Int32Array.from([2, -1, -1]),
    value: Float32Array.from([root, left, right]),
    count: Int32Array.from([10, 5, 5]),
  };
}

// Two stumps: tree 0 on feature 1 (root 0.125 -> left -0.25 / right 0.375), tree 1 on feature 0 (0 -> -0.125 / 0.0625).
const hand: GbdtModel = {
  featureNames: ['orders_90d', 'recency_days'],
  base: -1,
  linear: [],
  trees: [stump(1, 0.5, [0.125, -0.25, 0.375]), stump(0, 2, [0, -0.125, 0.0625])],
  params: DEFAULT_GBDT_PARAMS,
  validLoss: [],
};

describe('Saabas contributions', () => {
  it('credit each split to its feature: the change from node value to child value', () => {
    const X = { rows: 1, cols: 2, data: new Float64Array([0, 1]) };
    // Tree 0 goes right on recency: 0.375 - 0.125 = 0.25. Tree 1 goes left on orders: -0.125 - 0 = -0.125.
    expect(Array.from(contributions(hand, X))).toEqual([-0.125, 0.25]);
    expect(contributionBias(hand)).toBe(-1 + 0.125 + 0);
    expect(predictMargin(hand, X)[0]).toBe(-1 + 0.375 - 0.125);
  });

  it.each([[[]], [['recency_days']]])('add up with the bias to the log-odds of every row (linear start on %j)', (linearFeatures) => {
    const { X, y, featureNames } = churnLike(1500, 1);
    const m = trainGbdt({ X, y, featureNames, params: { nTrees: 40 }, linearFeatures });
    expect(m.linear).toHaveLength(linearFeatures.length);
    const c = contributions(m, X);
    const margin = predictMargin(m, X);
    const bias = contributionBias(m);
    for (let i = 0; i < X.rows; i++) {
      let s = bias;
      for (let f = 0; f < X.cols; f++) s += c[i * X.cols + f]!;
      expect(s).toBeCloseTo(margin[i]!, 5);
    }
  });

  it('name recency as the top reason for a long-inactive customer', () => {
    const { X, y, featureNames } = churnLike(3000, 2);
    const m = trainGbdt({ X, y, featureNames, params: { nTrees: 80 } });
    const x = new Float64Array([350, 0, 1, 0, 0]);
    const c = contributions(m, { rows: 1, cols: 5, data: x });
    expect(topReasons(c, x, featureNames, 2)[0]).toMatchObject({ feature: 'recency_days', value: 350 });
  });
});

describe('topReasons', () => {
  it('returns the features that raise risk, largest first, at most top', () => {
    const r = topReasons([0.5, -0.4, 0.1, 0.9], [10, 20, 30, 40], ['a', 'b', 'c', 'd'], 2);
    expect(r).toEqual([
      { feature: 'd', value: 40, contribution: 0.9 },
      { feature: 'a', value: 10, contribution: 0.5 },
    ]);
  });

  it('leaves out credits at or below the minimum', () => {
    expect(topReasons([0.05, -1], [1, 2], ['a', 'b'], 3, 0.1)).toEqual([]);
  });
});
