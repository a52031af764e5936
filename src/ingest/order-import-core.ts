/**
 * The order-import core, free of DuckDB and of the file system: order-line exports (CSV, CSV.gz, whitespace
 * separated) read from any byte stream, every data row routed exactly once to a clean line of curated_order_lines
 * (source = 'import'), a quarantine row (reason code, field, value) or a duplicate of a line imported before, through
 * the LakeSink and DedupStore the caller injects. `retail-lake import-orders` (src/ingest/order-import.ts) injects
 * the local lake; the order-import Lambda injects Firehose, S3 and DynamoDB. See docs/ingest.md for the mapping rules.
 *
 * @example
 * const { counts } = await importOrderSources([{ name: 'online_retail.csv.gz', open: () => fs.createReadStream(file) }], {
 *   map: parseColumnMap('order_id=InvoiceNo,sku=StockCode,quantity=Quantity,ordered_at=InvoiceDate,unit_price=UnitPrice'),
 *   currency: 'GBP', timeZone: 'Europe/London', sink, dedup, saveSpec: (id, spec) => specs.put(id, spec),
 * });
 */
import path from 'node:path';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { CuratedOrderLineRow, QuarantineRow } from '../contract/index.ts';
import type { SuppressionCheck } from '../cleanse/suppression.ts';
import { addCounts, emptyCounts, quarantineKey, writeRouted, type IngestCounts, type RoutedRecord } from '../cleanse/batch.ts';
import { RecordRejectedError } from '../cleanse/errors.ts';
import type { ReasonCode } from '../cleanse/reasons.ts';
import type { Pii } from '../cleanse/pii.ts';
import { currencyDigits, localToUtcMs, money, normaliseCode, preview, tzOffsetMs } from '../cleanse/standardise.ts';
import type { DedupStore, LakeSink } from '../ports/index.ts';
import { assertUniqueHeader, readCsvRecords, splitFields, type CsvRecord, type Delimiter } from './csv.ts';
import { compileDateFormat, defaultDateReader, type DateReader } from './date-format.ts';
import { gunzipNamed } from './gzip.ts';
import { ImportError } from './errors.ts';
import { importKey } from './import-keys.ts';

export const IMPORT_FIELDS = [
  'customer_id',
  'order_id',
  'sku',
  'quantity',
  'unit_price',
  'amount',
  'ordered_at',
  'description',
  'country',
  'store_id',
  'channel',
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];
/** Import field -> column: a header name, or a 1-based position with --no-header. */
export type ColumnMap = Partial<Record<ImportField, string>>;

/** Placeholders for exports that lack a column (CDNOW has neither SKU nor order id). */
export const UNSPECIFIED_SKU = 'UNSPECIFIED';
export const ANONYMOUS_CUSTOMER = 'ANONYMOUS';
export const DEFAULT_STORE = 'ONLINE';
/** Quantities beyond this are data-entry errors (the same bound as the event contract's quantity). */
export const MAX_QUANTITY = 10_000;
const MAX_MONEY = 1e9;
const DAY_MS = 86_400_000;

/** Reads `--map customer_id=CustomerID,order_id=InvoiceNo,...`; throws ImportError naming the bad entry. */
export function parseColumnMap(spec: string): ColumnMap {
  const map: ColumnMap = {};
  for (const part of spec.split(',')) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    const key = (eq === -1 ? part : part.slice(0, eq)).trim();
    const col = eq === -1 ? '' : part.slice(eq + 1).trim();
    if (!(IMPORT_FIELDS as readonly string[]).includes(key)) {
      throw new ImportError(`--map: unknown field ${JSON.stringify(key)}; expected some of ${IMPORT_FIELDS.join(', ')}`);
    }
    if (!col) throw new ImportError(`--map: ${key} needs a column, e.g. ${key}=COLUMN (received ${JSON.stringify(part.trim())})`);
    if (map[key as ImportField] !== undefined) throw new ImportError(`--map: ${key} is mapped twice`);
    map[key as ImportField] = col;
  }
  if (!map.ordered_at) throw new ImportError('--map must name the order time column: ordered_at=COLUMN');
  if (!map.unit_price && !map.amount) throw new ImportError('--map must name unit_price=COLUMN or amount=COLUMN (the line total)');
  return map;
}

