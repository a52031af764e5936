import { describe, expect, it } from 'vitest';
import { auc, calibrationTable, expectedCalibrationError, liftAt, logLoss } from '../../src/models/metrics.ts';

describe('auc', () => {
  it('equals the share of correctly ordered positive/negative pairs', () => {
    // Pairs (pos, neg): (0.35, 0.1) ok, (0.35, 0.4) wrong, (0.8, 0.1) ok, (0.8, 0.4) ok -> 3/4.
    expect(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 12);
  });

  it('counts a tied positive/negative pair as one half', () => {
    // (0.5, 0.5) tie = 0.5, (0.5, 0.2) = 1, (0.9, 0.5) = 1, (0.9, 0.2) = 1 -> 3.5 / 4.
    expect(auc([0.5, 0.5, 0.2, 0.9], [1, 0, 0, 1])).toBeCloseTo(0.875, 12);
    expect(auc([1, 1, 1, 1], [1, 0, 1, 0])).toBe(0.5);
  });

  it('does not depend on row order', () => {
    expect(auc([0.9, 0.2, 0.5, 0.5], [1, 0, 0, 1])).toBeCloseTo(0.875, 12);
  });

  it('rejects labels of one class only', () => {
    expect(() => auc([0.1, 0.2], [1, 1])).toThrow(/needs both classes; received 2 positives and 0 negatives/);
  });
});

describe('logLoss', () => {
  it('is the mean negative log-likelihood', () => {
    // -(ln 0.9 + ln 0.8) / 2
    expect(logLoss([0.9, 0.2], [1, 0])).toBeCloseTo((0.105360516 + 0.223143551) / 2, 8);
  });

  it('clips probabilities of 0 and 1 instead of returning Infinity', () => {
    expect(Number.isFinite(logLoss([0, 1], [1, 0]))).toBe(true);
  });
});

describe('liftAt', () => {
  it('divides the event rate in the top fraction by the overall rate', () => {
    // 10 rows, top 20% = 2 rows with labels 1, 0 -> 0.5; overall 3/10 -> lift 5/3.
    const scores = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
    const labels = [1, 0, 0, 1, 0, 0, 1, 0, 0, 0];
    expect(liftAt(scores, labels, 0.2)).toBeCloseTo(5 / 3, 12);
  });

  it('shares a tie group straddling the cut pro rata', () => {
    // Top 2 of 10: row 0.9 (label 1), then 1 of 3 tied rows at 0.5 holding 1 positive -> 1 + 1/3 hits in 2 rows.
    const scores = [0.9, 0.5, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];
    const labels = [1, 1, 0, 0, 0, 0, 0, 0, 1, 0];
    expect(liftAt(scores, labels, 0.2)).toBeCloseTo((4 / 3 / 2) / (3 / 10), 12);
  });
});

describe('calibrationTable', () => {
  it('bins rows by predicted probability into equal counts', () => {
    const t = calibrationTable([0.3, 0.1, 0.4, 0.2], [1, 0, 1, 0], 2);
    expect(t).toEqual([
      { bin: 1, n: 2, min_predicted: 0.1, max_predicted: 0.2, mean_predicted: expect.closeTo(0.15, 12), observed_rate: 0 },
      { bin: 2, n: 2, min_predicted: 0.3, max_predicted: 0.4, mean_predicted: expect.closeTo(0.35, 12), observed_rate: 1 },
    ]);
    // (2 x |0.15 - 0| + 2 x |0.35 - 1|) / 4
    expect(expectedCalibrationError(t)).toBeCloseTo(0.4, 12);
  });

  it('rejects fewer rows than bins', () => {
    expect(() => calibrationTable([0.5], [1], 10)).toThrow(/at least 10 rows/);
  });
});
