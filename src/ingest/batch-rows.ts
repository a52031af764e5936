/**
 * The validation of an ERP batch table's rows (products, stock snapshots, stores), with no I/O: the local
 * `retail-lake load-table` (src/ingest/batch-tables.ts) and the batch-table load in AWS
 * (src/adapters/aws/landed-batch-table.ts) both call it, so a row is kept or quarantined for the same reason in both.
 * Good rows are typed and standardised as curated_<table> holds them; bad ones become quarantine rows naming the
 * field and the value.
 */
import path from 'node:path';
import { createHash } from 'node:crypto';
import { BATCH_TABLES, columnsOf, type BatchTable, type Column } from '../contract/index.ts';
import { rejectionFromZod } from '../cleanse/cleanser.ts';
import { emptyCounts, type IngestCounts } from '../cleanse/batch.ts';
import { normaliseCode, money } from '../cleanse/standardise.ts';
import { assertUniqueHeader, csvRecordsOf, splitFields } from './csv.ts';
import { CsvError, ImportError } from './errors.ts';

/** A CSV row as cells by header name; empty cells are null (as DuckDB's read_csv gives them). */
export type CsvRow = Record<string, string | null>;

export interface ValidateBatchOptions {
  /** The file as the user named it (local path or S3 key): part of each quarantine id. */
  readonly file: string;
  readonly loadedAt: string;
  /** full replaces the table: refused without a valid row. @default 'full' */
  readonly mode?: 'full' | 'incremental';
  /** Accept a file that lacks required columns or has no valid row. @default false */
  readonly force?: boolean;
  /** How the user overrides a refusal, appended to its message. @default '--force loads it anyway' */
  readonly override?: string;
}

export interface ValidatedBatch {
  readonly good: Record<string, unknown>[];
  readonly bad: Record<string, unknown>[];
  /** received = clean + quarantined. */
  readonly counts: IngestCounts;
}

/** CSV cells typed for the row schema: whole numbers for int columns, true/false/1/0 for booleans; empty cells absent. */
export function typeCells(cols: readonly Column[], row: CsvRow): Record<string, unknown> {
  const typed: Record<string, unknown> = {};
  for (const c of cols) {
    const v = row[c.name];
    if (v === null || v === undefined || v === '') continue;
    if (c.type === 'int' && /^-?\d+$/.test(v.trim())) typed[c.name] = Number(v);
    else if (c.type === 'boolean' && /^(true|false|1|0)$/i.test(v.trim())) typed[c.name] = /^(true|1)$/i.test(v.trim());
    else typed[c.name] = v;
  }
  return typed;
}

/** A valid row as the curated zone holds it: codes normalised (SKU, store), money as a decimal string. */
export function standardiseBatchRow(row: Record<string, unknown>): Record<string, unknown> {
  const out = { ...row };
  for (const k of ['sku', 'store_id', 'home_store_id']) if (typeof out[k] === 'string') out[k] = normaliseCode(out[k] as string);
  if (out.list_price !== undefined) out.list_price = money(out.list_price as string | number);
  return out;
}

/** Refuses, before anything is written, a header without the table's required columns (a misparsed or wrong file). */
export function assertBatchHeader(table: BatchTable, header: readonly string[], o: Pick<ValidateBatchOptions, 'file' | 'force' | 'override'>): void {
  const cols = columnsOf(BATCH_TABLES[table].schema);
  const have = new Set(header.map((h) => h.trim()));
  const missing = cols.filter((c) => !c.nullable && !have.has(c.name)).map((c) => c.name);
  if (missing.length && !o.force) {
    throw new ImportError(
      `${o.file}: no column ${missing.map((m) => JSON.stringify(m)).join(', ')} in the header (columns: ${header.map((h) => JSON.stringify(h)).join(', ')}); ` +
        `${table} needs ${cols.filter((c) => !c.nullable).map((c) => c.name).join(', ')}. Nothing was written; ${o.override ?? '--force loads it anyway'}`,
    );
  }
}

/** Validates every row: typed and standardised good rows, quarantine rows for the bad ones, reconciled counts. */
export function validateBatchRows(table: BatchTable, header: readonly string[], rows: readonly CsvRow[], o: ValidateBatchOptions): ValidatedBatch {
  assertBatchHeader(table, header, o);
  const def = BATCH_TABLES[table];
  const cols = columnsOf(def.schema);
  const counts = emptyCounts();
  counts.received = rows.length;
  const good: Record<string, unknown>[] = [];
  const bad: Record<string, unknown>[] = [];
  const fileName = path.basename(o.file);
  rows.forEach((row, i) => {
    const typed = typeCells(cols, row);
    const parsed = def.schema.safeParse(typed);
    if (parsed.success) {
      good.push({ ...standardiseBatchRow(parsed.data as Record<string, unknown>), loaded_at: o.loadedAt, file_name: fileName });
    } else {
      const err = rejectionFromZod(parsed.error, typed, []);
      const raw = JSON.stringify(row);
      counts.byReason[err.reason] = (counts.byReason[err.reason] ?? 0) + 1;
      bad.push({
        quarantine_id: createHash('sha256').update(`${o.file}:${i + 2}\n${raw}`).digest('hex').slice(0, 32),
        reason_code: err.reason,
        field_path: err.fieldPath,
        message: `${err.reason}: ${err.message}`,
        raw_payload: raw,
        raw_encoding: 'utf8',
        origin: `file:${fileName}:${i + 2}`,
        received_at: o.loadedAt,
        source: `batch_${table}`,
        dt: o.loadedAt.slice(0, 10),
      });
    }
  });
  if ((o.mode ?? 'full') === 'full' && !good.length && !o.force) {
    throw new ImportError(
      `${o.file}: no valid row (${rows.length} read, ${bad.length} rejected${bad.length ? `, e.g. ${(bad[0] as { message: string }).message}` : ''}); ` +
        `replacing ${table} with it would leave the table empty. Nothing was written; ${o.override ?? '--force replaces it anyway'}`,
    );
  }
  counts.clean = good.length;
  counts.quarantined = bad.length;
  return { good, bad, counts };
}

/**
 * A comma-separated file with a header row, as cells by header name (UTF-8, CRLF or LF, RFC 4180 quotes, gzip
 * detected by csv.ts's scanner); empty cells are null. Throws ImportError naming the line of a malformed record.
 */
export function parseBatchCsv(data: Buffer, file: string): { header: string[]; rows: CsvRow[] } {
  let header: string[] | undefined;
  const rows: CsvRow[] = [];
  for (const rec of csvRecordsOf(data, { delimiter: ',' })) {
    const text = rec.bytes.toString('utf8');
    if (!header && !text.trim()) continue;
    let cells: string[];
    try {
      if (rec.unterminated) throw new CsvError('a quote is never closed');
      cells = splitFields(text, ',');
    } catch (e) {
      throw new ImportError(`${file}: line ${rec.line} cannot be read as CSV (${(e as Error).message})`, { cause: e });
    }
    if (!header) {
      header = cells;
      assertUniqueHeader(header, file);
      continue;
    }
    if (!text.length) continue;
    rows.push(Object.fromEntries(header.map((h, i) => [h, cells[i] === undefined || cells[i] === '' ? null : cells[i]!])));
  }
  if (!header) throw new ImportError(`${file}: empty file; expected a header row`);
  return { header, rows };
}
