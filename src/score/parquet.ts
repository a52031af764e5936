/**
 * Writes derived rows (customer scores, coupons) as Parquet under the lake's curated zone with DuckDB, typed by
 * the table's zod-derived columns. JSON columns are stored as JSON text; timestamps as UTC.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { duckdbType, type Column } from '../contract/columns.ts';
import { openDuckDB, queryRows, sqlString } from '../adapters/local/duckdb.ts';
import { replaceParquetDir } from '../identity/lake-output.ts';
import { lakeFiles, lakeWrite } from '../lake/commit.ts';

function cell(c: Column, v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (c.type === 'json') return JSON.stringify(v);
  if (c.type === 'timestamp') return new Date(v as string).toISOString().replace('T', ' ').replace('Z', '');
  return v;
}

function selectFrom(file: string | undefined, columns: readonly Column[]): string {
  const list = columns.map((c) => `"${c.name}"`).join(', ');
  if (!file) return `select ${columns.map((c) => `cast(null as ${duckdbType(c.type)}) as "${c.name}"`).join(', ')} where false`;
  const spec = `{${columns.map((c) => `'${c.name}': '${duckdbType(c.type)}'`).join(', ')}}`;
  return `select ${list} from read_json(${sqlString(file)}, format = 'newline_delimited', columns = ${spec})`;
}

export interface WriteRowsOptions {
  readonly lakeDir: string;
  /** Directory under curated/, e.g. 'customer_scores/dt=2025-12-31'. */
  readonly relDir: string;
  readonly columns: readonly Column[];
  readonly rows: readonly Record<string, unknown>[];
  /** 'replace' swaps the whole directory in one rename; 'add' adds one more file beside the existing ones. */
  readonly mode: 'replace' | 'add';
}

/** Writes the rows (in the open lake commit, or one of its own); returns the Parquet file or directory written. */
export async function writeRows(o: WriteRowsOptions): Promise<string> {
  return lakeWrite(o.lakeDir, `write ${o.relDir}`, async (c) => {
    const json = path.join(c.scratchDir, `rows-${randomUUID()}.jsonl`);
    if (o.rows.length) {
      fs.writeFileSync(json, o.rows.map((r) => JSON.stringify(Object.fromEntries(o.columns.map((col) => [col.name, cell(col, r[col.name])])))).join('\n') + '\n');
    }
    const select = selectFrom(o.rows.length ? json : undefined, o.columns);
    const conn = await openDuckDB();
    try {
      if (o.mode === 'replace') return await replaceParquetDir(conn, o.lakeDir, o.relDir, select);
      const rel = `curated/${o.relDir}/part-${Date.now()}-${randomUUID().slice(0, 8)}.parquet`;
      const out = c.stage(rel);
      await c.copy(conn, o.relDir, `copy (${select}) to ${sqlString(out)} (format parquet, compression zstd)`, out);
      return path.join(o.lakeDir, rel);
    } finally {
      conn.closeSync();
      fs.rmSync(json, { force: true });
    }
  });
}

/** Rows of every Parquet file under curated/<relDir>, JSON columns parsed; [] when there are none. */
export async function readRows(lakeDir: string, relDir: string, columns: readonly Column[]): Promise<Record<string, unknown>[]> {
  const files = lakeFiles(lakeDir, `curated/${relDir}`, '.parquet');
  if (!files.length) return [];
  const conn = await openDuckDB();
  try {
    const list = `[${files.map(sqlString).join(', ')}]`;
    const rows = await queryRows(conn, `select ${columns.map((c) => `"${c.name}"`).join(', ')} from read_parquet(${list}, union_by_name = true)`);
    return rows.map((r) => {
      const out: Record<string, unknown> = { ...r };
      for (const c of columns) {
        const v = r[c.name];
        if (c.type === 'json' && typeof v === 'string') out[c.name] = JSON.parse(v);
        else if (c.type === 'timestamp' && typeof v === 'string') out[c.name] = `${v.replace(' ', 'T')}${v.includes('.') ? '' : '.000'}Z`;
        else if ((c.type === 'double' || c.type === 'int' || c.type === 'decimal') && v !== null && v !== undefined) out[c.name] = Number(v);
      }
      return out;
    });
  } finally {
    conn.closeSync();
  }
}
