/**
 * Writes a derived table (identity_map, customer_tags snapshots, ...) as Parquet under the lake's curated zone,
 * replacing the previous version in one rename, so a reader sees the old files or the new ones, never a half-
 * written directory. Files are staged under <lake>/_staging/, on the same file system.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from '../adapters/local/duckdb.ts';

/** Runs `select` and writes its rows to `<lake>/curated/<relDir>/part-0.parquet`, replacing what was there. */
export async function replaceParquetDir(conn: DuckDBConnection, lakeDir: string, relDir: string, select: string): Promise<string> {
  const dest = path.join(lakeDir, 'curated', relDir);
  const stamp = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const staging = path.join(lakeDir, '_staging', `out-${stamp}`);
  fs.mkdirSync(staging, { recursive: true });
  await conn.run(`copy (${select}) to ${sqlString(path.join(staging, 'part-0.parquet'))} (format parquet, compression zstd)`);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const old = path.join(lakeDir, '_staging', `old-${stamp}`);
  if (fs.existsSync(dest)) fs.renameSync(dest, old);
  fs.renameSync(staging, dest);
  fs.rmSync(old, { recursive: true, force: true });
  return dest;
}
