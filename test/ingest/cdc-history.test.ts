/**
 * Change data capture end to end on a small lake (test/fixtures/cdc): Debezium change events through `ingest`, an
 * incremental store list through `load-table --incremental`, three POS sales, tags as of two days. Hand-computed:
 * SKU1 is beauty until 2024-04-01 08:00, then skincare; SKU2 (food) is deleted on 2024-05-01; store S1 is deleted
 * (closed) on 2024-04-15; member M-A is silver until 2024-04-10, then gold. M-A bought SKU1 at S1 on 02-01 and
 * 03-15 and SKU2 at S2 on 03-01.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestJsonl } from '../../src/ingest/local-pipeline.ts';
import { loadBatchTable } from '../../src/ingest/batch-tables.ts';
import { refreshTags } from '../../src/tags/index.ts';
import { runQuery } from '../../src/cli/commands/query.ts';
import { FIXTURES, tempDir } from './lake.ts';

const sql = (lake: string, q: string) => runQuery(lake, q);

const CDC = path.join(FIXTURES, 'cdc');
const tmp = tempDir('cdc');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every table's history and current rows as comparable text (the change log's origins and load times are not in them). */
async function histories(lake: string): Promise<string[]> {
  const q = ['products', 'stores', 'members']
    .flatMap((t) => [`select '${t}_history' as t, to_json(h) as row from stg_${t}_history as h`, `select '${t}' as t, to_json(c) as row from stg_${t} as c`])
    .join(' union all ');
  return (await sql(lake, q)).map((r) => `${String(r.t)} ${String(r.row)}`).sort();
}

let lake: string;
let first: Awaited<ReturnType<typeof ingestJsonl>>;

beforeAll(async () => {
  lake = path.join(tmp, 'lake');
  first = await ingestJsonl([path.join(CDC, 'changes.jsonl')], { lakeDir: lake });
  await loadBatchTable('stores', path.join(CDC, 'stores.csv'), { lakeDir: lake, mode: 'incremental' });
  await ingestJsonl([path.join(CDC, 'sales.jsonl')], { lakeDir: lake });
  for (const asOf of ['2024-03-31', '2024-06-30']) await refreshTags({ lakeDir: lake, asOf });
}, 120_000);

describe('ERP change data capture', () => {
  it('counts every change event once: clean, quarantined or duplicate', () => {
    expect(first).toMatchObject({ received: 12, clean: 6, quarantined: 5, duplicates: 1 });
  });

  it('tags as of a day before the changes use the old category, the open store and the old tier', async () => {
    const rows = await sql(lake, 'select cast(dt as varchar) as dt, favourite_category, category_diversity, home_store_id, is_home_store_open, member_tier from customer_tags where member_id = \'M-A\' order by dt');
    expect(rows.map((r) => ({ ...r, category_diversity: Number(r.category_diversity) }))).toEqual([
      // beauty (2 orders) and food (1); S1 has 2 of the 3 store purchases and is open; silver since 01-01
      { dt: '2024-03-31', favourite_category: 'beauty', category_diversity: 2, home_store_id: 'S1', is_home_store_open: true, member_tier: 'silver' },
      // SKU1 is skincare now, SKU2 no longer in the catalogue; S1 closed on 04-15; gold since 04-10
      { dt: '2024-06-30', favourite_category: 'skincare', category_diversity: 1, home_store_id: 'S1', is_home_store_open: false, member_tier: 'gold' },
    ]);
  });

  it('keeps a deleted row in the history and drops it from the current table', async () => {
    expect((await sql(lake, 'select sku, category from stg_products order by sku'))).toEqual([{ sku: 'SKU1', category: 'skincare' }]);
    const h = await sql(lake, "select op, category, cast(valid_from as varchar) as valid_from, cast(valid_to as varchar) as valid_to, is_deleted, is_current from stg_products_history where sku = 'SKU2' order by version_number");
    expect(h).toEqual([
      { op: 'r', category: 'food', valid_from: '2024-01-01 00:00:00', valid_to: '2024-05-01 00:00:00', is_deleted: false, is_current: false },
      { op: 'd', category: null, valid_from: '2024-05-01 00:00:00', valid_to: null, is_deleted: true, is_current: false },
    ]);
    expect((await sql(lake, 'select store_id from stg_stores order by 1'))).toEqual([{ store_id: 'S2' }]);
  });

  it('quarantines the bad records naming the field and the value, the run not stopped', async () => {
    const q = await sql(lake, "select source, field_path, message from quarantine_events where source in ('batch_products', 'batch_stores', 'batch_members', 'unknown') order by message");
    expect(q.map((r) => r.field_path).sort()).toEqual(['(record)', 'after.list_price', 'country', 'op', 'source.table', 'source.ts_ms', 'updated_at']);
    expect(q.find((r) => r.field_path === 'country')!.message).toContain('"CHN"');
    expect(q.find((r) => r.field_path === 'updated_at')!.message).toContain('"yesterday"');
  });

  it('replaying the change stream again adds nothing and leaves every table as it was', async () => {
    const before = await histories(lake);
    expect(await ingestJsonl([path.join(CDC, 'changes.jsonl')], { lakeDir: lake })).toMatchObject({ received: 12, clean: 0, quarantined: 0, duplicates: 12 });
    expect(await loadBatchTable('stores', path.join(CDC, 'stores.csv'), { lakeDir: lake, mode: 'incremental' })).toMatchObject({ received: 5, clean: 0, duplicates: 5 });
    expect(await histories(lake)).toEqual(before);
  });

  it('builds the same history from the changes in reverse order of their source time, each sent twice', async () => {
    const other = path.join(tmp, 'reversed');
    const lines = fs.readFileSync(path.join(CDC, 'changes.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).slice(0, 6).reverse();
    const file = path.join(tmp, 'reversed.jsonl');
    fs.writeFileSync(file, [...lines, ...lines].join('\n') + '\n');
    // Stores: the delete first, in a file of its own, then the whole list (which holds it again).
    const storesCsv = fs.readFileSync(path.join(CDC, 'stores.csv'), 'utf8').split('\n');
    const deleteFirst = path.join(tmp, 'stores-delete.csv');
    fs.writeFileSync(deleteFirst, [storesCsv[0], storesCsv[3]].join('\n') + '\n');
    expect(await ingestJsonl([file], { lakeDir: other })).toMatchObject({ received: 12, clean: 6, duplicates: 6 });
    await loadBatchTable('stores', deleteFirst, { lakeDir: other, mode: 'incremental' });
    await loadBatchTable('stores', path.join(CDC, 'stores.csv'), { lakeDir: other, mode: 'incremental' });
    expect(await histories(other)).toEqual(await histories(lake));
  });
});
