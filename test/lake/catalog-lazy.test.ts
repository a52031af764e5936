// The lake catalog creates a view when a statement first names it (src/lake/local-catalog.ts). What a user of the
// session must not notice: every statement sees the same tables and views as with all of them created at open, a
// broken view still fails with its file named, a view the session replaces stays replaced, and a sandboxed session
// (SQL a user typed) has everything before the lock.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDuckDB, queryRows, sqlString } from '../../src/adapters/local/duckdb.ts';
import { openLakeCatalog, SQL_DIR, withoutComments } from '../../src/lake/local-catalog.ts';

let lake: string;
let sqlDir: string;
beforeEach(() => {
  lake = fs.mkdtempSync(path.join(os.tmpdir(), 'catalog-lazy-'));
  sqlDir = fs.mkdtempSync(path.join(os.tmpdir(), 'catalog-lazy-sql-'));
  fs.cpSync(path.join(SQL_DIR, '_dialect'), path.join(sqlDir, '_dialect'), { recursive: true });
});
afterEach(() => {
  fs.rmSync(lake, { recursive: true, force: true });
  fs.rmSync(sqlDir, { recursive: true, force: true });
});

const view = (name: string, sql: string) => fs.writeFileSync(path.join(sqlDir, `${name}.sql`), sql);
const viewNames = async (conn: Awaited<ReturnType<typeof openDuckDB>>) =>
  (await queryRows(conn, 'select view_name from duckdb_views() where not internal order by 1')).map((r) => String(r.view_name));

/** Writes a derived table curated/<name>/part-0.parquet with the rows of `select`. */
async function derived(name: string, select: string): Promise<void> {
  fs.mkdirSync(path.join(lake, 'curated', name), { recursive: true });
  const conn = await openDuckDB();
  try {
    await conn.run(`copy (${select}) to ${sqlString(path.join(lake, 'curated', name, 'part-0.parquet'))} (format parquet)`);
  } finally {
    conn.closeSync();
  }
}

describe('openLakeCatalog', () => {
  it('answers a statement over a chain of views exactly as a catalog with every view created at open', async () => {
    await derived('shop_sales', "select * from (values ('a', 3), ('b', 4), ('a', 5)) t(sku, qty)");
    view('v_totals', 'select sku, sum(qty) as qty from shop_sales group by sku');
    view('v_top', 'select sku from v_totals where qty > 5');
    view('v_unused', 'select * from shop_sales');
    const lazy = await openLakeCatalog(lake, { sqlDir });
    const eager = await openLakeCatalog(lake, { sqlDir, eager: true });
    try {
      expect(lazy.views).toEqual(eager.views);
      expect(lazy.views).toEqual(expect.arrayContaining(['shop_sales', 'v_totals', 'v_top', 'v_unused', 'curated_events']));
      const q = 'select * from v_top order by 1';
      expect(await queryRows(lazy.conn, q)).toEqual([{ sku: 'a' }]);
      expect(await queryRows(lazy.conn, q)).toEqual(await queryRows(eager.conn, q));
      // Only what the statement read was created; the eager session has all of it.
      expect(await viewNames(lazy.conn)).toEqual(['shop_sales', 'v_top', 'v_totals']);
      expect(await viewNames(eager.conn)).toEqual(expect.arrayContaining(['v_unused', 'curated_events', 'v_top']));
      // A name in a string literal counts too (relationExists in src/identity asks duckdb_views() by name).
      expect(await queryRows(lazy.conn, "select count(*)::int as n from duckdb_views() where view_name = 'v_unused'")).toEqual([{ n: 1 }]);
    } finally {
      lazy.close();
      eager.close();
    }
  });

  it('names the file of a view that fails on DuckDB, when a statement first reads it', async () => {
    view('v_broken', 'select no_such_column from shop_sales');
    await derived('shop_sales', "select 'a' as sku");
    const cat = await openLakeCatalog(lake, { sqlDir });
    try {
      await expect(queryRows(cat.conn, 'select * from v_broken')).rejects.toThrow(/view v_broken \(.*v_broken\.sql\) failed on DuckDB/);
      expect(await queryRows(cat.conn, 'select sku from shop_sales')).toEqual([{ sku: 'a' }]);
    } finally {
      cat.close();
    }
    await expect(openLakeCatalog(lake, { sqlDir, eager: true })).rejects.toThrow(/view v_broken .* failed on DuckDB/);
  });

  it('keeps a view the session replaced, even when the files the lake view listed are gone', async () => {
    await derived('shop_sales', "select 'a' as sku");
    view('v_skus', 'select sku from shop_sales');
    const cat = await openLakeCatalog(lake, { sqlDir });
    try {
      fs.rmSync(path.join(lake, 'curated', 'shop_sales'), { recursive: true }); // e.g. rewritten by this commit
      await cat.conn.run('-- a note on shop_sales\nselect 1'); // named in a comment only: not read, nothing created
      await cat.conn.run(`select ${sqlString(path.join(lake, 'curated', 'shop_sales', 'part-1.parquet'))} as p`); // nor in a path
      await cat.conn.run("create or replace view shop_sales as select 'z' as sku");
      expect(await queryRows(cat.conn, 'select * from v_skus')).toEqual([{ sku: 'z' }]);
    } finally {
      cat.close();
    }
  });

  it('fails a statement that reads a lake table whose files are gone, and not one that only names it', async () => {
    await derived('shop_sales', "select 'a' as sku");
    const cat = await openLakeCatalog(lake, { sqlDir });
    try {
      fs.rmSync(path.join(lake, 'curated', 'shop_sales'), { recursive: true });
      expect(await queryRows(cat.conn, "select count(*)::int as n from duckdb_views() where view_name = 'shop_sales'")).toEqual([{ n: 0 }]);
      await expect(queryRows(cat.conn, 'select * from shop_sales')).rejects.toThrow(/shop_sales/);
    } finally {
      cat.close();
    }
  });

  it('creates every view of a sandboxed session before the lock', async () => {
    view('v_one', 'select 1 as x');
    const cat = await openLakeCatalog(lake, { sqlDir, sandboxed: true });
    try {
      expect(await viewNames(cat.conn)).toEqual(expect.arrayContaining(['v_one', 'curated_events', 'curated_order_lines']));
      expect(await queryRows(cat.conn, 'select x from v_one')).toEqual([{ x: 1 }]);
    } finally {
      cat.close();
    }
  });
});

describe('withoutComments', () => {
  it('drops line and block comments but keeps quoted text whole', () => {
    expect(withoutComments("-- reads identity_map\nselect '--', x /* identity_map */ from t -- tail\nwhere y = 'a /* b */'")).toBe(
      "\nselect '--', x   from t \nwhere y = 'a /* b */'",
    );
    expect(withoutComments(`select "odd--name", 'it''s -- here' from v`)).toBe(`select "odd--name", 'it''s -- here' from v`);
  });
});
