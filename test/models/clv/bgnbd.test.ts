import { describe, expect, it } from 'vitest';
import {
  bgNbdLogLikelihood,
  expectedTransactions,
  expectedTransactionsNew,
  fitBgNbd,
  pAlive,
  pNoPurchase,
  type BgNbdParams,
} from '../../../models/clv/bgnbd.ts';
import { ClvFitError, ClvInputError } from '../../../models/clv/errors.ts';
import { cdnowSample, PUBLISHED, relativeError } from './cdnow-fixture.ts';
import { rng, simulateCustomer } from './simulate.ts';

const published: BgNbdParams = PUBLISHED.bgnbd;

describe('fitBgNbd on CDNOW (weeks 1-39)', () => {
  const { summary } = cdnowSample();
  const fit = fitBgNbd(summary);

  it.each(['r', 'alpha', 'a', 'b'] as const)('reproduces the published %s within 1%', (k) => {
    expect(relativeError(fit.params[k], published[k])).toBeLessThan(0.01);
  });

  it('reaches the published log-likelihood -9582.43', () => {
    expect(fit.logLikelihood).toBeCloseTo(PUBLISHED.bgnbd.logLikelihood, 1);
    expect(bgNbdLogLikelihood(published, summary)).toBeCloseTo(PUBLISHED.bgnbd.logLikelihood, 1);
  });

  it('ends at a maximum: every nearby parameter vector is less likely', () => {
    for (const k of ['r', 'alpha', 'a', 'b'] as const) {
      for (const f of [0.99, 1.01]) {
        expect(bgNbdLogLikelihood({ ...fit.params, [k]: fit.params[k] * f }, summary)).toBeLessThan(fit.logLikelihood);
      }
    }
  });

  it('predicts 1.226 purchases in 39 weeks for x = 2, t_x = 30.43, T = 38.86', () => {
    expect(expectedTransactions(fit.params, { x: 2, tx: 30.43, T: 38.86 }, 39)).toBeCloseTo(1.226, 3);
  });

  it.each([
    [1, 0.0532],
    [3, 0.1506],
    [32, 1.0437],
    [78, 1.8576],
  ])('gives the published unconditional E[X(%d)] = %d', (t, expected) => {
    expect(relativeError(expectedTransactionsNew(fit.params, t), expected)).toBeLessThan(1e-3);
  });
});

describe('expectedTransactions', () => {
  // E[Y(t) | x, t_x, T] from the textbook formula (direct 2F1) in mpmath at 60 digits.
  const cases: [string, BgNbdParams, number, number, number, number, number][] = [
    ['the FHL example', published, 2, 30.43, 38.86, 39, 1.225922657987033],
    ['no repeat purchase', published, 0, 0, 38.86, 39, 0.19478676916062002],
    ['a very frequent buyer (x = 150)', published, 150, 38, 39, 39, 87.9928893137194],
    ['a horizon 128 times alpha + T (z = 0.992)', published, 7, 20, 39, 5000, 9.687772987663411],
    ['a new customer over 5000 weeks (z = 0.9991)', published, 0, 0, 0, 5000, 11.97613103150365],
    ['a = 1, where the textbook formula is 0/0', { ...published, a: 1 }, 3, 20, 30, 52, 2.0282923783643807],
    ['a > 1 and b < 1, x = 0', { r: 1.5, alpha: 20, a: 2.5, b: 0.6 }, 0, 0, 10, 100, 1.1274042129894033],
    ['a > 1 and b < 1, x = 4', { r: 1.5, alpha: 20, a: 2.5, b: 0.6 }, 4, 8, 10, 100, 1.7611297295038297],
    ['a + b < 1 (c of 2F1 negative)', { r: 0.8, alpha: 3, a: 0.3, b: 0.5 }, 0, 0, 2, 10, 1.1076835352284164],
    ['a + b < 1, x = 1', { r: 0.8, alpha: 3, a: 0.3, b: 0.5 }, 1, 1, 2, 10, 1.456039877096085],
    ['a tiny horizon', published, 2, 30.43, 38.86, 0.001, 0.00003765564643202571],
  ];
  it.each(cases)('matches mpmath for %s', (_name, p, x, tx, T, t, expected) => {
    expect(relativeError(expectedTransactions(p, { x, tx, T }, t), expected)).toBeLessThan(1e-11);
  });

  // A collapsed fit (a at its bound, b in the hundred thousands; seen on a 2,500-customer synthetic lake): the series
  // terms pass 1e308 before they fall, and (1-z)^(a-1) underflows. mpmath at 60 digits, direct 2F1.
  const collapsed: BgNbdParams = { r: 0.9216795283765117, alpha: 4.3280845241813575, a: 997.1604013689828, b: 121931.43581292008 };
  it.each([
    [1, 7.714285714285714, 8, 90 / 7, 1.9628593694343381],
    [0, 0, 7.142857142857143, 90 / 7, 1.0241140690764612],
    [5, 20, 30, 52, 8.092297052577246],
  ])('stays finite and matches mpmath for a collapsed fit (x = %d, t_x = %d, T = %d, t = %d)', (x, tx, T, t, expected) => {
    // C = a + b + x - 1 is 1.2e5 here: the closed form subtracts two terms of that size, so 1e-9, not 1e-11.
    expect(relativeError(expectedTransactions(collapsed, { x, tx, T }, t), expected)).toBeLessThan(1e-9);
  });

  it('is continuous through a = 1', () => {
    const at = (a: number) => expectedTransactions({ ...published, a }, { x: 3, tx: 20, T: 30 }, 52);
    expect(relativeError(at(1 - 1e-9), at(1))).toBeLessThan(1e-8);
    expect(relativeError(at(1 + 1e-9), at(1))).toBeLessThan(1e-8);
  });

  it('is 0 over a zero horizon and grows with the horizon', () => {
    const c = { x: 4, tx: 30, T: 38 };
    expect(expectedTransactions(published, c, 0)).toBe(0);
    const values = [1, 13, 52, 520].map((t) => expectedTransactions(published, c, t));
    values.slice(1).forEach((v, i) => expect(v).toBeGreaterThan(values[i]!));
  });

  it('rejects a negative horizon and t_x after T', () => {
    expect(() => expectedTransactions(published, { x: 1, tx: 3, T: 5 }, -1)).toThrow(ClvInputError);
    expect(() => expectedTransactions(published, { x: 1, tx: 6, T: 5 }, 1)).toThrow(/0 <= t_x <= T/);
  });
});

