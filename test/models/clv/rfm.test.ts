import { describe, expect, it } from 'vitest';
import { ClvInputError } from '../../../models/clv/errors.ts';
import { parseCdnow } from '../../../models/clv/cdnow.ts';
import { purchaseDaysInWindow, rfmSummary, utcDay, type Transaction } from '../../../models/clv/rfm.ts';
import { cdnowSample } from './cdnow-fixture.ts';

const purchases: Transaction[] = [
  { customerId: 'a', at: '2024-01-01', amount: 10 },
  { customerId: 'a', at: '2024-01-01T18:30:00Z', amount: 5 }, // same UTC day: merged into the first purchase
  { customerId: 'a', at: '2024-01-08', amount: 20 },
  { customerId: 'a', at: '2024-01-22T23:59:59+00:00', amount: 40 },
  { customerId: 'a', at: '2024-02-05', amount: 999 }, // after calibration: ignored
  { customerId: 'b', at: new Date('2024-01-15T00:00:00Z'), amount: 7 },
  { customerId: 'c', at: '2024-02-01', amount: 3 }, // first purchase after calibration: no row
];

describe('rfmSummary', () => {
  it('merges same-day purchases and measures t_x and T from the first purchase, in weeks', () => {
    const rows = rfmSummary(purchases, '2024-01-29', 'weeks');

    expect(rows).toEqual([
      { customerId: 'a', x: 2, tx: 3, T: 4, meanSpend: 30, firstSpend: 15 },
      { customerId: 'b', x: 0, tx: 0, T: 2, meanSpend: 0, firstSpend: 7 },
    ]);
  });

  it('measures in days when asked', () => {
    const [a] = rfmSummary(purchases, '2024-01-29', 'days');

    expect(a).toMatchObject({ x: 2, tx: 21, T: 28 });
  });

  it('counts a purchase on the calibration end day', () => {
    const [a] = rfmSummary(purchases, '2024-01-22', 'days');

    expect(a).toMatchObject({ x: 2, tx: 21, T: 21 });
  });

  it('rejects timestamps whose time zone would depend on the host', () => {
    expect(() => rfmSummary([{ customerId: 'a', at: '2024-01-01 10:00', amount: 1 }], '2024-02-01')).toThrow(ClvInputError);
    expect(() => utcDay('2024-01-01T10:00:00')).toThrow(/with Z or an offset/);
  });

  it('rejects an unknown time unit and a non-finite amount', () => {
    expect(() => rfmSummary(purchases, '2024-01-29', 'months' as never)).toThrow(/expected 'days' or 'weeks'/);
    expect(() => rfmSummary([{ customerId: 'a', at: '2024-01-01', amount: NaN }], '2024-02-01')).toThrow(/amount must be finite/);
  });

  it('reproduces the CDNOW sample counts: 2,357 customers, 946 with repeat purchases in weeks 1-39', () => {
    const { summary } = cdnowSample();

    expect(summary).toHaveLength(2357);
    expect(summary.filter((c) => c.x > 0)).toHaveLength(946);
    // Everyone joined in Q1 1997: T runs from 27 weeks (the last joiners, 1997-03-25) to 38.86 (1997-01-01).
    expect(Math.min(...summary.map((c) => c.T))).toBe(27);
    expect(Math.max(...summary.map((c) => c.T))).toBeCloseTo(272 / 7, 10);
  });
});

describe('purchaseDaysInWindow', () => {
  it('counts distinct purchase days after the start day up to and including the end day', () => {
    const counts = purchaseDaysInWindow(purchases, '2024-01-08', '2024-02-05');

    expect(Object.fromEntries(counts)).toEqual({ a: 2, b: 1, c: 1 });
  });
});

describe('parseCdnow', () => {
  it('reads both the sample layout and the master layout with its header', () => {
    const sample = parseCdnow(' 00004 0001 19970101  2   29.33\n 00004 0001 19970118  2   29.73\n');
    const master = parseCdnow('customer_id date number_of_cds dollar_value\n4 19970101 2 29.33\n');

    expect(sample).toEqual([
      { customerId: '4', at: '1997-01-01', amount: 29.33 },
      { customerId: '4', at: '1997-01-18', amount: 29.73 },
    ]);
    expect(master).toEqual([sample[0]]);
  });

  it('rejects a line with a malformed date', () => {
    expect(() => parseCdnow('4 1 1997-01-01 2 29.33')).toThrow(/expected YYYYMMDD/);
  });
});
