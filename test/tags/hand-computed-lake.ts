/**
 * Builds the hand-computed lake of fixtures/hand-computed/ in a temp directory: the product catalogue, 27 events
 * through the real cleanser, imported order lines (one customer, one anonymous line), and a second copy of one
 * event and its lines, as an at-least-once write would leave it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ingestJsonl } from '../../src/ingest/local-pipeline.ts';
import { LocalLakeSink } from '../../src/adapters/local/lake-sink.ts';
import { openLakeCatalog } from '../../src/lake/local-catalog.ts';
import { openDuckDB, queryRows, sqlString } from '../../src/adapters/local/duckdb.ts';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'hand-computed');

export async function buildHandComputedLake(): Promise<string> {
  const lakeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-tags-'));
  await writeProducts(lakeDir);
  const counts = await ingestJsonl([path.join(FIXTURES, 'events.jsonl')], { lakeDir });
  if (counts.clean !== 27) throw new Error(`fixture events: expected 27 clean, got ${JSON.stringify(counts)}`);

  const sink = new LocalLakeSink(lakeDir);
  try {
    await sink.append('curated_order_lines', JSON.parse(fs.readFileSync(path.join(FIXTURES, 'import-lines.json'), 'utf8')));
    const cat = await openLakeCatalog(lakeDir);
    try {
      await sink.append('curated_events', await queryRows(cat.conn, "select * from curated_events where event_id = 'a-r1'"));
      await sink.append('curated_order_lines', await queryRows(cat.conn, "select * from curated_order_lines where event_id = 'a-r1'"));
    } finally {
      cat.close();
    }
    await sink.commit();
  } finally {
    sink.close();
  }
  return lakeDir;
}

/**
 * The catalogue as curated_products Parquet. (loadBatchTable cannot write unpartitioned tables yet: its sink copies
 * to the table directory itself; written directly here until that is fixed.)
 */
async function writeProducts(lakeDir: string): Promise<void> {
  const dir = path.join(lakeDir, 'curated', 'products');
  fs.mkdirSync(dir, { recursive: true });
  const conn = await openDuckDB();
  try {
    await conn.run(`
      copy (
        select sku, name, category, subcategory, brand, cast(list_price as decimal(18, 2)) as list_price, currency,
          cast(is_active as boolean) as is_active, timestamp '2024-01-01 00:00:00' as loaded_at, 'products.csv' as file_name
        from read_csv(${sqlString(path.join(FIXTURES, 'products.csv'))}, header = true, all_varchar = true)
      ) to ${sqlString(path.join(dir, 'part-0.parquet'))} (format parquet)`);
  } finally {
    conn.closeSync();
  }
}
