/**
 * The ERP table loads in AWS parse CSV with src/ingest/csv.ts (no DuckDB in Lambda) while `retail-lake load-table`
 * reads it with DuckDB's read_csv: both must give the validation the same cells, or a row would be kept in one place
 * and quarantined (or quarantined with another raw_payload) in the other. DuckDB is the second path here.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDuckDB, sqlString } from '../../src/adapters/local/duckdb.ts';
import { parseBatchCsv, validateBatchRows } from '../../src/ingest/batch-rows.ts';
import { batchTableOfKey } from '../../src/adapters/aws/landed-batch-table.ts';

async function duckRows(file: string): Promise<Record<string, string | null>[]> {
  const conn = await openDuckDB();
  try {
    return (await conn.runAndReadAll(`SELECT * FROM read_csv(${sqlString(file)}, header = true, all_varchar = true)`)).getRowObjectsJson() as Record<string, string | null>[];
  } finally {
    conn.closeSync();
  }
}

describe('ERP batch rows parsed without DuckDB', () => {
  it('gives the same cells as DuckDB read_csv: quoted commas and quotes, empty cells, CRLF, a byte-order mark', async () => {
    const text =
      '\ufeffsku,name,category,subcategory,brand,list_price,currency,is_active\r\n' +
      'SKU1,"Slippers, leather",Shoes,,Stride,389.00,CNY,true\r\n' +
      'SKU2,"The ""best"" mask",Beauty,Skincare,,209,CNY,false\r\n' +
      'SKU3,,Beauty,,,abc,CNY,maybe\r\n';
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rl-batch-rows-')), 'products.csv');
    fs.writeFileSync(file, text);
    const ours = parseBatchCsv(Buffer.from(text), 'products.csv');
    expect(ours.header[0]).toBe('sku');
    expect(ours.rows).toEqual(await duckRows(file));
    // And the same validation outcome for each: two kept, one rejected with its field.
    const v = validateBatchRows('products', ours.header, ours.rows, { file: 'landing/products/products.csv', loadedAt: '2026-12-07T00:00:00.000Z' });
    expect(v.counts).toMatchObject({ received: 3, clean: 2, quarantined: 1 });
    expect(v.good.map((r) => r.name)).toEqual(['Slippers, leather', 'The "best" mask']);
    expect(v.bad[0]).toMatchObject({ origin: 'file:products.csv:4', source: 'batch_products' });
  });

  it('rejects a file without the required columns, naming them, before validating a row', () => {
    const { header, rows } = parseBatchCsv(Buffer.from('name,city\nA,B\n'), 'stores.csv');
    expect(() => validateBatchRows('stores', header, rows, { file: 'stores.csv', loadedAt: '2026-12-07T00:00:00.000Z' })).toThrow(/no column "store_id".*Nothing was written/);
  });

  it('finds the table a landed key is for, and no table for other keys', () => {
    expect(batchTableOfKey('landing/products/2026-12-07.csv')).toBe('products');
    expect(batchTableOfKey('landing/stock_snapshots/a/b.csv.gz')).toBe('stock_snapshots');
    expect(batchTableOfKey('landing/orders/x.csv')).toBeUndefined();
    expect(batchTableOfKey('landing/products/')).toBeUndefined();
    expect(batchTableOfKey('other/products/x.csv')).toBeUndefined();
  });
});
