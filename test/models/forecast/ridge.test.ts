import { describe, expect, it } from 'vitest';
import { fitRidge, predictRidge } from '../../../models/forecast/ridge.ts';
import { rng } from './synthetic.ts';

describe('ridge regression', () => {
  it('recovers the coefficients of noiseless linear data with a tiny penalty, constant columns getting weight 0', () => {
    const r = rng(1);
    const rows = Array.from({ length: 200 }, () => [r(), 10 * r(), 1000 + r(), 5]);
    const y = rows.map(([a, b, c]) => 3 + 2 * a! - 0.5 * b! + 0.1 * c!);

    const fit = fitRidge(rows, y, 1e-9);

    expect(fit.weights[0]).toBeCloseTo(2, 5);
    expect(fit.weights[1]).toBeCloseTo(-0.5, 5);
    expect(fit.weights[2]).toBeCloseTo(0.1, 4);
    expect(fit.weights[3]).toBe(0);
    expect(predictRidge(fit, [0.5, 2, 1000.5, 5])).toBeCloseTo(3 + 1 - 1 + 100.05, 4);
  });

  it('shrinks the weights towards 0 as the penalty grows, keeping the mean', () => {
    const r = rng(2);
    const rows = Array.from({ length: 100 }, () => [r()]);
    const y = rows.map(([a]) => 1 + a! + 0.1 * r());

    const weak = fitRidge(rows, y, 0.01);
    const strong = fitRidge(rows, y, 1e6);

    expect(Math.abs(strong.weights[0]!)).toBeLessThan(Math.abs(weak.weights[0]!) / 100);
    expect(predictRidge(strong, [0.5])).toBeCloseTo(y.reduce((a, b) => a + b) / y.length, 2);
  });
});
