/**
 * Batch tables from the ERP (products, stock snapshots, stores) dropped as CSV: each row validated against its zod
 * row schema; good rows go to curated_<table>, bad rows to quarantine with the same reason codes as events.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { BATCH_TABLES, columnsOf, type BatchTable } from '../contract/index.ts';
import { rejectionFromZod } from '../cleanse/cleanser.ts';
import { emptyCounts, type IngestCounts } from '../cleanse/batch.ts';
import { normaliseCode, money } from '../cleanse/standardise.ts';
import { LocalLakeSink } from '../adapters/local/lake-sink.ts';
import { openDuckDB, sqlString } from '../adapters/local/duckdb.ts';
import { tableDir, tablePrefix } from '../lake/layout.ts';
import { tableFiles } from '../lake/table-files.ts';
import { withLakeCommit } from '../lake/commit.ts';
import { assertUniqueHeader } from './csv.ts';
import { ImportError, IngestError } from './errors.ts';

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
  /** full replaces the table, incremental appends to it. @default 'full' */
  readonly mode?: 'full' | 'incremental';
  /** Replace the table even with a file that lacks required columns or has no valid row. @default false */
  readonly force?: boolean;
  readonly now?: Date;
}

export async function loadBatchTable(table: BatchTable, file: string, opts: LoadTableOptions): Promise<IngestCounts> {
  const def = BATCH_TABLES[table];
  const cols = columnsOf(def.schema);
  const { header, rows } = await readCsv(file);
  // A misparsed file (wrong delimiter, another table's export) would empty the table, and an empty product catalogue
  // turns the unknown-SKU check off: refuse it before anything is written, unless the user insists.
  const have = new Set(header.map((h) => h.trim()));
  const missing = cols.filter((c) => !c.nullable && !have.has(c.name)).map((c) => c.name);
  if (missing.length && !opts.force) {
    throw new ImportError(
      `${file}: no column ${missing.map((m) => JSON.stringify(m)).join(', ')} in the header (columns: ${header.map((h) => JSON.stringify(h)).join(', ')}); ` +
        `${table} needs ${cols.filter((c) => !c.nullable).map((c) => c.name).join(', ')}. Nothing was written; --force loads it anyway`,
    );
  }
  const counts = emptyCounts();
  counts.received = rows.length;
  const loadedAt = (opts.now ?? new Date()).toISOString();
  const good: object[] = [];
  const bad: object[] = [];
  rows.forEach((row, i) => {
    const typed: Record<string, unknown> = {};
    for (const c of cols) {
      const v = row[c.name];
      if (v === null || v === undefined || v === '') continue;
      if (c.type === 'int' && /^-?\d+$/.test(v.trim())) typed[c.name] = Number(v);
      else if (c.type === 'boolean' && /^(true|false|1|0)$/i.test(v.trim())) typed[c.name] = /^(true|1)$/i.test(v.trim());
      else typed[c.name] = v;
    }
    const parsed = def.schema.safeParse(typed);
    if (parsed.success) {
      const out: Record<string, unknown> = { ...parsed.data, loaded_at: loadedAt, file_name: path.basename(file) };
      for (const k of ['sku', 'store_id']) if (typeof out[k] === 'string') out[k] = normaliseCode(out[k] as string);
      if (out.list_price !== undefined) out.list_price = money(out.list_price as string | number);
      good.push(out);
    } else {
      const err = rejectionFromZod(parsed.error, typed, []);
      const raw = JSON.stringify(row);
      counts.byReason[err.reason] = (counts.byReason[err.reason] ?? 0) + 1;
      bad.push({
        quarantine_id: createHash('sha256').update(`${file}:${i + 2}\n${raw}`).digest('hex').slice(0, 32),
        reason_code: err.reason,
        field_path: err.fieldPath,
        message: `${err.reason}: ${err.message}`,
        raw_payload: raw,
        raw_encoding: 'utf8',
        origin: `file:${path.basename(file)}:${i + 2}`,
        received_at: loadedAt,
        source: `batch_${table}`,
        dt: loadedAt.slice(0, 10),
      });
    }
  });
  const full = (opts.mode ?? 'full') === 'full';
  if (full && !good.length && !opts.force) {
    throw new ImportError(
      `${file}: no valid row (${rows.length} read, ${bad.length} rejected${bad.length ? `, e.g. ${(bad[0] as { message: string }).message}` : ''}); ` +
        `replacing ${table} with it would leave the table empty. Nothing was written; --force replaces it anyway`,
    );
  }
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
  counts.clean = good.length;
  counts.quarantined = bad.length;
  return counts;
}

const stderrWarning = (m: string) => process.stderr.write(`retail-lake: warning: ${m}\n`);

/**
 * The SKUs of the product catalogue in the lake, or undefined when none was loaded yet (no check then). A catalogue
 * that was loaded but is empty or unreadable also means no check, but never silently: `warn` says so.
 */
export async function loadKnownSkus(lakeDir: string, warn: (message: string) => void = stderrWarning): Promise<Set<string> | undefined> {
  const files = tableFiles(lakeDir, 'curated_products');
  if (!files.length && !fs.existsSync(tableDir(lakeDir, 'curated_products'))) return undefined;
  const off = 'SKUs are not checked against it (load it again with `retail-lake load-table products FILE`)';
  if (!files.length) {
    warn(`the product catalogue in the lake is empty; ${off}`);
    return undefined;
  }
  const conn = await openDuckDB();
  try {
    const r = await conn.runAndReadAll(`SELECT DISTINCT sku FROM read_parquet([${files.map(sqlString).join(', ')}]) WHERE sku IS NOT NULL`);
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
