/** The committed Parquet files of a local lake table, for readers (see src/lake/commit.ts). */
import type { TableDef } from '../contract/index.ts';
import { sqlString } from '../adapters/local/duckdb.ts';
import { lakeFiles } from './commit.ts';
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
