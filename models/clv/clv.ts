/**
 * Customer lifetime value over a finite horizon from BG/NBD (how many purchases) and Gamma-Gamma (how much each).
 *
 *   CLV(H) = margin * E[M | m_x, x] * sum_{k=1..K} ( E[Y(tau_k)] - E[Y(tau_{k-1})] ) / (1 + d)^k
 *
 * with tau_k = min(k * month, H), K = ceil(H / month), month = 365.25/12 days, d the monthly discount rate
 * (an annual rate D is converted as d = (1 + D)^(1/12) - 1) and E[Y(.)] the BG/NBD conditional expectation.
 * Purchases expected during month k are discounted to the end of month k, as in Fader, Hardie & Lee's CLV
 * spreadsheets and the lifetimes package. Spend and purchase counts are independent under the two models, so the
 * expectation of the product is the product of the expectations.
 */
import { expectedTransactionsIfAlive, pAlive, type BgNbdParams, type Rft } from './bgnbd.ts';
import { ClvInputError } from './errors.ts';
import { expectedSpend, type GammaGammaParams } from './gamma-gamma.ts';
import { checkUnit, DAYS_PER_UNIT, type TimeUnit } from './rfm.ts';

export const DAYS_PER_MONTH = 365.25 / 12;

export interface ClvOptions {
  /** Horizon in days. @default 365 */
  readonly horizonDays?: number;
  /** Time unit the BG/NBD parameters were fitted in. @default 'weeks' */
  readonly unit?: TimeUnit;
  /** Monthly discount rate; give this or annualDiscountRate. @default 0.01 (about 12.7% a year) */
  readonly monthlyDiscountRate?: number;
  /** Annual discount rate, converted to the monthly (1 + D)^(1/12) - 1. */
  readonly annualDiscountRate?: number;
  /** Share of revenue that is profit; 1 gives revenue CLV. @default 1 */
  readonly margin?: number;
}

/** The discounting schedule: month ends tau_k (in model units, the last one = horizon) and factors (1 + d)^-k. */
export interface ClvSchedule {
  readonly times: readonly number[];
  readonly discounts: readonly number[];
  readonly monthlyDiscountRate: number;
  readonly margin: number;
}

export function clvSchedule(options: ClvOptions = {}): ClvSchedule {
  const horizonDays = options.horizonDays ?? 365;
  const perUnit = DAYS_PER_UNIT[checkUnit(options.unit ?? 'weeks')];
  if (!(horizonDays > 0 && Number.isFinite(horizonDays))) throw new ClvInputError(`CLV horizon ${horizonDays} days; expected a finite number > 0`);
  if (options.monthlyDiscountRate !== undefined && options.annualDiscountRate !== undefined) {
    throw new ClvInputError('CLV: received both monthlyDiscountRate and annualDiscountRate; expected one of them');
  }
  const d = options.annualDiscountRate !== undefined
    ? Math.pow(1 + options.annualDiscountRate, 1 / 12) - 1
    : (options.monthlyDiscountRate ?? 0.01);
  if (!(d > -1 && Number.isFinite(d))) throw new ClvInputError(`CLV discount rate ${d} a month; expected a finite number > -1`);
  const margin = options.margin ?? 1;
  if (!Number.isFinite(margin)) throw new ClvInputError(`CLV margin ${margin}; expected a finite number`);
  // A horizon a hair above whole months (365 days is 11.992 months) must not add a near-empty extra month.
  const months = Math.max(1, Math.ceil(horizonDays / DAYS_PER_MONTH - 1e-9));
  const times: number[] = [];
  const discounts: number[] = [];
  for (let k = 1; k <= months; k++) {
    times.push(Math.min(k * DAYS_PER_MONTH, horizonDays) / perUnit);
    discounts.push(Math.pow(1 + d, -k));
  }
  return { times, discounts, monthlyDiscountRate: d, margin };
}

/** A customer for CLV: the BG/NBD summary plus the mean repeat spend. */
export interface ClvCustomer extends Rft {
  readonly meanSpend: number;
}

/**
 * Expected discounted value of the customer's purchases over the horizon (formula in the module comment).
 * @example expectedClv(bg, gg, { x: 2, tx: 30.43, T: 38.86, meanSpend: 35 }, { horizonDays: 365, annualDiscountRate: 0.1 })
 */
export function expectedClv(bg: BgNbdParams, gg: GammaGammaParams, c: ClvCustomer, options: ClvOptions | ClvSchedule = {}): number {
  const schedule = 'times' in options ? options : clvSchedule(options);
  const alive = pAlive(bg, c);
  let previous = 0;
  let discounted = 0;
  schedule.times.forEach((tau, k) => {
    const e = expectedTransactionsIfAlive(bg, c.x, c.T, tau);
    discounted += (e - previous) * schedule.discounts[k]!;
    previous = e;
  });
  return schedule.margin * expectedSpend(gg, c) * alive * discounted;
}
