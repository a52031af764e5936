/**
 * `retail-lake import-orders`: order-line exports (CSV, CSV.gz, whitespace-separated) the way retailers have them,
 * into the local lake's curated_order_lines (source = 'import'). Every data row ends up exactly once as a clean line,
 * a quarantine row (reason code, field, value) or a duplicate of a line imported before. The reading, checking and
 * routing is the DuckDB-free core in order-import-core.ts (shared with the order-import Lambda); this module injects
 * the local lake: Parquet files, a dedup store seeded from them, import specs beside the quarantine zone. See
 * docs/ingest.md for the mapping rules.
 *
 * @example
 * await importOrders(['online_retail.csv.gz'], {
 *   lakeDir: 'lake', currency: 'GBP', timeZone: 'Europe/London',
 *   map: { order_id: 'InvoiceNo', sku: 'StockCode', description: 'Description', quantity: 'Quantity',
 *          ordered_at: 'InvoiceDate', unit_price: 'UnitPrice', customer_id: 'CustomerID', country: 'Country' },
 * });
 */
import fs from 'node:fs';
import path from 'node:path';
import { LocalLakeSink } from '../adapters/local/lake-sink.ts';
import type { IngestCounts } from '../cleanse/batch.ts';
import type { Pii } from '../cleanse/pii.ts';
import { localConfig } from '../config/local.ts';
import type { DedupStore, LakeSink } from '../ports/index.ts';
import { dedupStoreFromLake } from './dedup-seed.ts';
import { localPii, localSuppression } from './local-pipeline.ts';
import { ImportError } from './errors.ts';
import { checkImportSettings, importOrderSources, type ImportSpec, type OrderImportSettings } from './order-import-core.ts';
import { rewriteQuarantine } from './quarantine-files.ts';
import { lakeFile, putLakeFile, withLakeCommit } from '../lake/commit.ts';

export * from './order-import-core.ts';
export { importKey } from './import-keys.ts';

export interface OrderImportOptions extends OrderImportSettings {
  readonly lakeDir: string;
  /** IANA zone of the export's local times. @default RETAIL_LAKE_SOURCE_TZ (Asia/Shanghai) */
  readonly timeZone?: string;
  /** Larger rows are quarantined as payload.too_large. @default RETAIL_LAKE_MAX_RECORD_BYTES */
  readonly maxRecordBytes?: number;
  /** Adapters; default the local lake (Parquet files) and a dedup store seeded from it. */
  readonly sink?: LakeSink & { commit?: () => Promise<void>; close?: () => void };
  readonly dedup?: DedupStore;
  /** @default the local pipeline's (RETAIL_LAKE_PII_KEY) */
  readonly pii?: Pii;
}

export function specPath(lakeDir: string, id: string): string {
  return path.join(lakeDir, 'quarantine', 'import_specs', `${id}.json`);
}

const specRel = (id: string) => `quarantine/import_specs/${id}.json`;

export function loadSpec(lakeDir: string, id: string): ImportSpec | undefined {
  const p = lakeFile(lakeDir, specRel(id));
  return p ? (JSON.parse(fs.readFileSync(p, 'utf8')) as ImportSpec) : undefined;
}

/** Saved with the import's rows, in its lake commit. */
function saveSpec(lakeDir: string, id: string, spec: ImportSpec): void {
  if (lakeFile(lakeDir, specRel(id))) return;
  putLakeFile(lakeDir, specRel(id), JSON.stringify(spec, null, 2) + '\n');
}

/**
 * Imports order-line files into the local lake in one lake commit (order lines, quarantined rows, the import's
 * settings and the quarantine rows it resolves land together or not at all); returns reconciled counts.
 */
export async function importOrders(files: readonly string[], opts: OrderImportOptions): Promise<IngestCounts> {
  const cfg = localConfig();
  const now = opts.now ?? new Date();
  const settings: OrderImportSettings = {
    ...opts,
    now,
    timeZone: opts.timeZone ?? cfg.sourceTimeZone,
    maxRecordBytes: opts.maxRecordBytes ?? cfg.maxRecordBytes,
  };
  // Settings are checked before the lake is opened: a bad option fails without touching anything.
  checkImportSettings(settings);
  for (const f of files) if (!fs.existsSync(f)) throw new ImportError(`no such file: ${f}`);
  const pii = opts.pii ?? localPii();

  return withLakeCommit(opts.lakeDir, 'import-orders', () => importIn(files, opts, settings, now, pii));
}

async function importIn(files: readonly string[], opts: OrderImportOptions, settings: OrderImportSettings, now: Date, pii: Pii): Promise<IngestCounts> {
  const sink = opts.sink ?? new LocalLakeSink(opts.lakeDir);
  try {
    const dedup = opts.dedup ?? (await dedupStoreFromLake(opts.lakeDir));
    const { counts, resolved } = await importOrderSources(
      files.map((file) => ({ name: file, open: () => fs.createReadStream(file) })),
      { ...settings, sink, dedup, pii, suppression: await localSuppression(opts.lakeDir), saveSpec: (id, spec) => saveSpec(opts.lakeDir, id, spec) },
    );
    if (resolved.length) await rewriteQuarantine(opts.lakeDir, resolved.map((id) => ({ quarantine_id: id, resolved: true })), now.toISOString());
    return counts;
  } finally {
    sink.close?.();
  }
}
