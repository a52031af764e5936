/**
 * `retail-lake import-reviews` and `retail-lake import-series`: CSV exports mapped onto two derived lake tables,
 * curated/imported_reviews/ and curated/demand_series/ (registered as views of the same names). Rows are validated
 * one by one (bad rows are counted by reason code, never written), deduplicated on their key against the rows
 * already in the table and within the files, and the table is rewritten in one directory swap, so importing the same
 * file twice adds nothing. Counts reconcile: received = clean + quarantined + duplicates.
 *
 * Example:
 *   await importSeries(['walmart.csv'], { lakeDir: 'lake', map: parseFieldMap('series_id=Store,date=Date,value=Weekly_Sales', SERIES_FIELDS, ['series_id', 'date', 'value']), dateFormat: 'DD/MM/YY' });
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import readline from 'node:readline';
import { z } from 'zod';
import { columnsOf, type Column } from '../contract/columns.ts';
import type { IngestCounts } from '../cleanse/batch.ts';
import { emptyCounts } from '../cleanse/batch.ts';
import { readRows, writeRows } from '../score/parquet.ts';
import { openBytes, readCsvRecords, splitFields, type Delimiter } from './csv.ts';
import { compileDateFormat, defaultDateReader, type DateReader } from './date-format.ts';
import { ImportError } from './errors.ts';

export const REVIEW_FIELDS = ['text', 'rating', 'label', 'sku', 'customer_id', 'reviewed_at', 'review_id'] as const;
export const SERIES_FIELDS = ['series_id', 'date', 'value', 'holiday'] as const;
export const IMPORTED_REVIEWS_TABLE = 'imported_reviews';
export const DEMAND_SERIES_TABLE = 'demand_series';

export const importedReviewSchema = z.object({
  review_id: z.string().meta({ description: 'Review id from the export, else a hash of the text, rating and sku' }),
  sku: z.string().nullable().meta({ description: 'Reviewed product' }),
  customer_id: z.string().nullable().meta({ description: 'Reviewer id as in the export' }),
  rating: z.int().nullable().meta({ description: 'Stars 1..5 (null when the export has a label instead)' }),
  label: z.int().nullable().meta({ description: '1 positive / 0 negative, when the export has a label instead of a rating' }),
  review_text: z.string().meta({ description: 'Review text' }),
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
type Parsed = { row: Record<string, unknown>; key: string } | { reason: string };

async function importTable<F extends string>(
  files: readonly string[],
  o: TableImportOptions<F>,
  table: string,
  columns: readonly Column[],
  keyOf: (row: Record<string, unknown>) => string,
  parse: (cells: Cells<F>, file: string, date: DateReader) => Parsed,
): Promise<IngestCounts> {
  const delimiter = o.delimiter ?? ',';
  const date = o.dateFormat ? compileDateFormat(o.dateFormat) : defaultDateReader;
  const counts = emptyCounts();
  const rows = new Map<string, Record<string, unknown>>();
  for (const r of await readRows(o.lakeDir, table, columns)) rows.set(keyOf(r), r);
  let added = 0;
  for (const file of files) {
    if (!fs.existsSync(file)) throw new ImportError(`${file}: no such file`);
    let index: Partial<Record<F, number>> | undefined;
    for await (const rec of records(file, delimiter)) {
      const text = rec.text.replace(/^\uFEFF/, '');
      if (!text.trim()) continue;
      let fields: string[];
      try {
        fields = delimiter === '\t' ? text.replace(/\r$/, '').split('\t') : splitFields(text, delimiter);
      } catch {
        if (!index && o.header !== false) throw new ImportError(`${file}: the header row is not valid CSV`);
        counts.received++;
        counts.quarantined++;
        counts.byReason.MALFORMED_ROW = (counts.byReason.MALFORMED_ROW ?? 0) + 1;
        continue;
      }
      if (!index) {
        index = {};
        const header = o.header === false ? null : fields.map((h) => h.trim());
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
      const p = rec.unterminated ? { reason: 'MALFORMED_ROW' } : parse(cells, file, date);
      if ('reason' in p) {
        counts.quarantined++;
        counts.byReason[p.reason] = (counts.byReason[p.reason] ?? 0) + 1;
      } else if (rows.has(p.key)) {
        counts.duplicates++;
      } else {
        rows.set(p.key, p.row);
        counts.clean++;
        added++;
      }
    }
  }
  if (added > 0) await writeRows({ lakeDir: o.lakeDir, relDir: table, columns, rows: [...rows.values()], mode: 'replace' });
  return counts;
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
    if (!id) return { reason: 'MISSING_SERIES_ID' };
    const d = day(c('date'), date);
    if (!d) return { reason: 'INVALID_DATE' };
    const raw = c('value');
    const value = raw === undefined ? NaN : Number(raw.replace(/,/g, ''));
    if (!Number.isFinite(value)) return { reason: 'INVALID_VALUE' };
    const h = c('holiday')?.toLowerCase();
    if (h !== undefined && !TRUE.has(h) && !FALSE.has(h)) return { reason: 'INVALID_HOLIDAY' };
    const row = { series_id: id, period_start: d, value, is_holiday: h !== undefined && TRUE.has(h) };
    return { row, key: `${id}\u0001${d}` };
  });
}

/** import-reviews: one row per review_id (or per text x rating x sku when the export has no id). */
export function importReviews(files: readonly string[], o: TableImportOptions<(typeof REVIEW_FIELDS)[number]>): Promise<IngestCounts> {
  return importTable(files, o, IMPORTED_REVIEWS_TABLE, IMPORTED_REVIEW_COLUMNS, (r) => String(r.review_id), (c, file, date) => {
    const text = c('text');
    if (!text) return { reason: 'MISSING_TEXT' };
    let rating: number | null = null;
    let label: number | null = null;
    const r = c('rating');
    if (r !== undefined) {
      rating = Number(r);
      if (!Number.isInteger(rating) || rating < 1 || rating > 5) return { reason: 'INVALID_RATING' };
    }
    const l = c('label')?.toLowerCase();
    if (l !== undefined) {
      if (TRUE.has(l) || l === 'positive' || l === 'pos') label = 1;
      else if (FALSE.has(l) || l === 'negative' || l === 'neg') label = 0;
      else return { reason: 'INVALID_LABEL' };
    }
    const at = c('reviewed_at');
    let reviewedAt: string | null = null;
    if (at !== undefined) {
      const t = date(at);
      if (!t) return { reason: 'INVALID_DATE' };
      reviewedAt = new Date(t.ms).toISOString();
    }
    const sku = c('sku') ?? null;
    const id = c('review_id') ?? `imp-${crypto.createHash('sha256').update(`${text}\u0001${rating ?? ''}\u0001${label ?? ''}\u0001${sku ?? ''}`).digest('hex').slice(0, 16)}`;
    const row = { review_id: id, sku, customer_id: c('customer_id') ?? null, rating, label, review_text: text, reviewed_at: reviewedAt, source_file: file };
    return { row, key: id };
  });
}
