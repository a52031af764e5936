/** Embedded DuckDB: plays Athena locally. One small helper so every caller opens it the same way. */
import { DuckDBConnection, DuckDBInstance, type DuckDBResultReader } from '@duckdb/node-api';

export async function openDuckDB(file = ':memory:', options: Record<string, string> = {}): Promise<DuckDBConnection> {
  const instance = await DuckDBInstance.create(file, { threads: '2', ...options });
  return instance.connect();
}

/** SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

const NUMERIC = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT', 'DECIMAL', 'FLOAT', 'DOUBLE']);

/**
 * Rows as plain JSON objects for people and scripts: integers, decimals and doubles become JSON numbers (DuckDB's
 * own JSON form keeps 64-bit integers and decimals as strings); an integer beyond 2^53 stays a string.
 */
export function readerRows(reader: DuckDBResultReader): Record<string, unknown>[] {
  const rows = reader.getRowObjectsJson() as Record<string, unknown>[];
  const names = reader.columnNames();
  const numeric = reader.columnTypes().map((t) => NUMERIC.has(String(t).replace(/\(.*$/, '')));
  for (const row of rows) {
    names.forEach((n, i) => {
      const v = row[n];
      if (numeric[i] && typeof v === 'string') {
        const num = Number(v);
        if (Number.isFinite(num) && (!/^-?\d+$/.test(v) || Number.isSafeInteger(num))) row[n] = num;
      }
    });
  }
  return rows;
}

/** Runs a query and returns its rows as JSON-friendly objects (see readerRows). */
export async function queryRows(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return readerRows(await conn.runAndReadAll(sql));
}
