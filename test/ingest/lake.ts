/** Test helpers: temporary lakes, and SQL over the lake's contract tables only (not the views under sql/). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openLakeCatalog } from '../../src/lake/local-catalog.ts';

export const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
}

/** Rows of a query over curated_* and quarantine_events (DuckDB over the Parquet files). */
export async function sql<T = Record<string, unknown>>(lakeDir: string, query: string): Promise<T[]> {
  const cat = await openLakeCatalog(lakeDir, { sqlDir: path.join(lakeDir, '.no-views') });
  try {
    return (await cat.conn.runAndReadAll(query)).getRowObjectsJson() as T[];
  } finally {
    cat.close();
  }
}
