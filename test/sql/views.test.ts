/**
 * Every file in sql/: parses as Trino SQL (Athena engine v3), runs on DuckDB, follows the house style, calls only
 * Trino functions, and documents exactly the columns it returns.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrinoSQL } from 'dt-sql-parser';
import { listSqlViews, openLakeCatalog, stripComments, type LakeCatalog } from '../../src/lake/local-catalog.ts';
import { queryRows } from '../../src/adapters/local/duckdb.ts';
import { parseViewDoc, renderSqlDocs, SQL_DOCS_PATH, ViewDocError } from '../../src/tags/sql-docs.ts';

const views = listSqlViews();

/**
 * The functions views may call: each exists in Trino with the meaning used. Those DuckDB lacks or spells
 * differently are macros in sql/_dialect/duckdb.sql.
 */
const TRINO_FUNCTIONS = new Set([
  'at_timezone', 'avg', 'bool_and', 'bool_or', 'cast', 'coalesce', 'count', 'date_diff', 'day_of_week', 'floor', 'greatest',
  'from_iso8601_timestamp', 'hour', 'json_array_length', 'json_extract', 'json_extract_scalar', 'lag', 'lead', 'least', 'map',
  'max', 'min', 'nullif', 'percent_rank', 'round', 'row_number', 'sum', 'with_timezone',
]);
const KEYWORDS_BEFORE_PARENS = new Set(['as', 'from', 'in', 'join', 'over', 'decimal', 'exists', 'values', 'on', 'and', 'or', 'not', 'when', 'then', 'else', 'select', 'where', 'using']);

const code = (sql: string) => stripComments(sql).replace(/'[^']*'/g, "''");

describe.each(views.map((v) => [v.name, v] as const))('view %s', (_name, view) => {
  it('parses as Trino SQL', () => {
    const errors = new TrinoSQL().validate(view.sql).map((e) => `${e.startLine}:${e.startColumn} ${e.message}`);
    expect(errors).toEqual([]);
  });

  it('follows the house style: CTEs ending in select * from final, lower-case keywords, no QUALIFY', () => {
    const sql = code(view.sql);
    expect(sql.trim()).toMatch(/^with\b[\s\S]*\bfinal as \([\s\S]*\)\s*select \* from final$/);
    expect(sql).not.toMatch(/\b(SELECT|FROM|WHERE|GROUP BY|ORDER BY|JOIN|WITH|CASE|WHEN|AS)\b/);
    expect(sql).not.toMatch(/\bqualify\b/i);
    expect(sql.match(/select \*/g)).toHaveLength(1);
  });

  it('calls only Trino functions', () => {
    const called = [...code(view.sql).matchAll(/\b([a-z_][a-z0-9_]*)\s*\(/g)].map((m) => m[1]!).filter((n) => !KEYWORDS_BEFORE_PARENS.has(n));
    expect(called.filter((n) => !TRINO_FUNCTIONS.has(n))).toEqual([]);
  });
});

describe('views on DuckDB', () => {
  let lakeDir: string;
  let cat: LakeCatalog;

  beforeAll(async () => {
    lakeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-empty-'));
    cat = await openLakeCatalog(lakeDir);
  });
  afterAll(() => {
    cat.close();
    fs.rmSync(lakeDir, { recursive: true, force: true });
  });

  it.each(views.map((v) => [v.name]))('%s runs on an empty lake and its header documents exactly its columns', async (name) => {
    const doc = parseViewDoc(views.find((v) => v.name === name)!);
    const columns = (await queryRows(cat.conn, `describe select * from ${name}`)).map((r) => r.column_name);
    expect(doc.columns.map((c) => c.name)).toEqual(columns);
    expect(doc.grain, 'a "-- grain:" line').toBeDefined();
    expect(doc.description.length).toBeGreaterThan(40);
  });
});

describe('view documentation', () => {
  it('fails on a header that does not name its view', () => {
    expect(() => parseViewDoc({ name: 'stg_x', file: 'sql/staging/stg_x.sql', sql: '-- other: text\nselect 1' })).toThrow(ViewDocError);
  });

  it('is rendered in docs/sql.md (run `npx tsx src/tags/sql-docs.ts` after changing a header)', () => {
    expect(fs.readFileSync(SQL_DOCS_PATH, 'utf8')).toBe(renderSqlDocs());
  });
});
