/**
 * Writes a derived table (identity_map, customer_tags snapshots, ...) as Parquet under the lake's curated zone,
 * replacing the previous version in one lake commit (src/lake/commit.ts), so a reader sees the old files or the new
 * ones, never a half-written directory; inside a command's commit it lands with the command's other tables.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import path from 'node:path';
import { sqlString } from '../adapters/local/duckdb.ts';
import { lakeWrite } from '../lake/commit.ts';

/** Runs `select` and writes its rows to `<lake>/curated/<relDir>/part-0.parquet`, replacing what was there. */
export async function replaceParquetDir(conn: DuckDBConnection, lakeDir: string, relDir: string, select: string): Promise<string> {
  const rel = `curated/${relDir}`;
  await lakeWrite(lakeDir, `write ${relDir}`, async (c) => {
    c.replaceDir(rel);
    const out = c.stage(`${rel}/part-0.parquet`);
    await c.copy(conn, relDir, `copy (${select}) to ${sqlString(out)} (format parquet, compression zstd)`, out);
  });
  return path.join(lakeDir, rel);
}
