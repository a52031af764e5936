/** `retail-lake query "<sql>"`: read-only SQL over the lake's tables and views in embedded DuckDB. */
import path from 'node:path';
import { StatementType } from '@duckdb/node-api';
import { openLakeCatalog } from '../../lake/local-catalog.ts';
import { readerRows, sandboxRefusal } from '../../adapters/local/duckdb.ts';
import { CliError, table, type GlobalOptions } from '../output.ts';

export type QueryFormat = 'table' | 'csv' | 'json';

/**
 * Runs one read-only statement in a session closed around the lake (no other file, no network, no extension
 * install, settings locked); anything but a query is refused before it runs, and a query that reaches outside the
 * lake is refused with the path it named.
 */
export async function runQuery(lakeDir: string, sql: string): Promise<Record<string, unknown>[]> {
  const cat = await openLakeCatalog(lakeDir, { sandboxed: true });
  const where = `the lake's tables and views (files under ${path.resolve(lakeDir)})`;
  const sqlError = (e: unknown) => {
    const refused = sandboxRefusal(e, where);
    return new CliError(refused ? refused.message : `SQL error: ${(e as Error).message.split('\n')[0]}`, { cause: refused ?? e });
  };
  try {
    const stmts = await cat.conn.extractStatements(sql);
    if (stmts.count !== 1) throw new CliError(`query takes exactly one SQL statement, received ${stmts.count}`);
    let prepared;
    try {
      prepared = await stmts.prepare(0);
    } catch (e) {
      throw sqlError(e);
    }
    if (prepared.statementType !== StatementType.SELECT) {
      throw new CliError(`query is read-only: only SELECT statements are allowed (received a ${StatementType[prepared.statementType]} statement)`);
    }
    try {
      const reader = await prepared.runAndReadAll();
      return readerRows(reader);
    } catch (e) {
      throw sqlError(e);
    }
  } finally {
    cat.close();
  }
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function formatRows(rows: Record<string, unknown>[], format: QueryFormat): string {
  if (format === 'json') return JSON.stringify(rows);
  if (format === 'csv') {
    if (!rows.length) return '';
    const cols = Object.keys(rows[0]!);
    return [cols.join(','), ...rows.map((r) => cols.map((c) => csvCell(r[c])).join(','))].join('\n');
  }
  return table(rows);
}

export async function queryCommand(sql: string, opts: GlobalOptions & { format?: QueryFormat }): Promise<void> {
  const rows = await runQuery(opts.lake, sql);
  const format = opts.json ? 'json' : (opts.format ?? 'table');
  process.stdout.write(formatRows(rows, format) + '\n');
}
