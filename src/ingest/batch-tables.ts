/**
 * Batch tables from the ERP (products, stock snapshots, stores) dropped as CSV: each row validated against its zod
 * row schema; good rows go to curated_<table>, bad rows to quarantine with the same reason codes as events.
 */
import fs from 'node:fs';
import { BATCH_TABLES, type BatchTable } from '../contract/index.ts';
import type { IngestCounts } from '../cleanse/batch.ts';
import { LocalLakeSink } from '../adapters/local/lake-sink.ts';
import { openDuckDB, sqlString } from '../adapters/local/duckdb.ts';
import { tableDir, tablePrefix } from '../lake/layout.ts';
import { tableFiles } from '../lake/table-files.ts';
import { withLakeCommit } from '../lake/commit.ts';
import { assertUniqueHeader } from './csv.ts';
import { ImportError, IngestError } from './errors.ts';
import { validateBatchRows } from './batch-rows.ts';
import { changesFromIncrementalRows } from './changes.ts';
import { writeChanges } from './change-load.ts';

export function isBatchTable(name: string): name is BatchTable {
  return Object.hasOwn(BATCH_TABLES, name);
}

/** Reads a CSV (header row) as string cells, with the header as written (DuckDB renames a repeated name). */
async function readCsv(file: string): Promise<{ header: string[]; rows: Record<string, string | null>[] }> {
  if (!fs.existsSync(file)) throw new ImportError(`no such file: ${file}`);
  const conn = await openDuckDB();
  try {
    const first = await conn.runAndReadAll(`SELECT * FROM read_csv(${sqlString(file)}, header = false, all_varchar = true) LIMIT 1`);
    const header = (first.getRows()[0] ?? []).map((v) => String(v ?? ''));
    assertUniqueHeader(header, file);
    const r = await conn.runAndReadAll(`SELECT * FROM read_csv(${sqlString(file)}, header = true, all_varchar = true)`);
    return { header, rows: r.getRowObjectsJson() as Record<string, string | null>[] };
  } catch (e) {
    if (e instanceof IngestError) throw e;
    throw new ImportError(`${file}: cannot be read as CSV (${(e as Error).message.split('\n')[0]})`, { cause: e });
  } finally {
    conn.closeSync();
  }
}

export interface LoadTableOptions {
  readonly lakeDir: string;
  /**
   * full replaces the table; incremental adds to it: a file with an updated_at column as changes (upserts, deletes,
   * history), one without as rows loaded now. @default 'full'
   */
  readonly mode?: 'full' | 'incremental';
  /** Replace the table even with a file that lacks required columns or has no valid row. @default false */
  readonly force?: boolean;
  readonly now?: Date;
}

export async function loadBatchTable(table: BatchTable, file: string, opts: LoadTableOptions): Promise<IngestCounts> {
  const { header, rows } = await readCsv(file);
  // An incremental file with an updated_at watermark is a list of changes: appended to the table's change log, from
  // which the views build the history (valid_from / valid_to) and the current table (src/ingest/change-load.ts).
  if (opts.mode === 'incremental' && header.some((h) => h.trim() === 'updated_at')) {
    const loadedAt = (opts.now ?? new Date()).toISOString();
    return writeChanges(opts.lakeDir, `load-table ${table} --incremental`, changesFromIncrementalRows(table, header, rows, { file, loadedAt }));
  }
  // A misparsed file (wrong delimiter, another table's export) would empty the table, and an empty product catalogue
  // turns the unknown-SKU check off: validateBatchRows refuses it before anything is written, unless the user insists.
  const loadedAt = (opts.now ?? new Date()).toISOString();
  const { good, bad, counts } = validateBatchRows(table, header, rows, { file, loadedAt, mode: opts.mode, force: opts.force });
  const full = (opts.mode ?? 'full') === 'full';
  // One lake commit: the old table goes (full mode), the new rows and the quarantined ones land, or nothing changes.
  await withLakeCommit(opts.lakeDir, `load-table ${table}`, async (c) => {
    if (full) {
      // A full load replaces the table and the rows its earlier loads rejected: loading a file again (or rerunning a
      // load killed after its commit) leaves its rejects in quarantine once, not once per load.
      c.replaceDir(tablePrefix(`curated_${table}`));
      c.replaceDir(`${tablePrefix('quarantine_events')}/source=batch_${table}`);
    }
    const sink = new LocalLakeSink(opts.lakeDir);
    try {
      await sink.append(`curated_${table}`, good);
      if (bad.length) await sink.append('quarantine_events', bad);
      await sink.commit();
    } finally {
      sink.close();
    }
  });
  // Kept, even empty: a table loaded empty on purpose (--force) is not a table never loaded (see loadKnownSkus).
  if (full) fs.mkdirSync(tableDir(opts.lakeDir, `curated_${table}`), { recursive: true });
  return counts;
}

const stderrWarning = (m: string) => process.stderr.write(`retail-lake: warning: ${m}\n`);

/**
 * The SKUs of the product catalogue in the lake, or undefined when none was loaded yet (no check then). A catalogue
 * that was loaded but is empty or unreadable also means no check, but never silently: `warn` says so.
 */
export async function loadKnownSkus(lakeDir: string, warn: (message: string) => void = stderrWarning): Promise<Set<string> | undefined> {
  // The catalogue's full loads and its change log (a SKU created by a change event, or deleted since: its old orders
  // and replays still name it).
  const files = [...tableFiles(lakeDir, 'curated_products'), ...tableFiles(lakeDir, 'curated_products_changes')];
  if (!files.length && !fs.existsSync(tableDir(lakeDir, 'curated_products'))) return undefined;
  const off = 'SKUs are not checked against it (load it again with `retail-lake load-table products FILE`)';
  if (!files.length) {
    warn(`the product catalogue in the lake is empty; ${off}`);
    return undefined;
  }
  const conn = await openDuckDB();
  try {
    const r = await conn.runAndReadAll(`SELECT DISTINCT sku FROM read_parquet([${files.map(sqlString).join(', ')}], union_by_name = true) WHERE sku IS NOT NULL`);
    const skus = new Set(r.getRows().map(([s]) => String(s)));
    if (!skus.size) warn(`the product catalogue in the lake is empty; ${off}`);
    return skus.size ? skus : undefined;
  } catch (e) {
    warn(`the product catalogue in the lake cannot be read (${(e as Error).message.split('\n')[0]}); ${off}`);
    return undefined;
  } finally {
    conn.closeSync();
  }
}
