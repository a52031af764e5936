/**
 * `retail-lake import-reviews` and `retail-lake import-series`: CSV exports mapped onto two derived lake tables,
 * curated/imported_reviews/ and curated/demand_series/ (registered as views of the same names). Rows are validated
 * one by one, deduplicated on their key against the rows already in the table and within the files, and the table is
 * rewritten in one directory swap, so importing the same file twice adds nothing. A bad row goes to the quarantine
 * zone (quarantine_events, source `batch_<table>`) with its reason code, the field and column at fault and the value
 * received; its quarantine_id hashes the table and the row's bytes, so a re-import counts it again but stores it once.
 * Counts reconcile: received = clean + quarantined + duplicates + suppressed. Like ERP batch tables, these rows are not replayed:
 * fix the file and import it again.
 *
 * Example:
 *   await importSeries(['walmart.csv'], { lakeDir: 'lake', map: parseFieldMap('series_id=Store,date=Date,value=Weekly_Sales', SERIES_FIELDS, ['series_id', 'date', 'value']), dateFormat: 'DD/MM/YY' });
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { z } from 'zod';
import { columnsOf, type Column } from '../contract/columns.ts';
import type { IngestCounts } from '../cleanse/batch.ts';
import { emptyCounts } from '../cleanse/batch.ts';
import { openDuckDB, queryRows, sqlString } from '../adapters/local/duckdb.ts';
import { LocalLakeSink } from '../adapters/local/lake-sink.ts';
import type { QuarantineRow } from '../contract/index.ts';
import { readRows, writeRows } from '../score/parquet.ts';
import { quarantineFiles } from './quarantine-files.ts';
import { crashPoint, withLakeCommit } from '../lake/commit.ts';
import { assertUniqueHeader, openBytes, readCsvRecords, splitFields, type Delimiter } from './csv.ts';
import { compileDateFormat, defaultDateReader, type DateReader } from './date-format.ts';
import { ImportError } from './errors.ts';
import type { Pii } from '../cleanse/pii.ts';
import { localPii, localSuppression } from './local-pipeline.ts';
import { NO_SUPPRESSION } from '../cleanse/suppression.ts';

export const REVIEW_FIELDS = ['text', 'rating', 'label', 'sku', 'customer_id', 'reviewed_at', 'review_id'] as const;
export const SERIES_FIELDS = ['series_id', 'date', 'value', 'holiday'] as const;
export const IMPORTED_REVIEWS_TABLE = 'imported_reviews';
export const DEMAND_SERIES_TABLE = 'demand_series';

export const importedReviewSchema = z.object({
  review_id: z.string().meta({ description: 'Review id from the export, else a hash of the text, rating and sku' }),
  sku: z.string().nullable().meta({ description: 'Reviewed product' }),
  customer_id: z.string().nullable().meta({ description: 'Reviewer id as in the export; an id that is a phone or an e-mail is stored as its keyed hash (the phone_hash / email_hash of that person)' }),
  rating: z.int().nullable().meta({ description: 'Stars 1..5 (null when the export has a label instead)' }),
  label: z.int().nullable().meta({ description: '1 positive / 0 negative, when the export has a label instead of a rating' }),
  review_text: z.string().meta({ description: 'Review text, phones and e-mails replaced by [phone] / [email]' }),
  reviewed_at: z.iso.datetime().nullable().meta({ description: 'When the review was written (UTC)' }),
  source_file: z.string().meta({ description: 'File the row came from' }),
});
export const IMPORTED_REVIEW_COLUMNS: readonly Column[] = columnsOf(importedReviewSchema);

export const demandSeriesSchema = z.object({
  series_id: z.string().meta({ description: 'Series id (e.g. a store number, or category x store)' }),
  period_start: z.iso.date().meta({ description: 'First day of the period' }),
  value: z.number().meta({ description: 'Demand (units or sales) in the period' }),
  is_holiday: z.boolean().meta({ description: 'The period holds a holiday' }),
});
export const DEMAND_SERIES_COLUMNS: readonly Column[] = columnsOf(demandSeriesSchema);

export type FieldMap<F extends string> = Partial<Record<F, string>>;

/** Reads `--map field=COLUMN,...` for the given fields; throws ImportError naming the bad entry. */
export function parseFieldMap<F extends string>(spec: string, fields: readonly F[], required: readonly (F | `${F}|${F}`)[]): FieldMap<F> {
  const map: FieldMap<F> = {};
  for (const part of spec.split(',')) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    const key = (eq === -1 ? part : part.slice(0, eq)).trim();
    const col = eq === -1 ? '' : part.slice(eq + 1).trim();
    if (!(fields as readonly string[]).includes(key)) throw new ImportError(`--map: unknown field ${JSON.stringify(key)}; expected some of ${fields.join(', ')}`);
    if (!col) throw new ImportError(`--map: ${key} needs a column, e.g. ${key}=COLUMN`);
    if (map[key as F] !== undefined) throw new ImportError(`--map: ${key} is mapped twice`);
    map[key as F] = col;
  }
  for (const r of required) {
    const alts = r.split('|') as F[];
    if (!alts.some((a) => map[a] !== undefined)) throw new ImportError(`--map must name ${alts.map((a) => `${a}=COLUMN`).join(' or ')}`);
  }
  return map;
}

