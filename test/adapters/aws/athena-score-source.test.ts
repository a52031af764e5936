// What the scheduled scorer reads through Athena: the purchases query is the local readPurchases in SQL both engines
// run (checked here on DuckDB over the trained fixture lake), and tag rows come back shaped as the local reader's.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../../src/adapters/local/duckdb.ts';
import { AthenaScoreSource, purchasesSql } from '../../../src/adapters/aws/athena-score-source.ts';
import { AthenaQueryError } from '../../../src/adapters/aws/errors.ts';
import { openLakeCatalog } from '../../../src/lake/local-catalog.ts';
import { readPurchases } from '../../../src/train/lake-data.ts';
import { copyOfTrainedLake } from '../../train/fixture-lake.ts';

let lake: string;
beforeAll(async () => {
  lake = await copyOfTrainedLake();
}, 600_000);
afterAll(() => fs.rmSync(lake, { recursive: true, force: true }));

describe('AthenaScoreSource', () => {
  it('reads the purchases readPurchases reads (the same query, in SQL that runs on Athena and DuckDB)', async () => {
    const cat = await openLakeCatalog(lake);
    let rows: Record<string, unknown>[];
    try {
      rows = await queryRows(cat.conn, purchasesSql('2025-10-02'));
    } finally {
      cat.close();
    }
    const source = new AthenaScoreSource({ rows: async () => rows });
    const viaSql = await source.purchases('2025-10-02');
    const local = await readPurchases(lake, '2025-10-02');
    const key = (p: { customerId: string; at: string; amount: number }) => `${p.customerId}|${p.at}|${p.amount.toFixed(2)}`;
    expect(viaSql.length).toBeGreaterThan(100);
    expect(viaSql.map(key).sort()).toEqual(local.map(key).sort());
  });

  it('reads one snapshot partition, without the partition column, sorted by customer_key', async () => {
    const queries: string[] = [];
    const source = new AthenaScoreSource({
      rows: async (sql) => (queries.push(sql), [{ customer_key: 'b', channel_mix: { store: 1 }, dt: '2025-03-01' }, { customer_key: 'a', is_overdue: true, dt: '2025-03-01' }]),
    });
    expect(await source.tags('2025-03-01')).toEqual([{ customer_key: 'a', is_overdue: true }, { customer_key: 'b', channel_mix: { store: 1 } }]);
    expect(queries).toEqual(["select * from customer_tags where dt = '2025-03-01'"]);
  });

  it('fails naming the day when the snapshot is missing, and rejects a malformed date before querying', async () => {
    const source = new AthenaScoreSource({ rows: async () => [] });
    await expect(source.tags('2025-03-01')).rejects.toThrow(/no snapshot for dt = 2025-03-01/);
    await expect(source.tags("2025-03-01' or 1=1 --")).rejects.toBeInstanceOf(AthenaQueryError);
  });
});