/** Everything needed to read a row again later (replay); stored beside the quarantine zone. */
export interface ImportSpec {
  readonly version: 1;
  readonly delimiter: Delimiter;
  /** Header names, or null for --no-header. */
  readonly header: string[] | null;
  /** Field -> 0-based column index. */
  readonly columns: Partial<Record<ImportField, number>>;
  /** Field -> column as the user named it (for messages). */
  readonly columnNames: Partial<Record<ImportField, string>>;
  readonly dateFormat: string | null;
  readonly currency: string;
  readonly timeZone: string;
  readonly earliest: string;
  readonly maxRecordBytes: number;
}

export function specId(spec: ImportSpec): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
}

/** Origin of an imported row: spec, file, line, and how many byte-identical rows came before it in the file. */
export function importOrigin(id: string, file: string, line: number, repeat: number): string {
  return `import:${id}:${path.basename(file)}:${line}:${repeat}`;
}

export function parseImportOrigin(origin: string): { specId: string; file: string; line: number; repeat: number } | undefined {
  const m = /^import:([0-9a-f]{16}):(.+):(\d+):(\d+)$/.exec(origin);
  return m ? { specId: m[1]!, file: m[2]!, line: +m[3]!, repeat: +m[4]! } : undefined;
}

function validateCurrency(c: string): string {
  const cur = c.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(cur) || !Intl.supportedValuesOf('currency').includes(cur)) {
    throw new ImportError(`--currency must be an ISO 4217 code such as GBP or CNY (received ${JSON.stringify(c)})`);
  }
  return cur;
}

function validateTimeZone(tz: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch (e) {
    throw new ImportError(`--timezone must be an IANA time zone such as Europe/London (received ${JSON.stringify(tz)})`, { cause: e });
  }
  return tz;
}

/** Resolves the column map against a header (names, case-insensitive) or positions (--no-header). */
export function resolveSpec(map: ColumnMap, header: string[] | null, o: Omit<ImportSpec, 'version' | 'header' | 'columns' | 'columnNames'>): ImportSpec {
  const columns: Partial<Record<ImportField, number>> = {};
  const columnNames: Partial<Record<ImportField, string>> = {};
  for (const [field, col] of Object.entries(map) as Array<[ImportField, string]>) {
    if (header) {
      let idx = header.indexOf(col);
      if (idx === -1) idx = header.findIndex((h) => h.trim().toLowerCase() === col.trim().toLowerCase());
      if (idx === -1) {
        throw new ImportError(`--map ${field}=${col}: no column ${JSON.stringify(col)} in the header (columns: ${header.map((h) => JSON.stringify(h)).join(', ')})`);
      }
      columns[field] = idx;
      columnNames[field] = header[idx]!;
    } else {
      const n = Number(col);
      if (!Number.isInteger(n) || n < 1) {
        throw new ImportError(`--map ${field}=${col}: with --no-header a column is a 1-based position such as 3 (received ${JSON.stringify(col)})`);
      }
      columns[field] = n - 1;
      columnNames[field] = `column ${n}`;
    }
  }
  return { version: 1, header, columns, columnNames, ...o };
}

/** One validated row before it is numbered within its order. */
export interface ImportedLine {
  readonly order_id: string;
  readonly member_id?: string;
  readonly phone_hash?: string;
  readonly email_hash?: string;
  readonly sku: string;
  readonly description?: string;
  readonly country?: string;
  readonly quantity: number;
  readonly unit_price: number;
  readonly discount: number;
  readonly line_amount: number;
  readonly occurred_at: string;
  readonly store_id: string;
  readonly channel: CuratedOrderLineRow['channel'];
  readonly is_return: boolean;
  readonly currency: string;
}

const CHANNELS: Record<string, CuratedOrderLineRow['channel']> = {
  store: 'store',
  pos: 'store',
  shop: 'store',
  offline: 'store',
  online: 'online',
  web: 'online',
  ecommerce: 'online',
  'e-commerce': 'online',
  app: 'app',
  mini_program: 'app',
};

/** Turns one record's fields into a line; throws RecordRejectedError for the first field that fails. */
export class RowReader {
  private readonly readDate: DateReader;
  private readonly earliestMs: number;
  private readonly digits: number;