export interface TableImportOptions<F extends string> {
  readonly lakeDir: string;
  readonly map: FieldMap<F>;
  /** @default ',' */
  readonly delimiter?: Delimiter;
  /** @default true */
  readonly header?: boolean;
  /** e.g. DD/MM/YY; default ISO 8601 / YYYY-MM-DD. */
  readonly dateFormat?: string;
  /** received_at of quarantined rows. @default new Date() */
  readonly now?: Date;
  /** Scrubs text and hashes ids that are phones or e-mails, as the cleanser does. @default the local pipeline's */
  readonly pii?: Pii;
}

/**
 * Records of a file. Tab-separated files are read as IANA TSV (one record per line, no quoting): review exports
 * such as the UCI labelled sentences hold bare quotes in their text, which CSV quoting would run together.
 */
async function* records(file: string, delimiter: Delimiter): AsyncGenerator<{ text: string; unterminated?: boolean }> {
  if (delimiter === '\t') {
    for await (const line of readline.createInterface({ input: openBytes(file), crlfDelay: Infinity })) yield { text: line };
    return;
  }
  for await (const rec of readCsvRecords(openBytes(file), { delimiter })) yield { text: rec.bytes.toString('utf8'), ...(rec.unterminated ? { unterminated: true } : {}) };
}

type Cells<F extends string> = (field: F) => string | undefined;
/** A bad row: the reason code, and the mapped field at fault with the value received (absent: the field was empty). */
type Rejected = { reason: string; field?: string; value?: string; expected?: string };
type Parsed = { row: Record<string, unknown>; key: string } | Rejected;

function rejectionMessage<F extends string>(r: Rejected, map: FieldMap<F>): string {
  if (!r.field) return `${r.reason}: the row is not valid CSV (an unterminated quote or a stray one)`;
  const col = map[r.field as F];
  const where = `field '${r.field}'${col !== undefined ? ` (column ${col})` : ''}`;
  return r.value === undefined ? `${r.reason}: ${where} is empty` : `${r.reason}: ${where}: ${JSON.stringify(r.value)}${r.expected ? ` is not ${r.expected}` : ''}`;
}

/** quarantine_ids of this table's rows already in the quarantine zone. */
async function quarantinedIds(lakeDir: string, source: string): Promise<Set<string>> {
  const list = quarantineFiles(lakeDir);
  if (!list) return new Set();
  const conn = await openDuckDB();
  try {
    const rows = await queryRows(conn, `select distinct quarantine_id from read_parquet(${list}, hive_partitioning = true, union_by_name = true) where source = ${sqlString(source)}`);
    return new Set(rows.map((r) => String(r.quarantine_id)));
  } finally {
    conn.closeSync();
  }
}

/**
 * Imports CSV files into one derived table: validated row by row, deduplicated on the key, quarantined with a reason
 * naming the field and value, written in one lake commit (also used by import-campaign, src/campaigns/import.ts).
 */
