import { describe, expect, it } from 'vitest';
import { area, auuc, evaluateUplift, qiniCoefficient, qiniCurve, upliftAtK, upliftCurve } from '../../../models/uplift/metrics.ts';

// Six customers ranked by predicted uplift 0.9 .. 0.4; worked by hand below (scikit-uplift's definitions).
const score = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
const treated = [1, 0, 1, 0, 1, 0];
const y = [1, 0, 0, 1, 1, 0];

describe('uplift metrics on a hand-worked example', () => {
  it('Qini curve: treated responders minus control responders scaled to the treated count, at each k', () => {
    // k=1: 1 - 0; k=2: 1 - 0 x 1/1; k=3: 1 - 0 x 2/1; k=4: 1 - 1 x 2/2 = 0; k=5: 2 - 1 x 3/2 = 0.5; k=6: 2 - 1 x 3/3 = 1
    expect(qiniCurve(y, score, treated)).toEqual({ x: [0, 1, 2, 3, 4, 5, 6], y: [0, 1, 1, 1, 0, 0.5, 1] });
    // Trapezoids: 0.5 + 1 + 1 + 0.5 + 0.25 + 0.75
    expect(area(qiniCurve(y, score, treated))).toBeCloseTo(4, 12);
  });

  it('Qini coefficient: (model area - diagonal) / (perfect area - diagonal) = (4 - 3) / (9.5 - 3)', () => {
    // Perfect ranking y*t - y*(1-t) = [1, 0, 0, -1, 1, 0]: points (2, 2), (5, 2), (6, 1): area 2 + 6 + 1.5 = 9.5;
    // the random diagonal from (0, 0) to (6, 1) has area 3.
    expect(qiniCoefficient(y, score, treated)).toBeCloseTo(1 / 6.5, 12);
  });

  it('AUUC: uplift curve (treated rate - control rate) x k, normalised the same way = (19/3 - 6) / (43/3 - 6)', () => {
    // k=1..6: 1, 2, 1.5, 0, 5/6, 2 -> area 19/3.
    const c = upliftCurve(y, score, treated);
    expect(c.y.map((v) => Math.round(v * 1e9) / 1e9)).toEqual([0, 1, 2, 1.5, 0, 0.833333333, 2]);
    expect(area(c)).toBeCloseTo(19 / 3, 12);
    // Control responders (1) do not outnumber treated non-responders (1): perfect = 2 x (y == t) + t = [3, 2, 1, 0, 3, 2]:
    // points (2, 2), (4, 4), (5, 10/3), (6, 2): area 2 + 6 + 11/3 + 8/3 = 43/3; diagonal to (6, 2): 6.
    expect(auuc(y, score, treated)).toBeCloseTo(1 / 25, 12);
  });

  it('uplift at k: treated minus control mean among the top ceil(k x n)', () => {
    expect(upliftAtK(y, score, treated, 0.3)).toBe(1); // top 2: treated 1/1, control 0/1
    expect(upliftAtK(y, score, treated, 0.5)).toBe(0.5); // top 3: treated 1/2, control 0/1
    expect(evaluateUplift(y, score, treated).overall_lift).toBeCloseTo(1 / 3, 12); // 2/3 - 1/3
    expect(upliftAtK(y, score, treated, 0.1)).toBeNull(); // top 1: no control customer to compare with
  });

  it('a ranking that knows nothing (one score for all) scores Qini 0, a reversed perfect ranking below 0', () => {
    expect(qiniCoefficient(y, [0, 0, 0, 0, 0, 0], treated)).toBe(0);
    const perfect = y.map((v, i) => (treated[i] === 1 ? v : -v));
    expect(qiniCoefficient(y, perfect, treated)).toBe(1);
    expect(qiniCoefficient(y, perfect.map((v) => -v), treated)).toBeLessThan(0);
  });

  it('rejects a treatment flag that is not 0 or 1, and arrays of different lengths', () => {
    expect(() => qiniCoefficient(y, score, [1, 0, 2, 0, 1, 0])).toThrow(/treatment flag 2 must be 0 or 1, received 2/);
    expect(() => qiniCoefficient(y, score.slice(1), treated)).toThrow(/6 outcomes, 5 scores/);
  });
});
