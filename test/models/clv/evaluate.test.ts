import { describe, expect, it } from 'vitest';
import { CDNOW_PROTOCOL } from '../../../models/clv/cdnow.ts';
import { auc, evaluateChurn } from '../../../models/clv/evaluate.ts';
import { cdnowSample } from './cdnow-fixture.ts';
import { rng } from './simulate.ts';

/** The definition itself: share of (positive, negative) pairs ordered right, ties one half. */
function pairwiseAuc(scores: number[], labels: boolean[]): number {
  let wins = 0;
  let pairs = 0;
  scores.forEach((s, i) => {
    if (!labels[i]) return;
    scores.forEach((t, j) => {
      if (labels[j]) return;
      pairs++;
      wins += s > t ? 1 : s === t ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

describe('auc', () => {
  it('counts a tie between a positive and a negative as one half', () => {
    expect(auc([0.9, 0.1, 0.5, 0.5], [true, false, true, false])).toBe(0.875);
  });

  it('is 1 for a perfect ranking, 0 for a reversed one and 0.5 when every score ties', () => {
    expect(auc([3, 2, 1], [true, false, false])).toBe(1);
    expect(auc([1, 2, 3], [true, false, false])).toBe(0);
    expect(auc([7, 7, 7, 7], [true, false, true, false])).toBe(0.5);
  });

  it('equals the pairwise definition on scores with many ties', () => {
    const u = rng(7);
    const scores = Array.from({ length: 400 }, () => Math.floor(u() * 12));
    const labels = scores.map((s) => u() < 0.2 + s / 20);

    expect(auc(scores, labels)).toBeCloseTo(pairwiseAuc(scores, labels), 12);
  });

  it('rejects labels of one class only and mismatched lengths', () => {
    expect(() => auc([1, 2], [true, true])).toThrow(/at least one of each/);
    expect(() => auc([1, 2], [true])).toThrow(/one label per score/);
  });
});

describe('evaluateChurn on CDNOW (label: no purchase in weeks 40-78)', () => {
  const { transactions } = cdnowSample();
  const result = evaluateChurn(transactions, {
    calibrationEnd: CDNOW_PROTOCOL.calibrationEnd,
    holdoutEnd: CDNOW_PROTOCOL.holdoutEnd,
  });

  it('labels the 2,357 customers over a 39-week holdout', () => {
    expect(result.customers).toBe(2357);
    expect(result.holdoutLength).toBe(39);
    expect(result.churned / result.customers).toBeGreaterThan(0.6);
  });

  it('ranks churners with P(no purchase in the holdout), where 1 - P(alive) fails', () => {
    // 1 - P(alive) is 0 for every one-time buyer, the group that churns most: worse than chance.
    expect(result.auc.oneMinusPAlive).toBeLessThan(0.5);
    expect(result.auc.pNoPurchase).toBeGreaterThan(0.7);
    expect(result.auc.recency).toBeGreaterThan(0.7);
  });
});