export async function importTable<F extends string>(
  files: readonly string[],
  o: TableImportOptions<F>,
  table: string,
  columns: readonly Column[],
  keyOf: (row: Record<string, unknown>) => string,
  parse: (cells: Cells<F>, file: string, date: DateReader) => Parsed,
): Promise<IngestCounts> {
  // One lake commit: the table and its quarantined rows land together or not at all.
  const label = table === IMPORTED_REVIEWS_TABLE ? 'import-reviews' : table === DEMAND_SERIES_TABLE ? 'import-series' : `import ${table}`;
  return withLakeCommit(o.lakeDir, label, async () => {
  const delimiter = o.delimiter ?? ',';
  const date = o.dateFormat ? compileDateFormat(o.dateFormat) : defaultDateReader;
  const counts = emptyCounts();
  const rows = new Map<string, Record<string, unknown>>();
  for (const r of await readRows(o.lakeDir, table, columns)) rows.set(keyOf(r), r);
  let added = 0;
  const source = `batch_${table}`;
  const receivedAt = (o.now ?? new Date()).toISOString();
  const known = await quarantinedIds(o.lakeDir, source);
  // Reviews name their writer and campaign assignments their customer (customer_id, compared as a member id): erased
  // people are suppressed.
  const suppression = table === IMPORTED_REVIEWS_TABLE || table === 'campaign_assignments' ? await localSuppression(o.lakeDir) : NO_SUPPRESSION;
  const bad: QuarantineRow[] = [];
  for (const file of files) {
    if (!fs.existsSync(file)) throw new ImportError(`${file}: no such file`);
    let index: Partial<Record<F, number>> | undefined;
    let recordNo = 0;
    // Byte-identical rows of one file are told apart by how many came before, so each is stored once.
    const repeats = new Map<string, number>();
    const quarantine = (text: string, r: Rejected) => {
      counts.quarantined++;
      counts.byReason[r.reason] = (counts.byReason[r.reason] ?? 0) + 1;
      const repeat = repeats.get(text) ?? 0;
      repeats.set(text, repeat + 1);
      const id = crypto.createHash('sha256').update(`${table}:${repeat}\n`).update(text).digest('hex').slice(0, 32);
      if (known.has(id)) return;
      known.add(id);
      bad.push({
        quarantine_id: id,
        reason_code: r.reason,
        ...(r.field ? { field_path: r.field } : {}),
        message: rejectionMessage(r, o.map),
        raw_payload: text,
        raw_encoding: 'utf8',
        event_type: `import.${table}`,
        origin: `file:${path.basename(file)}:${recordNo}`,
        received_at: receivedAt,
        source,
        dt: receivedAt.slice(0, 10),
      } as QuarantineRow);
    };
    for await (const rec of records(file, delimiter)) {
      recordNo++;
      const text = rec.text.replace(/^\uFEFF/, '');
      if (!text.trim()) continue;
      let fields: string[];
      try {
        fields = delimiter === '\t' ? text.replace(/\r$/, '').split('\t') : splitFields(text, delimiter);
      } catch {
        if (!index && o.header !== false) throw new ImportError(`${file}: the header row is not valid CSV`);
        counts.received++;
        quarantine(text, { reason: 'MALFORMED_ROW' });
        continue;
      }
      if (!index) {
        index = {};
        const header = o.header === false ? null : fields.map((h) => h.trim());
        if (header) assertUniqueHeader(header, file);
        for (const [field, col] of Object.entries(o.map) as [F, string][]) {
          let i: number;
          if (header) {
            i = header.findIndex((h) => h === col || h.toLowerCase() === col.toLowerCase());
            if (i < 0) throw new ImportError(`--map ${field}=${col}: no column ${JSON.stringify(col)} in the header of ${file} (columns: ${header.join(', ')})`);
          } else {
            i = Number(col) - 1;
            if (!Number.isInteger(i) || i < 0) throw new ImportError(`--map ${field}=${col}: with --no-header a column is a 1-based position`);
          }
          index[field] = i;
        }
        if (header) continue;
      }
      counts.received++;
      const idx = index;
      const cells: Cells<F> = (f) => {
        const i = idx[f];
        if (i === undefined) return undefined;
        const v = fields[i]?.trim();
        return v === undefined || v === '' ? undefined : v;
      };
      const p: Parsed = rec.unterminated ? { reason: 'MALFORMED_ROW' } : parse(cells, file, date);
      if ('reason' in p) {
        quarantine(text, p);
      } else if (!suppression.empty && typeof p.row.customer_id === 'string' && suppression.matches({ member_id: p.row.customer_id })) {
        counts.suppressed++;
      } else if (rows.has(p.key)) {
        counts.duplicates++;
      } else {
        rows.set(p.key, p.row);
        counts.clean++;
        added++;
      }
    }
  }
  // Every file read and sorted into clean, quarantined and duplicate rows; nothing staged yet.
  crashPoint(`step:${table} rows read`);
  if (added > 0) await writeRows({ lakeDir: o.lakeDir, relDir: table, columns, rows: [...rows.values()], mode: 'replace' });
  if (bad.length) {
    const sink = new LocalLakeSink(o.lakeDir);
    try {
      await sink.append('quarantine_events', bad);
      await sink.commit();
    } finally {
      sink.close();
    }
  }
  return counts;
  });
}

