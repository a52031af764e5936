import { describe, expect, it } from 'vitest';
import { ClvFitError, ClvInputError } from '../../../models/clv/errors.ts';
import { expectedSpend, fitGammaGamma, gammaGammaLogLikelihood } from '../../../models/clv/gamma-gamma.ts';
import { cdnowSample, PUBLISHED, relativeError } from './cdnow-fixture.ts';

describe('fitGammaGamma on CDNOW (946 repeat buyers, weeks 1-39)', () => {
  const { summary } = cdnowSample();
  const fit = fitGammaGamma(summary);

  it('fits on the 946 customers with repeat purchases', () => {
    expect(fit.customers).toBe(946);
  });

  it.each(['p', 'q', 'gamma'] as const)('reproduces the published %s within 2%', (k) => {
    expect(relativeError(fit.params[k], PUBLISHED.gammaGamma[k])).toBeLessThan(0.02);
  });

  it('reaches the published log-likelihood -4055.92', () => {
    expect(fit.logLikelihood).toBeCloseTo(PUBLISHED.gammaGamma.logLikelihood, 1);
  });

  it('needs the mean over repeat transactions: averaging in the first purchase does not reproduce p', () => {
    const withFirst = summary
      .filter((c) => c.x > 0)
      .map((c) => ({ x: c.x + 1, meanSpend: (c.meanSpend * c.x + c.firstSpend) / (c.x + 1) }));

    expect(relativeError(fitGammaGamma(withFirst).params.p, PUBLISHED.gammaGamma.p)).toBeGreaterThan(0.2);
  });

  it('scores the published parameters as likely as the fit', () => {
    expect(gammaGammaLogLikelihood(PUBLISHED.gammaGamma, summary)).toBeCloseTo(fit.logLikelihood, 1);
  });
});

describe('expectedSpend', () => {
  const g = PUBLISHED.gammaGamma;
  const population = (g.p * g.gamma) / (g.q - 1);

  it('is the population mean p gamma / (q - 1) for a customer without repeat purchases', () => {
    expect(expectedSpend(g, { x: 0, meanSpend: 0 })).toBeCloseTo(population, 12);
  });

  it('shrinks an observed mean towards the population mean, less as x grows', () => {
    const one = expectedSpend(g, { x: 1, meanSpend: 100 });
    const many = expectedSpend(g, { x: 50, meanSpend: 100 });

    expect(one).toBeGreaterThan(population);
    expect(one).toBeLessThan(100);
    expect(many).toBeGreaterThan(one);
    expect(100 - many).toBeLessThan(0.03 * (100 - population));
  });

  it('rejects q <= 1 for a customer without repeat purchases (infinite population mean)', () => {
    expect(() => expectedSpend({ ...g, q: 0.9 }, { x: 0, meanSpend: 0 })).toThrow(ClvInputError);
  });
});

describe('fitGammaGamma input checks', () => {
  it('fails with fewer than three usable customers', () => {
    expect(() => fitGammaGamma([{ x: 1, meanSpend: 10 }, { x: 0, meanSpend: 0 }, { x: 2, meanSpend: 0 }])).toThrow(ClvFitError);
  });
});
