/**
 * The refresh takes shortcuts the views do not: it materialises int_order_lines, tag_orders and tag_purchases into
 * session tables holding only the columns the tag views name, under a memory limit, without preserving insertion
 * order (src/tags/refresh.ts). The snapshot it writes must be what the views under sql/ give on their own: here the
 * customer_tags definition runs as a plain view over the lake (no session table, DuckDB's defaults), and the two
 * are compared by a content hash of every column of every row.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshTags, type TagsSummary } from '../../src/tags/index.ts';
import { listSqlViews, openLakeCatalog } from '../../src/lake/local-catalog.ts';
import { sqlString } from '../../src/adapters/local/duckdb.ts';
import { usedColumns } from '../../src/tags/refresh.ts';
import { buildHandComputedLake } from './hand-computed-lake.ts';

let lakeDir: string;
let summary: TagsSummary;

/** Row count and md5 over every row as text (all columns, maps included), in customer_key order. */
const contentHash = (relation: string) =>
  `select count(*) as n, md5(string_agg(cast(t as varchar), chr(10) order by customer_key)) as h from ${relation} as t`;

beforeAll(async () => {
  lakeDir = await buildHandComputedLake();
  summary = await refreshTags({ lakeDir });
});

afterAll(() => fs.rmSync(lakeDir, { recursive: true, force: true }));

describe('the refresh writes what the tag views give on their own', () => {
  it('has the same rows, every column equal, as customer_tags.sql run as a plain view', async () => {
    const definition = listSqlViews().find((v) => v.name === 'customer_tags')!;
    const cat = await openLakeCatalog(lakeDir);
    try {
      // identity_map is the lake's (the refresh wrote the map of all data: as-of is the newest data's date).
      await cat.conn.run(`create or replace view tag_as_of as select cast(${sqlString(summary.asOf)} as date) as as_of_date`);
      await cat.conn.run(`create table expected as ${definition.sql.trim().replace(/;\s*$/, '')}`);
      const snapshot = `read_parquet(${sqlString(path.join(summary.output, 'part-0.parquet'))}, hive_partitioning = false)`;
      const [want] = (await cat.conn.runAndReadAll(contentHash('expected'))).getRowObjectsJson();
      const [got] = (await cat.conn.runAndReadAll(contentHash(snapshot))).getRowObjectsJson();
      expect(Number(want!.n)).toBe(summary.customers);
      expect(summary.customers).toBeGreaterThan(3);
      expect(got).toEqual(want);
      // The columns too, in order: a dropped or renamed column would not show in an equal hash of fewer columns.
      const names = async (rel: string) => (await cat.conn.runAndReadAll(`select column_name from (describe select * from ${rel})`)).getRows().map(([c]) => c);
      expect(await names(snapshot)).toEqual(await names('expected'));
    } finally {
      cat.close();
    }
  });
});

describe('usedColumns: the columns a session table keeps', () => {
  const view = (name: string, sql: string) => ({ name, file: `${name}.sql`, sql });
  const columns = ['order_key', 'customer_key', 'category', 'discount', 'currency'];

  it('keeps the columns a reader names and drops the others', () => {
    const reader = view('tag_x', 'select l.customer_key, l.category -- discount is only in a comment\nfrom int_order_lines as l');
    expect(usedColumns('int_order_lines', columns, [reader])).toEqual(['customer_key', 'category']);
  });

  it('reads only views that name the table', () => {
    const other = view('tag_y', 'select discount, currency from somewhere_else');
    const reader = view('tag_x', 'select order_key from int_order_lines');
    expect(usedColumns('int_order_lines', columns, [reader, other])).toEqual(['order_key']);
  });

  it('keeps every column where a reader may pass any on (alias.* or * from the table)', () => {
    expect(usedColumns('int_order_lines', columns, [view('tag_x', 'select l.* from int_order_lines as l')])).toEqual(columns);
    expect(usedColumns('int_order_lines', columns, [view('tag_x', 'select * from int_order_lines')])).toEqual(columns);
    // ...but not for `select * from final` over the reader's own named columns.
    expect(usedColumns('int_order_lines', columns, [view('tag_x', 'with final as (select category from int_order_lines) select * from final')])).toEqual(['category']);
  });
});
