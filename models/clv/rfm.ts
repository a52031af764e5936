/**
 * The frequency / recency / age summary that BG/NBD and Gamma-Gamma are fitted on, built from raw purchases.
 * Time resolution is the UTC calendar day: purchases on the same day are merged into one transaction (their
 * amounts summed), as in the CDNOW protocol of Fader, Hardie & Lee (2005).
 *
 * Example: two purchases a week apart, calibration ending a week after the second.
 *   rfmSummary([{ customerId: 'c1', at: '2024-01-01', amount: 10 }, { customerId: 'c1', at: '2024-01-08', amount: 30 }],
 *     '2024-01-15', 'weeks')
 *   // [{ customerId: 'c1', x: 1, tx: 1, T: 2, meanSpend: 30, firstSpend: 10 }]
 */
import { ClvInputError } from './errors.ts';

/** Time unit of x's companions t_x and T (and of every horizon the model is asked about). */
export type TimeUnit = 'days' | 'weeks';

export const DAYS_PER_UNIT: Readonly<Record<TimeUnit, number>> = { days: 1, weeks: 7 };

/** One purchase. `at` is a Date, epoch milliseconds, `YYYY-MM-DD`, or an ISO timestamp with a zone (Z or +hh:mm). */
export interface Transaction {
  readonly customerId: string;
  readonly at: Date | number | string;
  /** Money spent; summed per customer and day. */
  readonly amount: number;
}

/** One customer's calibration summary, in the chosen time unit. */
export interface CustomerSummary {
  readonly customerId: string;
  /** Repeat purchases: distinct purchase days after the first. */
  readonly x: number;
  /** Time of the last purchase, measured from the first. */
  readonly tx: number;
  /** Age at the end of calibration, measured from the first purchase. */
  readonly T: number;
  /**
   * Mean spend per repeat transaction (the first purchase excluded; 0 when x = 0). This is the definition that
   * reproduces the published Gamma-Gamma estimates on CDNOW (Fader & Hardie 2013).
   */
  readonly meanSpend: number;
  /** Spend on the first purchase day. */
  readonly firstSpend: number;
}

const MS_PER_DAY = 86_400_000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const ZONED = /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/;

/** Whole UTC days since 1970-01-01. Rejects strings whose time zone would be guessed from the host. */
export function utcDay(at: Date | number | string): number {
  let ms: number;
  if (at instanceof Date) ms = at.getTime();
  else if (typeof at === 'number') ms = at;
  else if (DATE_ONLY.test(at) || ZONED.test(at)) ms = Date.parse(at);
  else {
    throw new ClvInputError(`time ${JSON.stringify(at)}: expected YYYY-MM-DD, an ISO timestamp with Z or an offset, a Date or epoch ms`);
  }
  if (!Number.isFinite(ms)) throw new ClvInputError(`time ${JSON.stringify(at)} is not a valid date`);
  return Math.floor(ms / MS_PER_DAY);
}

export function checkUnit(unit: string): TimeUnit {
  if (unit !== 'days' && unit !== 'weeks') throw new ClvInputError(`time unit ${JSON.stringify(unit)}: expected 'days' or 'weeks'`);
  return unit;
}

/** Per customer, the map of UTC day -> amount spent that day, over purchases in [fromDay, toDay]. */
function dailySpend(transactions: Iterable<Transaction>, fromDay: number, toDay: number): Map<string, Map<number, number>> {
  const byCustomer = new Map<string, Map<number, number>>();
  for (const t of transactions) {
    if (!Number.isFinite(t.amount)) throw new ClvInputError(`customer ${t.customerId}: amount must be finite, received ${t.amount}`);
    const day = utcDay(t.at);
    if (day < fromDay || day > toDay) continue;
    let days = byCustomer.get(t.customerId);
    if (!days) byCustomer.set(t.customerId, (days = new Map()));
    days.set(day, (days.get(day) ?? 0) + t.amount);
  }
  return byCustomer;
}

/**
 * Summarises purchases up to and including `calibrationEnd` (a UTC day) into one row per customer who bought by
 * then: x, t_x, T in `unit` and the mean repeat spend. Later purchases are ignored, so a summary as of a past date
 * is honest even when the lake holds newer data. Rows come sorted by customerId.
 */
export function rfmSummary(
  transactions: Iterable<Transaction>,
  calibrationEnd: Date | number | string,
  unit: TimeUnit = 'weeks',
): CustomerSummary[] {
  const perUnit = DAYS_PER_UNIT[checkUnit(unit)];
  const endDay = utcDay(calibrationEnd);
  const rows: CustomerSummary[] = [];
  for (const [customerId, days] of dailySpend(transactions, -Infinity, endDay)) {
    const sorted = [...days.keys()].sort((a, b) => a - b);
    const first = sorted[0]!;
    const last = sorted[sorted.length - 1]!;
    const x = sorted.length - 1;
    let repeatSpend = 0;
    for (const d of sorted.slice(1)) repeatSpend += days.get(d)!;
    rows.push({
      customerId,
      x,
      tx: (last - first) / perUnit,
      T: (endDay - first) / perUnit,
      meanSpend: x > 0 ? repeatSpend / x : 0,
      firstSpend: days.get(first)!,
    });
  }
  return rows.sort((a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0));
}

/**
 * Number of purchase days per customer in the window (from, to], both UTC days: the holdout count behind
 * "no purchase in the next t" labels. Customers without a purchase there are absent from the map.
 */
export function purchaseDaysInWindow(
  transactions: Iterable<Transaction>,
  from: Date | number | string,
  to: Date | number | string,
): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [customerId, days] of dailySpend(transactions, utcDay(from) + 1, utcDay(to))) counts.set(customerId, days.size);
  return counts;
}
