import { describe, expect, it } from 'vitest';
import { expectedTransactions } from '../../../models/clv/bgnbd.ts';
import { clvSchedule, DAYS_PER_MONTH, expectedClv } from '../../../models/clv/clv.ts';
import { expectedSpend } from '../../../models/clv/gamma-gamma.ts';
import { PUBLISHED, relativeError } from './cdnow-fixture.ts';

const bg = PUBLISHED.bgnbd;
const gg = PUBLISHED.gammaGamma;
const customer = { x: 2, tx: 30.43, T: 38.86, meanSpend: 35 };

describe('clvSchedule', () => {
  it('splits 365 days into 12 months, the last ending at the horizon, in weeks', () => {
    const s = clvSchedule({ horizonDays: 365, monthlyDiscountRate: 0.01 });

    expect(s.times).toHaveLength(12);
    expect(s.times[0]).toBeCloseTo(DAYS_PER_MONTH / 7, 12);
    expect(s.times[11]).toBeCloseTo(365 / 7, 12);
    expect(s.discounts[11]).toBeCloseTo(Math.pow(1.01, -12), 12);
  });

  it('converts an annual rate so that twelve months discount by exactly 1 + D', () => {
    const s = clvSchedule({ horizonDays: 365.25, annualDiscountRate: 0.1 });

    expect(s.discounts[11]).toBeCloseTo(1 / 1.1, 12);
  });

  it('rejects two discount rates at once and a horizon that is not positive', () => {
    expect(() => clvSchedule({ monthlyDiscountRate: 0.01, annualDiscountRate: 0.1 })).toThrow(/both/);
    expect(() => clvSchedule({ horizonDays: 0 })).toThrow(/horizon/);
  });
});

describe('expectedClv', () => {
  it('without discounting is expected spend times expected purchases in the horizon', () => {
    const clv = expectedClv(bg, gg, customer, { horizonDays: 365, monthlyDiscountRate: 0 });

    const expected = expectedSpend(gg, customer) * expectedTransactions(bg, customer, 365 / 7);
    expect(relativeError(clv, expected)).toBeLessThan(1e-12);
  });

  it('over one month discounts the month by 1 / (1 + d)', () => {
    const clv = expectedClv(bg, gg, customer, { horizonDays: DAYS_PER_MONTH, monthlyDiscountRate: 0.02, margin: 0.3 });

    const expected = (0.3 * expectedSpend(gg, customer) * expectedTransactions(bg, customer, DAYS_PER_MONTH / 7)) / 1.02;
    expect(relativeError(clv, expected)).toBeLessThan(1e-12);
  });

  it('drops with the discount rate and with time since the last purchase, and grows with the horizon', () => {
    const base = expectedClv(bg, gg, customer, { horizonDays: 365 });

    expect(expectedClv(bg, gg, customer, { horizonDays: 365, annualDiscountRate: 0.3 })).toBeLessThan(base);
    expect(expectedClv(bg, gg, { ...customer, tx: 5 }, { horizonDays: 365 })).toBeLessThan(base);
    expect(expectedClv(bg, gg, customer, { horizonDays: 730 })).toBeGreaterThan(base);
  });
});
