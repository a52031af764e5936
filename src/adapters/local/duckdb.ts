/** Embedded DuckDB: plays Athena locally. One small helper so every caller opens it the same way. */
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

export async function openDuckDB(file = ':memory:', options: Record<string, string> = {}): Promise<DuckDBConnection> {
  const instance = await DuckDBInstance.create(file, { threads: '2', ...options });
  return instance.connect();
}

/** SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** Rows as plain JSON-friendly objects (BIGINT/DECIMAL become numbers where safe). */
export async function queryRows(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowObjectsJson() as Record<string, unknown>[];
}