function day(text: string | undefined, date: DateReader): string | undefined {
  if (text === undefined) return undefined;
  const t = date(text);
  return t ? new Date(t.ms).toISOString().slice(0, 10) : undefined;
}

const TRUE = new Set(['1', 'true', 't', 'yes', 'y']);
const FALSE = new Set(['0', 'false', 'f', 'no', 'n']);

/** import-series: one row per (series_id, period_start); the first value imported for a key wins. */
export function importSeries(files: readonly string[], o: TableImportOptions<(typeof SERIES_FIELDS)[number]>): Promise<IngestCounts> {
  return importTable(files, o, DEMAND_SERIES_TABLE, DEMAND_SERIES_COLUMNS, (r) => `${String(r.series_id)}\u0001${String(r.period_start).slice(0, 10)}`, (c, _file, date) => {
    const id = c('series_id');
    if (!id) return { reason: 'MISSING_SERIES_ID', field: 'series_id' };
    const d = day(c('date'), date);
    if (!d) return { reason: 'INVALID_DATE', field: 'date', value: c('date'), expected: `a date${o.dateFormat ? ` in format ${o.dateFormat}` : ' (ISO 8601 / YYYY-MM-DD)'}` };
    const raw = c('value');
    const value = raw === undefined ? NaN : Number(raw.replace(/,/g, ''));
    if (!Number.isFinite(value)) return { reason: 'INVALID_VALUE', field: 'value', value: raw, expected: 'a number' };
    const hRaw = c('holiday');
    const h = hRaw?.toLowerCase();
    if (h !== undefined && !TRUE.has(h) && !FALSE.has(h)) return { reason: 'INVALID_HOLIDAY', field: 'holiday', value: hRaw, expected: 'a flag (1/0, true/false, yes/no)' };
    const row = { series_id: id, period_start: d, value, is_holiday: h !== undefined && TRUE.has(h) };
    return { row, key: `${id}\u0001${d}` };
  });
}

/** A reviewer id as the cleanser stores a member id: a phone or an e-mail becomes its keyed hash. */
function reviewerId(pii: Pii, id: string | undefined): string | null {
  return id === undefined ? null : (pii.identities({ member_id: id }).ids.member_id ?? null);
}

/** import-reviews: one row per review_id (or per text x rating x sku when the export has no id). */
export function importReviews(files: readonly string[], o: TableImportOptions<(typeof REVIEW_FIELDS)[number]>): Promise<IngestCounts> {
  // Review text and reviewer ids are personal data: scrubbed and hashed exactly as the cleanser does (src/cleanse/pii.ts).
  const pii = o.pii ?? localPii();
  return importTable(files, o, IMPORTED_REVIEWS_TABLE, IMPORTED_REVIEW_COLUMNS, (r) => String(r.review_id), (c, file, date) => {
    const rawText = c('text');
    if (!rawText) return { reason: 'MISSING_TEXT', field: 'text' };
    const text = pii.scrub(rawText.normalize('NFC'));
    let rating: number | null = null;
    let label: number | null = null;
    const r = c('rating');
    if (r !== undefined) {
      rating = Number(r);
      if (!Number.isInteger(rating) || rating < 1 || rating > 5) return { reason: 'INVALID_RATING', field: 'rating', value: r, expected: 'a whole number of stars 1..5' };
    }
    const lRaw = c('label');
    const l = lRaw?.toLowerCase();
    if (l !== undefined) {
      if (TRUE.has(l) || l === 'positive' || l === 'pos') label = 1;
      else if (FALSE.has(l) || l === 'negative' || l === 'neg') label = 0;
      else return { reason: 'INVALID_LABEL', field: 'label', value: lRaw, expected: 'a label (1/0, positive/negative)' };
    }
    const at = c('reviewed_at');
    let reviewedAt: string | null = null;
    if (at !== undefined) {
      const t = date(at);
      if (!t) return { reason: 'INVALID_DATE', field: 'reviewed_at', value: at, expected: `a date${o.dateFormat ? ` in format ${o.dateFormat}` : ' (ISO 8601 / YYYY-MM-DD)'}` };
      reviewedAt = new Date(t.ms).toISOString();
    }
    const sku = c('sku') ?? null;
    const id = c('review_id') ?? `imp-${crypto.createHash('sha256').update(`${text}\u0001${rating ?? ''}\u0001${label ?? ''}\u0001${sku ?? ''}`).digest('hex').slice(0, 16)}`;
    const row = { review_id: id, sku, customer_id: reviewerId(pii, c('customer_id')), rating, label, review_text: text, reviewed_at: reviewedAt, source_file: file };
    return { row, key: id };
  });
}