describe('pAlive and pNoPurchase', () => {
  it('treats a customer without repeat purchases as alive', () => {
    expect(pAlive(published, { x: 0, tx: 0, T: 30 })).toBe(1);
  });

  it('stays finite for thousands of purchases', () => {
    // Bought today: alive unless the last purchase was the dropout one, odds a / (b + x - 1).
    expect(pAlive(published, { x: 5000, tx: 39, T: 39 })).toBeCloseTo(1 / (1 + published.a / (published.b + 4999)), 12);
    expect(pAlive(published, { x: 5000, tx: 10, T: 39 })).toBe(0);
    expect(Number.isFinite(pNoPurchase(published, { x: 5000, tx: 38, T: 39 }, 1))).toBe(true);
  });

  it('falls as the last purchase recedes', () => {
    const recent = pAlive(published, { x: 3, tx: 35, T: 38 });
    const old = pAlive(published, { x: 3, tx: 5, T: 38 });
    expect(old).toBeLessThan(recent);
  });

  it('gives the unconditional P(X(t) = 0) = (alpha / (alpha + t))^r for a new customer', () => {
    const expected = Math.pow(published.alpha / (published.alpha + 26), published.r);
    expect(pNoPurchase(published, { x: 0, tx: 0, T: 0 }, 26)).toBeCloseTo(expected, 14);
  });

  it('runs from 1 at t = 0 towards 1 - P(alive) as t grows', () => {
    const c = { x: 3, tx: 20, T: 38 };
    expect(pNoPurchase(published, c, 0)).toBe(1);
    expect(pNoPurchase(published, c, 1e9)).toBeCloseTo(1 - pAlive(published, c), 6);
  });

  it('rejects parameters that are not positive', () => {
    expect(() => pAlive({ ...published, b: 0 }, { x: 1, tx: 1, T: 2 })).toThrow(/parameter b = 0/);
  });
});

describe('predictions agree with customers drawn from the model', () => {
  // 40,000 customers with the CDNOW parameters, joined over 13 weeks, observed to week 39 and for 39 weeks more.
  const u = rng(20050101);
  const horizon = 39;
  const customers = Array.from({ length: 40_000 }, () => simulateCustomer(u, published, 26 + 13 * u(), horizon));
  const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;

  it.each([
    ['all customers', () => true],
    ['customers without repeat purchases', (c: { x: number }) => c.x === 0],
    ['customers with 3 or more', (c: { x: number }) => c.x >= 3],
  ])('for %s: P(alive), P(no purchase) and E[Y] match the observed shares and mean', (_name, keep) => {
    const group = customers.filter(keep);
    const se = 1 / Math.sqrt(group.length);
    expect(Math.abs(mean(group.map((c) => pAlive(published, c))) - mean(group.map((c) => (c.aliveAtT ? 1 : 0))))).toBeLessThan(4 * se);
    expect(Math.abs(mean(group.map((c) => pNoPurchase(published, c, horizon))) - mean(group.map((c) => (c.future === 0 ? 1 : 0))))).toBeLessThan(4 * se);
    const observed = mean(group.map((c) => c.future));
    expect(relativeError(mean(group.map((c) => expectedTransactions(published, c, horizon))), observed)).toBeLessThan(0.05);
  });
});

describe('fitBgNbd input checks', () => {
  it('fails without customers or without any repeat purchase', () => {
    expect(() => fitBgNbd([])).toThrow(ClvFitError);
    expect(() => fitBgNbd([{ x: 0, tx: 0, T: 10 }])).toThrow(/not identified/);
  });

  it('rejects a fractional purchase count', () => {
    expect(() => fitBgNbd([{ x: 1.5, tx: 1, T: 2 }])).toThrow(/whole number/);
  });
});