  constructor(
    private readonly spec: ImportSpec,
    private readonly nowMs: number,
    /** Hashes a customer id that is a phone or an e-mail and scrubs text: the cleanser's own (src/cleanse/pii.ts). */
    private readonly pii: Pii,
  ) {
    this.readDate = spec.dateFormat ? compileDateFormat(spec.dateFormat) : defaultDateReader;
    this.earliestMs = Date.parse(`${spec.earliest}T00:00:00Z`);
    this.digits = currencyDigits(spec.currency);
  }

  private reject(reason: ReasonCode, field: ImportField, what: string): never {
    throw new RecordRejectedError(reason, field, `field '${field}' (${this.spec.columnNames[field]}): ${what}`);
  }

  /** The trimmed cell of a mapped field; undefined when the field is not mapped or the cell is empty. */
  private cell(fields: string[], f: ImportField): string | undefined {
    const idx = this.spec.columns[f];
    if (idx === undefined) return undefined;
    const v = fields[idx];
    if (v === undefined) return undefined;
    const t = v.trim();
    return t === '' ? undefined : t;
  }

  private required(fields: string[], f: ImportField): string {
    const v = this.cell(fields, f);
    if (v === undefined) this.reject('schema.missing_field', f, 'is required but empty');
    return v;
  }

  private code(f: ImportField, v: string): string {
    const c = normaliseCode(v);
    if (c.length > 64) this.reject('value.out_of_range', f, `${preview(v)} is longer than 64 characters`);
    if (/[\p{Cc}\p{Cf}]/u.test(c)) this.reject('value.invalid_format', f, `${preview(v)} contains control characters`);
    return c;
  }

