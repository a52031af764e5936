/**
 * Batch tables from the ERP (products, stock snapshots, stores) dropped as CSV: each row validated against its zod
 * row schema; good rows go to curated_<table>, bad rows to quarantine with the same reason codes as events.
 */
import path from 'node:path';
import { createHash } from 'node:crypto';
import { BATCH_TABLES, columnsOf, type BatchTable } from '../contract/index.ts';
import { rejectionFromZod } from '../cleanse/cleanser.ts';
import { emptyCounts, type IngestCounts } from '../cleanse/batch.ts';
import { normaliseCode, money } from '../cleanse/standardise.ts';
import { LocalLakeSink } from '../adapters/local/lake-sink.ts';
import { openDuckDB, sqlString } from '../adapters/local/duckdb.ts';
import { tablePrefix } from '../lake/layout.ts';
import { tableFileList } from '../lake/table-files.ts';
import { withLakeCommit } from '../lake/commit.ts';

export function isBatchTable(name: string): name is BatchTable {
  return Object.hasOwn(BATCH_TABLES, name);
}

/** Reads a CSV (header row) as string cells. */
async function readCsv(file: string): Promise<Record<string, string | null>[]> {
  const conn = await openDuckDB();
  try {
    const r = await conn.runAndReadAll(`SELECT * FROM read_csv(${sqlString(file)}, header = true, all_varchar = true)`);
    return r.getRowObjectsJson() as Record<string, string | null>[];
  } finally {
    conn.closeSync();
  }
}

export async function loadBatchTable(
  table: BatchTable,
  file: string,
  opts: { lakeDir: string; mode?: 'full' | 'incremental'; now?: Date },
): Promise<IngestCounts> {
  const def = BATCH_TABLES[table];
  const cols = columnsOf(def.schema);
  const rows = await readCsv(file);
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
  // One lake commit: the old table goes (full mode), the new rows and the quarantined ones land, or nothing changes.
  await withLakeCommit(opts.lakeDir, `load-table ${table}`, async (c) => {
    if ((opts.mode ?? 'full') === 'full') c.replaceDir(tablePrefix(`curated_${table}`));
    const sink = new LocalLakeSink(opts.lakeDir);
    try {
      await sink.append(`curated_${table}`, good);
      if (bad.length) await sink.append('quarantine_events', bad);
      await sink.commit();
    } finally {
      sink.close();
    }
  });
  counts.clean = good.length;
  counts.quarantined = bad.length;
  return counts;
}

/** The SKUs of the product catalogue in the lake, or undefined when none was loaded yet. */
export async function loadKnownSkus(lakeDir: string): Promise<Set<string> | undefined> {
  const files = tableFileList(lakeDir, 'curated_products');
  if (!files) return undefined;
  const conn = await openDuckDB();
  try {
    // A read error is an error: a catalogue that cannot be read must not turn the unknown-SKU check off.
    const r = await conn.runAndReadAll(`SELECT DISTINCT sku FROM read_parquet(${files})`);
    return new Set(r.getRows().map(([s]) => String(s)));
  } finally {
    conn.closeSync();
  }
}
