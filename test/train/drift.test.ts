// Feature drift (src/train/drift.ts): PSI against a value worked by hand, and the stratified sample's SQL on DuckDB.
import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { binEdges, psi } from '../../src/train/drift.ts';
import { trainingSampleSql } from '../../src/train/sample-sql.ts';

describe('psi', () => {
  it('matches a hand-computed value', () => {
    // Training values 1..10: decile edges 2..10, so ten bins of one value each (10% each).
    const training = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(binEdges(training)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // Today: 1 x 1, 2 x 1, 3..8 one each (6), 9 x 1, 10 x 11 -> 20 values: shares .05 .05 .05 .05 .05 .05 .05 .05 .05 .55.
    const today = [1, 2, 3, 4, 5, 6, 7, 8, 9, ...Array<number>(11).fill(10)];
    // PSI = 9 x (0.05 - 0.1) x ln(0.05 / 0.1) + (0.55 - 0.1) x ln(0.55 / 0.1)
    //     = 9 x 0.0346574 + 0.45 x 1.7047481 = 0.3119162 + 0.7671366 = 1.0790528
    expect(psi(training, today)).toBeCloseTo(1.0790528, 6);
  });

  it('is 0 for the same distribution and counts an empty bin as 0.0001, not infinity', () => {
    const training = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(psi(training, [...training].reverse())).toBe(0);
    // Everything today above the training's maximum: nine bins at 0.0001, the last at 1.
    const v = 9 * (1e-4 - 0.1) * Math.log(1e-4 / 0.1) + (1 - 0.1) * Math.log(1 / 0.1);
    expect(psi(training, [20, 30, 40])).toBeCloseTo(v, 10);
  });

  it('merges tied deciles, so a feature with two values has two bins', () => {
    const training = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1];
    expect(binEdges(training)).toEqual([1]);
    // 80/20 -> 50/50: (0.5 - 0.8) ln(0.5/0.8) + (0.5 - 0.2) ln(0.5/0.2)
    expect(psi(training, [0, 1])).toBeCloseTo(-0.3 * Math.log(0.625) + 0.3 * Math.log(2.5), 12);
  });
});

describe('trainingSampleSql (the stratified sample Athena draws), on DuckDB', () => {
  it('keeps each stratum\'s share of the population, customers taken in key order, prospects left out', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      // 10 purchasers: 6 Champions, 4 Lost; 2 prospects (no order); another day's snapshot that must not count.
      const rows = [
        ...['c01', 'c02', 'c03', 'c04', 'c05', 'c06'].map((k) => `('${k}', 'Champions', 3, '2025-12-31')`),
        ...['l01', 'l02', 'l03', 'l04'].map((k) => `('${k}', 'Lost', 1, '2025-12-31')`),
        `('p01', null, 0, '2025-12-31')`,
        `('p02', null, 0, '2025-12-31')`,
        `('x01', 'Lost', 1, '2025-12-30')`,
      ];
      await conn.run(`create table customer_tags as select * from (values ${rows.join(', ')}) t(customer_key, rfm_segment, orders_total, dt)`);
      // n = 5 of 10: Champions ceil(6 x 5 / 10) = 3, Lost ceil(4 x 5 / 10) = 2.
      const got = (await conn.runAndReadAll(`select * from (${trainingSampleSql('2025-12-31', 5)}) s order by customer_key`)).getRowObjectsJson();
      expect(got.map((r) => [r.customer_key, r.stratum, Number(r.population)])).toEqual([
        ['c01', 'Champions', 10],
        ['c02', 'Champions', 10],
        ['c03', 'Champions', 10],
        ['l01', 'Lost', 10],
        ['l02', 'Lost', 10],
      ]);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });

  it('rejects a size that is not a whole number of customers', () => {
    expect(() => trainingSampleSql('2025-12-31', 0)).toThrow(/whole number of customers/);
  });
});
