/** The committed Parquet files of a local lake table, for readers (see src/lake/commit.ts). */
import path from 'node:path';
import type { TableDef } from '../contract/index.ts';
import { sqlString } from '../adapters/local/duckdb.ts';
import { lakeFiles, lakeRel } from './commit.ts';
import { tablePrefix } from './layout.ts';

/** Absolute paths of the table's committed Parquet files, sorted; [] when none. */
export function tableFiles(lakeDir: string, t: TableDef | string): string[] {
  return lakeFiles(lakeDir, tablePrefix(t), '.parquet');
}

/** The files as a DuckDB list literal for read_parquet, or undefined when there are none. */
export function tableFileList(lakeDir: string, t: TableDef | string): string | undefined {
  const files = tableFiles(lakeDir, t);
  return files.length ? `[${files.map(sqlString).join(', ')}]` : undefined;
}

/** Whether a lake-relative folder (e.g. `curated/customer_tags`) holds a committed Parquet file. */
export function hasParquet(lakeDir: string, rel: string): boolean {
  return lakeFiles(lakeDir, rel, '.parquet').length > 0;
}

/**
 * The values of a hive partition key directly under a lake-relative folder, over committed Parquet files only,
 * sorted: `partitionValues(lake, 'curated/customer_scores', 'dt')` -> ['2025-03-01', ...]. A partition folder that
 * holds no committed file (emptied by a delete, or holding only a killed run's temporary or zero-byte file) has none.
 */
export function partitionValues(lakeDir: string, rel: string, key: string): string[] {
  const folder = `${rel.split(path.sep).join('/').replace(/\/+$/, '')}/`;
  const prefix = `${key}=`;
  const values = new Set<string>();
  for (const f of lakeFiles(lakeDir, rel, '.parquet')) {
    const first = lakeRel(lakeDir, f).slice(folder.length).split('/')[0]!;
    if (first.startsWith(prefix)) values.add(first.slice(prefix.length));
  }
  return [...values].sort();
}

/** The raw zone's committed JSONL files (plain or gzipped), sorted by lake path. */
export function rawFiles(lakeDir: string): string[] {
  return lakeFiles(lakeDir, 'raw').filter((p) => /\.jsonl(\.gz)?$/.test(p));
}
