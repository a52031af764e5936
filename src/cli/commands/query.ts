/** `retail-lake query "<sql>"`: read-only SQL over the lake's tables and views in embedded DuckDB. */
import { StatementType } from '@duckdb/node-api';
import { openLakeCatalog } from '../../lake/local-catalog.ts';
import { readerRows } from '../../adapters/local/duckdb.ts';
import { CliError, table, type GlobalOptions } from '../output.ts';

export type QueryFormat = 'table' | 'csv' | 'json';

/** Runs one read-only statement; anything but a query is refused before it runs. */
export async function runQuery(lakeDir: string, sql: string): Promise<Record<string, unknown>[]> {
  const cat = await openLakeCatalog(lakeDir);
  try {
    const stmts = await cat.conn.extractStatements(sql);
    if (stmts.count !== 1) throw new CliError(`query takes exactly one SQL statement, received ${stmts.count}`);
    let prepared;
    try {
      prepared = await stmts.prepare(0);
    } catch (e) {
      throw new CliError(`SQL error: ${(e as Error).message.split('\n')[0]}`, { cause: e });
    }
    if (prepared.statementType !== StatementType.SELECT) {
      throw new CliError(`query is read-only: only SELECT statements are allowed (received a ${StatementType[prepared.statementType]} statement)`);
    }
    try {
      const reader = await prepared.runAndReadAll();
      return readerRows(reader);
    } catch (e) {
      throw new CliError(`SQL error: ${(e as Error).message.split('\n')[0]}`, { cause: e });
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
