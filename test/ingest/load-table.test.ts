/**
 * load-table never empties a table by accident: a file without the table's required columns (a misparsed export, a
 * wrong delimiter) or without one valid row is refused before anything is written, unless --force; and an empty or
 * unreadable product catalogue does not turn the unknown-SKU check off without a warning.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBatchTable, loadKnownSkus } from '../../src/ingest/batch-tables.ts';
import { ingestJsonl } from '../../src/ingest/local-pipeline.ts';
import { sql, tempDir } from './lake.ts';

const tmp = tempDir('load-table');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
};
const HEADER = 'sku,name,category,subcategory,brand,list_price,currency,is_active';
const GOOD = file('good.csv', `${HEADER}\nSKU-1,Mug,Home,,,1.00,CNY,true\nSKU-2,Cup,Home,,,2.00,CNY,true\n`);
// The store list given as the catalogue (a wrong file): its name column fits, the others do not.
const WRONG = file('stores.csv', 'store_id,name,city,region,country,is_online\nS01,Main Street,Shanghai,East,CN,false\n');
// Right columns, but every row invalid (currency missing, price not a number).
const ALL_BAD = file('all-bad.csv', `${HEADER}\nSKU-1,Mug,Home,,,cheap,,true\nSKU-2,Cup,Home,,,n/a,,true\n`);
const EMPTY = file('empty.csv', `${HEADER}\n`);
// A POS sale of SKU-404, which the catalogue does not hold.
const UNKNOWN_SKU = file(
  'unknown.jsonl',
  JSON.stringify({ event_id: 'u1', source: 'pos', type: 'pos.sale', schema_version: 1, occurred_at: '2024-03-01 10:15:00', payload: { order_id: 'R9', currency: 'CNY', lines: [{ sku: 'SKU-404', quantity: 1, unit_price: '9.99' }] } }) + '\n',
);
const skus = async (lake: string) => (await sql<{ sku: string }>(lake, 'select sku from curated_products order by sku')).map((r) => r.sku);

describe('load-table refuses to empty a table', () => {
  let lake: string;
  beforeAll(async () => {
    lake = path.join(tmp, 'lake');
    expect(await loadBatchTable('products', GOOD, { lakeDir: lake })).toMatchObject({ received: 2, clean: 2 });
  });

  it('refuses a file without the required columns, naming them, and keeps the catalogue', async () => {
    await expect(loadBatchTable('products', WRONG, { lakeDir: lake })).rejects.toThrow(
      `${WRONG}: no column "sku", "category", "list_price", "currency", "is_active" in the header (columns: "store_id", "name", "city", "region", "country", "is_online"); ` +
        'products needs sku, name, category, list_price, currency, is_active. Nothing was written; --force loads it anyway',
    );
    expect(await skus(lake)).toEqual(['SKU-1', 'SKU-2']);
  });

  it('refuses a file with no valid row, quoting the first rejection, and keeps the catalogue', async () => {
    await expect(loadBatchTable('products', ALL_BAD, { lakeDir: lake })).rejects.toThrow(/all-bad\.csv: no valid row \(2 read, 2 rejected, e\.g\. .*list_price.*\).*leave the table empty/);
    await expect(loadBatchTable('products', EMPTY, { lakeDir: lake })).rejects.toThrow(/empty\.csv: no valid row \(0 read, 0 rejected\)/);
    expect(await skus(lake)).toEqual(['SKU-1', 'SKU-2']);
  });

  it('keeps checking SKUs after a refused load: an unknown SKU is still quarantined', async () => {
    const c = await ingestJsonl([UNKNOWN_SKU], { lakeDir: lake });
    expect(c).toMatchObject({ received: 1, clean: 0, quarantined: 1, byReason: { 'reference.unknown_sku': 1 } });
  });

  it('appends nothing but refuses nothing in incremental mode with no valid row (the table is not replaced)', async () => {
    expect(await loadBatchTable('products', ALL_BAD, { lakeDir: lake, mode: 'incremental' })).toMatchObject({ received: 2, clean: 0, quarantined: 2 });
    expect(await skus(lake)).toEqual(['SKU-1', 'SKU-2']);
  });
});

describe('an empty catalogue, loaded with --force', () => {
  it('empties the table, and every later SKU check says it is off', async () => {
    const lake = path.join(tmp, 'forced');
    await loadBatchTable('products', GOOD, { lakeDir: lake });
    expect(await loadBatchTable('products', EMPTY, { lakeDir: lake, force: true })).toMatchObject({ received: 0, clean: 0 });
    expect(await skus(lake)).toEqual([]);
    const warnings: string[] = [];
    expect(await loadKnownSkus(lake, (m) => warnings.push(m))).toBeUndefined();
    expect(warnings).toEqual(['the product catalogue in the lake is empty; SKUs are not checked against it (load it again with `retail-lake load-table products FILE`)']);
  });

  it('warns about an unreadable catalogue instead of dropping the check silently', async () => {
    const lake = path.join(tmp, 'torn');
    await loadBatchTable('products', GOOD, { lakeDir: lake });
    const dir = path.join(lake, 'curated', 'products');
    const part = fs.readdirSync(dir, { recursive: true }).map(String).find((f) => f.endsWith('.parquet'))!;
    fs.writeFileSync(path.join(dir, part), 'not parquet');
    const warnings: string[] = [];
    expect(await loadKnownSkus(lake, (m) => warnings.push(m))).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^the product catalogue in the lake cannot be read \(.*\); SKUs are not checked/);
  });

  it('says nothing when no catalogue was ever loaded (the check is simply not configured)', async () => {
    const warnings: string[] = [];
    expect(await loadKnownSkus(path.join(tmp, 'never'), (m) => warnings.push(m))).toBeUndefined();
    expect(warnings).toEqual([]);
  });
});

describe('a full load replaces its own rejects', () => {
  it('loading the same file twice (a rerun of a load killed after its commit) leaves its bad rows in quarantine once', async () => {
    const lake = path.join(tmp, 'lake-twice');
    // One good row, two bad ones (a price that is not a number, a missing currency): hand-counted.
    const f = file('some-bad.csv', `${HEADER}\nSKU-1,Mug,Home,,,1.00,CNY,true\nSKU-2,Cup,Home,,,cheap,CNY,true\nSKU-3,Pot,Home,,,3.00,,true\n`);
    for (let i = 0; i < 2; i++) expect(await loadBatchTable('products', f, { lakeDir: lake })).toMatchObject({ received: 3, clean: 1, quarantined: 2 });
    expect(await skus(lake)).toEqual(['SKU-1']);
    const q = await sql<{ origin: string }>(lake, "select origin from quarantine_events where source = 'batch_products' order by origin");
    expect(q.map((r) => r.origin)).toEqual(['file:some-bad.csv:3', 'file:some-bad.csv:4']);
  });
});
