import { describe, expect, it } from 'vitest';
import { fitHoltWinters, holtWintersForecast } from '../../../models/forecast/holt-winters.ts';
import { seasonalNaive, seasonalNaiveAdjusted } from '../../../models/forecast/seasonal-naive.ts';
import { wape } from '../../../models/forecast/metrics.ts';
import { rng } from './synthetic.ts';

/** Trend + seasonal pattern of period m with a little noise. */
function seasonalSeries(n: number, m: number, multiplicative: boolean, seed = 1): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, t) => {
    const level = 100 + 0.5 * t;
    const s = Math.sin((2 * Math.PI * t) / m);
    return (multiplicative ? level * (1 + 0.3 * s) : level + 30 * s) + 2 * (r() - 0.5);
  });
}

describe('seasonal naive', () => {
  it('repeats the last season', () => {
    expect(seasonalNaive([1, 2, 3, 4, 5, 6], 3, 4)).toEqual([4, 5, 6, 4]);
  });

  it('adjusted: scales last season by the growth over the last window', () => {
    // Second season is 10% above the first throughout.
    const y = [10, 20, 30, 40, 11, 22, 33, 44];
    const f = seasonalNaiveAdjusted(y, 4, 4, 2);
    expect(f.map((v) => Number(v.toFixed(6)))).toEqual([12.1, 24.2, 36.3, 48.4]);
  });
});

describe('Holt-Winters', () => {
  for (const seasonality of ['additive', 'multiplicative'] as const) {
    it(`${seasonality}: forecasts a trending seasonal series within 3% WAPE`, () => {
      // Arrange
      const m = 12;
      const y = seasonalSeries(96 + 24, m, seasonality === 'multiplicative');
      const history = y.slice(0, 96);

      // Act
      const p = fitHoltWinters(history, m, seasonality);
      const f = holtWintersForecast(history, m, p, 24);

      // Assert
      expect(wape(y.slice(96), f)).toBeLessThan(0.03);
      expect(p.alpha).toBeGreaterThan(0);
      expect(p.beta).toBeLessThanOrEqual(p.alpha);
      expect(p.phi).toBeGreaterThanOrEqual(0.8);
      expect(p.phi).toBeLessThanOrEqual(0.98);
    });
  }

  it('fails with less than a season of history', () => {
    expect(() => fitHoltWinters([1, 2, 3], 4, 'additive')).toThrow(/more than one season/);
  });
});