  private decimal(f: ImportField, v: string): number {
    if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(v)) this.reject('value.invalid_format', f, `expected a decimal number such as 12.50, received ${preview(v)}`);
    const n = Number(v);
    if (!(Math.abs(n) <= MAX_MONEY)) this.reject('value.out_of_range', f, `${preview(v)} is beyond ±${MAX_MONEY}`);
    return n;
  }

  /** `receivedMs` bounds plausible order times (at most a day later). @default the reader's `nowMs` */
  read(fields: string[], receivedMs = this.nowMs): ImportedLine {
    const { spec } = this;
    if (spec.header && fields.length !== spec.header.length) {
      throw new RecordRejectedError('csv.malformed', undefined, `row has ${fields.length} fields, the header has ${spec.header.length}`);
    }
    for (const [f, idx] of Object.entries(spec.columns) as Array<[ImportField, number]>) {
      if (idx >= fields.length) {
        throw new RecordRejectedError('csv.malformed', f, `row has ${fields.length} fields; ${f} is mapped to ${spec.columnNames[f]}`);
      }
    }

    const timeText = this.required(fields, 'ordered_at');
    const wall = this.readDate(timeText);
    if (!wall) {
      this.reject('timestamp.invalid', 'ordered_at', `${preview(timeText)} does not match ${spec.dateFormat ? `--date-format ${spec.dateFormat}` : 'YYYY-MM-DD[ HH:mm[:ss]] or ISO 8601 with offset'} or is not a real date`);
    }
    const ms = wall.utc ? wall.ms : localToUtcMs(wall.ms, spec.timeZone);
    if (ms < this.earliestMs || ms > receivedMs + DAY_MS) {
      this.reject('timestamp.implausible', 'ordered_at', `${preview(timeText)} (${new Date(ms).toISOString()}) is outside ${spec.earliest} .. now + 1 day`);
    }
    const localDay = new Date(wall.utc ? ms + tzOffsetMs(spec.timeZone, ms) : wall.ms).toISOString().slice(0, 10);

    let member: string | undefined = this.cell(fields, 'customer_id');
    if (member !== undefined) {
      // Spreadsheet exports write integer ids as floats: 17850.0 -> 17850.
      member = member.replace(/^(\d+)\.0+$/, '$1');
      if (member.length > 64) this.reject('value.out_of_range', 'customer_id', `${preview(member)} is longer than 64 characters`);
      if (/[\p{Cc}\p{Cf}]/u.test(member)) this.reject('value.invalid_format', 'customer_id', `${preview(member)} contains control characters`);
    }
    // A customer id that is a phone or an e-mail is stored as its keyed hash, and as phone_hash / email_hash too.
    const ids = member === undefined ? {} : this.pii.identities({ member_id: member }).ids;
    member = ids.member_id;

    let orderId: string;
    if (spec.columns.order_id !== undefined) {
      orderId = this.required(fields, 'order_id');
      if (orderId.length > 64) this.reject('value.out_of_range', 'order_id', `${preview(orderId)} is longer than 64 characters`);
      if (/[\p{Cc}\p{Cf}]/u.test(orderId)) this.reject('value.invalid_format', 'order_id', `${preview(orderId)} contains control characters`);
    } else {
      // No order id in the export: one order per customer per (local) day.
      orderId = `${member ?? ANONYMOUS_CUSTOMER}-${localDay.replaceAll('-', '')}`;
    }

    const sku = spec.columns.sku === undefined ? UNSPECIFIED_SKU : this.code('sku', this.required(fields, 'sku'));

    let quantity = 1;
    const qText = this.cell(fields, 'quantity');
    if (spec.columns.quantity !== undefined) {
      if (qText === undefined) this.reject('schema.missing_field', 'quantity', 'is required but empty');
      if (!/^[+-]?\d+(\.0+)?$/.test(qText)) this.reject('value.invalid_format', 'quantity', `expected a whole number of units, received ${preview(qText)}`);
      quantity = Number(qText);
      if (quantity === 0 || !(Math.abs(quantity) <= MAX_QUANTITY)) {
        this.reject('value.out_of_range', 'quantity', `${preview(qText)} is outside ±1..${MAX_QUANTITY}`);
      }
    }

    let unitPrice: number | undefined;
    if (spec.columns.unit_price !== undefined) {
      unitPrice = this.decimal('unit_price', this.required(fields, 'unit_price'));
      if (unitPrice < 0) this.reject('value.out_of_range', 'unit_price', `${preview(this.cell(fields, 'unit_price'))} is negative`);
    }
    let amount: number | undefined;
    if (spec.columns.amount !== undefined) {
      const a = this.cell(fields, 'amount');
      if (a === undefined && unitPrice === undefined) this.reject('schema.missing_field', 'amount', 'is required but empty');
      if (a !== undefined) amount = this.decimal('amount', a);
    }

    // A negative quantity (UCI cancellation invoices) or a negative line total is a return.
    const isReturn = quantity < 0 || (amount !== undefined && amount < 0);
    const sign = isReturn ? -1 : 1;
    const units = Math.abs(quantity);
    const total = amount === undefined ? money(units * unitPrice!, this.digits) : money(Math.abs(amount), this.digits);
    const price = unitPrice === undefined ? money(total / units, this.digits) : money(unitPrice, this.digits);
    const discount = amount !== undefined && unitPrice !== undefined ? Math.max(0, money(units * price - total, this.digits)) : 0;

    const storeText = this.cell(fields, 'store_id');
    const storeId = storeText === undefined ? DEFAULT_STORE : this.code('store_id', storeText);
    let channel: CuratedOrderLineRow['channel'] = storeText !== undefined && storeId !== DEFAULT_STORE ? 'store' : 'online';
    const channelText = this.cell(fields, 'channel');
    if (channelText !== undefined) {
      const c = CHANNELS[channelText.toLowerCase()];
      if (!c) this.reject('value.not_allowed', 'channel', `${preview(channelText)} is not one of ${Object.keys(CHANNELS).join(', ')}`);
      channel = c;
    }

    const text = (f: ImportField, max: number) => {
      const v = this.cell(fields, f);
      return v === undefined ? undefined : this.pii.scrub(v.normalize('NFC')).slice(0, max) || undefined;
    };
    return {
      order_id: orderId,
      member_id: member,
      phone_hash: ids.phone_hash,
      email_hash: ids.email_hash,
      sku,
      description: text('description', 500),
      country: text('country', 100),
      quantity: sign * units,
      unit_price: price,
      discount,
      line_amount: sign * total,
      occurred_at: new Date(ms).toISOString(),
      store_id: storeId,
      channel,
      is_return: isReturn,
      currency: spec.currency,
    };
  }
}

/**
 * Event id of an imported line: a hash of its normalised content and how many lines of the same content came before
 * it in the file (see docs/ingest.md).
 */
export function importEventId(l: ImportedLine, repeat: number): string {
  const content = [l.order_id, l.member_id ?? null, l.sku, l.quantity, l.unit_price, l.line_amount, l.occurred_at, l.store_id, l.channel, l.currency, repeat];
  return `imp-${createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 32)}`;
}

export function toOrderLine(l: ImportedLine, eventId: string, lineNumber: number): CuratedOrderLineRow {
  return {
    event_id: eventId,
    order_id: l.order_id,
    line_number: lineNumber,
    order_status: l.is_return ? 'returned' : 'placed',
    channel: l.channel,
    store_id: l.store_id,
    occurred_at: l.occurred_at,
    member_id: l.member_id,
    phone_hash: l.phone_hash,
    email_hash: l.email_hash,
    sku: l.sku,
    description: l.description,
    country: l.country,
    quantity: l.quantity,
    unit_price: l.unit_price,
    discount: l.discount,
    line_amount: l.line_amount,
    currency: l.currency,
    is_return: l.is_return,
    source: 'import',
    dt: l.occurred_at.slice(0, 10),
  } as CuratedOrderLineRow;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export type RecordResult = { kind: 'line'; line: ImportedLine } | { kind: 'rejected'; error: RecordRejectedError; text?: string };

/** Size -> quote -> UTF-8 -> fields -> values: the first failure decides the reason. */
export function evaluateRecord(
  rec: Pick<CsvRecord, 'bytes' | 'size' | 'unterminated'>,
  spec: ImportSpec,
  reader: RowReader,
  receivedMs?: number,
): RecordResult {
  let text: string | undefined;
  try {
    if (rec.size > spec.maxRecordBytes) {
      throw new RecordRejectedError('payload.too_large', undefined, `row is ${rec.size} bytes; the limit is ${spec.maxRecordBytes} bytes`);
    }
    try {
      text = utf8.decode(rec.bytes);
    } catch (e) {
      throw new RecordRejectedError('encoding.invalid_utf8', undefined, `row is not valid UTF-8 (${rec.size} bytes)`, { cause: e });
    }
    if (rec.unterminated) throw new RecordRejectedError('csv.malformed', undefined, 'a quoted field is never closed (cut at the end of its line)');
    let fields: string[];
    try {
      fields = splitFields(text, spec.delimiter);
    } catch (e) {
      throw new RecordRejectedError('csv.malformed', undefined, (e as Error).message, { cause: e });
    }
    return { kind: 'line', line: reader.read(fields, receivedMs) };
  } catch (e) {
    if (e instanceof RecordRejectedError) return { kind: 'rejected', error: e, text };
    const err = new RecordRejectedError('cleanser.unexpected_error', undefined, (e as Error)?.message ?? String(e), { cause: e });
    return { kind: 'rejected', error: err, text };
  }
}

/**
 * Quarantine id of an export row: a hash of its repeat number and bytes — not of the file, line or import settings —
 * so the same bad row in an overlapping or renamed export, or imported again with other options, is one row.
 */
export function importQuarantineId(repeat: number, bytes: Buffer): string {
  return createHash('sha256').update(`import:${repeat}\n`).update(bytes).digest('hex').slice(0, 32);
}

/** The quarantine row of a rejected export row. */
export function importQuarantineRow(origin: string, bytes: Buffer, text: string | undefined, error: RecordRejectedError, receivedIso: string): QuarantineRow {
  const repeat = parseImportOrigin(origin)?.repeat ?? 0;
  return {
    quarantine_id: importQuarantineId(repeat, bytes),
    reason_code: error.reason,
    field_path: error.fieldPath,
    message: `${error.reason}: ${error.message}`,
    raw_payload: text ?? bytes.toString('base64'),
    raw_encoding: text === undefined ? 'base64' : 'utf8',
    event_type: 'import.order_line',
    origin,
    received_at: receivedIso,
    source: 'import',
    dt: receivedIso.slice(0, 10),
  } as QuarantineRow;
}

/** Time zone of export times without an offset when the caller names none (the local default of RETAIL_LAKE_SOURCE_TZ). */
export const DEFAULT_IMPORT_TIME_ZONE = 'Asia/Shanghai';
/** Largest row accepted when the caller names no limit (the local default of RETAIL_LAKE_MAX_RECORD_BYTES). */
export const DEFAULT_MAX_RECORD_BYTES = 262_144;

/** How an export is read: the column map and the format options of `retail-lake import-orders`. */
export interface OrderImportSettings {
  readonly map: ColumnMap;
  /** @default ',' */
  readonly delimiter?: Delimiter;
  /** The first record names the columns. @default true */
  readonly header?: boolean;
  /** e.g. YYYYMMDD, DD/MM/YY, M/D/YYYY H:mm. @default ISO 8601 / YYYY-MM-DD[ HH:mm[:ss]] */
  readonly dateFormat?: string;
  /** ISO 4217 currency of the prices. @default 'CNY' */
  readonly currency?: string;
  /** IANA zone of the export's local times. @default DEFAULT_IMPORT_TIME_ZONE */
  readonly timeZone?: string;
  /** Order times before this date are implausible. @default '1990-01-01' */
  readonly earliest?: string;
  /** Larger rows are quarantined as payload.too_large. @default DEFAULT_MAX_RECORD_BYTES */
  readonly maxRecordBytes?: number;
  /** Rows written per batch. @default 5000 */
  readonly batchSize?: number;
  readonly now?: Date;
}

/** Where an import writes: the adapters the caller injects. */
export interface OrderImportPorts {
  /** Receives curated_order_lines and quarantine_events rows; commit() (if any) runs after the last source. */
  readonly sink: LakeSink & { commit?: () => Promise<void> };
  readonly dedup: DedupStore;
  /** Hashes customer ids that are phones or e-mails and scrubs free text, as the cleanser does. */
  readonly pii: Pii;
  /** Keeps a resolved spec (keyed by specId) so that quarantined rows can be replayed later. */
  readonly saveSpec: (id: string, spec: ImportSpec) => void | Promise<void>;
  /** Rows of erased people go to `suppressed` (src/cleanse/suppression.ts). @default none */
  readonly suppression?: SuppressionCheck;
}

/** One export to read: a file, an S3 object, a buffer in a test. */
export interface OrderSource {
  /** Names the source in messages; origins keep its base name (a file name or the last part of an S3 key). */
  readonly name: string;
  /** The raw bytes; gzip is detected from the magic bytes whatever the name. */
  open(): Readable | Promise<Readable>;
}

export interface OrderImportResult {
  /** Reconciled: received = clean + quarantined + duplicates + suppressed. */
  readonly counts: IngestCounts;
  /** Quarantine ids of rows an earlier import quarantined that pass now (e.g. after a corrected date format). */
  readonly resolved: readonly string[];
}

/** A stream's bytes, gunzipped when they start with the gzip magic bytes (whatever the source is called). */
export async function gunzipIfGzip(stream: Readable, name = 'the export'): Promise<Readable> {
  const it = (stream as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  const first = await it.next();
  const head = first.done ? Buffer.alloc(0) : typeof first.value === 'string' ? Buffer.from(first.value) : first.value;
  async function* all(): AsyncGenerator<Buffer | string> {
    if (head.length) yield head;
    if (first.done) return;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  const bytes = Readable.from(all(), { objectMode: false });
  if (!(head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b)) return bytes;
  return gunzipNamed(bytes, name);
}

/** Resolves and checks the settings before any byte is read; throws ImportError naming the bad option. */
export function checkImportSettings(s: OrderImportSettings) {
  const base = {
    delimiter: s.delimiter ?? ',',
    dateFormat: s.dateFormat ?? null,
    currency: validateCurrency(s.currency ?? 'CNY'),
    timeZone: validateTimeZone(s.timeZone ?? DEFAULT_IMPORT_TIME_ZONE),
    earliest: s.earliest ?? '1990-01-01',
    maxRecordBytes: s.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES,
  } satisfies Omit<ImportSpec, 'version' | 'header' | 'columns' | 'columnNames'>;
  if (base.dateFormat) {
    try {
      compileDateFormat(base.dateFormat);
    } catch (e) {
      throw new ImportError((e as Error).message, { cause: e });
    }
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(base.earliest)) throw new ImportError(`earliest must be YYYY-MM-DD (received ${JSON.stringify(base.earliest)})`);
  if (!(s.header ?? true)) resolveSpec(s.map, null, base); // bad positions fail before anything is read
  return base;
}

/**
 * Imports order-line exports through the injected sink and dedup store; returns counts reconciled over all sources.
 * Rows are written in batches; a batch that cannot be written throws ImportError with nothing of it remembered, so
 * re-running the import writes it again and counts the rows written before as duplicates.
 */
export async function importOrderSources(sources: readonly OrderSource[], o: OrderImportSettings & OrderImportPorts): Promise<OrderImportResult> {
  const now = o.now ?? new Date();
  const receivedIso = now.toISOString();
  const header = o.header ?? true;
  const base = checkImportSettings(o);
  const { delimiter } = base;

  const { sink, dedup } = o;
  const total = emptyCounts();
  const batchSize = o.batchSize ?? 5000;
  const resolved = new Set<string>();
  for (const source of sources) {
    let spec: ImportSpec | undefined = header ? undefined : resolveSpec(o.map, null, base);
    let id = spec ? specId(spec) : '';
    let reader = spec ? new RowReader(spec, now.getTime(), o.pii) : undefined;
    if (spec) await o.saveSpec(id, spec);
    const repeats = new Map<string, number>();
    // Occurrences of a normalised line content in this file: the n-th is a line of its own (two scans of one item,
    // or two lines that differ only in their description), and the n-th of a re-import matches it.
    const contentRepeats = new Map<string, number>();
    const lineNumbers = new Map<string, number>();
    let batch: RoutedRecord[] = [];
    let passing: string[] = [];
    const flush = async () => {
      if (!batch.length) return;
      const before = passing.length ? await dedup.seen(passing.map(quarantineKey)) : [];
      passing.forEach((qid, i) => before[i] && resolved.add(qid));
      passing = [];
      const r = await writeRouted(batch, { sink, dedup, suppression: o.suppression });
      if (r.failed.length) throw new ImportError(`${source.name}: ${r.failed.length} row(s) could not be written to the lake; nothing of them was remembered, re-run the import`);
      addCounts(total, r.counts);
      batch = [];
    };
    const bytes = await gunzipIfGzip(await source.open(), source.name);
    for await (const rec of readCsvRecords(bytes, { delimiter, maxRecordBytes: base.maxRecordBytes })) {
      if (!spec) {
        let names: string[];
        try {
          names = splitFields(utf8.decode(rec.bytes), delimiter).map((h) => h.trim());
        } catch (e) {
          throw new ImportError(`${source.name}: the header row cannot be read (${(e as Error).message})`, { cause: e });
        }
        assertUniqueHeader(names, source.name);
        spec = resolveSpec(o.map, names, base);
        id = specId(spec);
        reader = new RowReader(spec, now.getTime(), o.pii);
        await o.saveSpec(id, spec);
        continue;
      }
      const digest = createHash('sha256').update(rec.bytes).digest('base64').slice(0, 16);
      const repeat = repeats.get(digest) ?? 0;
      repeats.set(digest, repeat + 1);
      const origin = importOrigin(id, source.name, rec.line, repeat);
      const r = evaluateRecord(rec, spec, reader!);
      if (r.kind === 'rejected') {
        batch.push({ origin, routed: { kind: 'quarantine', row: importQuarantineRow(origin, rec.bytes, r.text, r.error, receivedIso) } });
      } else {
        const n = (lineNumbers.get(r.line.order_id) ?? 0) + 1;
        lineNumbers.set(r.line.order_id, n);
        const first = importEventId(r.line, 0);
        const nth = contentRepeats.get(first) ?? 0;
        contentRepeats.set(first, nth + 1);
        const eventId = nth ? importEventId(r.line, nth) : first;
        passing.push(importQuarantineId(repeat, rec.bytes));
        batch.push({ origin, routed: { kind: 'clean', key: importKey(eventId), rows: [['curated_order_lines', [toOrderLine(r.line, eventId, n)]]] } });
      }
      if (batch.length >= batchSize) await flush();
    }
    await flush();
  }
  await sink.commit?.();
  return { counts: total, resolved: [...resolved] };
}
