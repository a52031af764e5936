/**
 * The lake's physical tables: what the cleanser and importers write, what Glue catalogues and what DuckDB reads
 * locally. Row schemas are zod objects; every column list elsewhere is derived from them via columnsOf().
 */
import { z } from 'zod';
import { BATCH_TABLES, type BatchTable } from './batch.ts';
import { changeRowSchema } from './changes.ts';
import { DERIVED_TABLES } from './derived.ts';
import { IDENTITY_TYPES, PII_IDENTITY_TYPES, type IdentityType } from './envelope.ts';
import { columnsOf, type Column } from './columns.ts';

/** Curated column name of an identity: PII identities are stored only as keyed hashes. */
export function identityColumn(t: IdentityType): string {
  return PII_IDENTITY_TYPES.includes(t) ? `${t}_hash` : t;
}

const identityColumns = Object.fromEntries(
  IDENTITY_TYPES.map((t) => [
    identityColumn(t),
    z
      .string()
      .optional()
      .describe(PII_IDENTITY_TYPES.includes(t) ? `HMAC-SHA256 of the normalised ${t} (hex)` : `Customer ${t}`),
  ]),
) as Record<string, z.ZodOptional<z.ZodString>>;

const ts = (d: string) => z.iso.datetime().describe(d);
const dt = z.iso.date().describe('Partition: UTC date of occurred_at (received_at for quarantine)');

export const curatedEventRow = z.object({
  event_id: z.string().describe('Producer-assigned event id (deduplication key)'),
  event_type: z.string().describe('Event type, e.g. pos.sale'),
  schema_version: z.int().describe('Payload schema version the producer sent'),
  occurred_at: ts('When it happened, UTC'),
  received_at: ts('When the cleanser received it, UTC'),
  store_id: z.string().optional().describe('Normalised store code'),
  channel: z.enum(['store', 'online', 'app']).describe('Customer-facing channel'),
  ...identityColumns,
  payload: z.string().meta({ column: 'json' }).describe('Canonical payload (JSON), standardised and pseudonymised'),
  dq_flags: z.string().optional().describe('Comma-separated data-quality notes, e.g. identity.phone_invalid'),
  source: z.string().describe('Partition: source system'),
  dt,
});
export type CuratedEventRow = z.output<typeof curatedEventRow>;

export const curatedOrderLineRow = z.object({
  event_id: z.string().describe('Event (or import row) the line came from'),
  order_id: z.string().describe('Order or receipt id; unique per source and store'),
  line_number: z.int().describe('1-based position of the line in the order'),
  order_status: z.enum(['placed', 'cancelled', 'returned']).describe('placed, cancelled (order withdrawn) or returned (a return transaction)'),
  channel: z.enum(['store', 'online', 'app']).describe('Channel of the order'),
  store_id: z.string().optional().describe('Store code (ONLINE for the web shop)'),
  occurred_at: ts('Order time, UTC'),
  ...identityColumns,
  sku: z.string().describe('Normalised SKU'),
  description: z.string().optional().describe('Product description as exported (imports only)'),
  country: z.string().optional().describe('Customer or delivery country as exported (imports only)'),
  quantity: z.int().describe('Units; negative on returns'),
  unit_price: z.number().meta({ column: 'decimal' }).describe('Unit price before line discount'),
  discount: z.number().meta({ column: 'decimal' }).describe('Line discount (>= 0)'),
  line_amount: z.number().meta({ column: 'decimal' }).describe('quantity * unit_price - discount (negative on returns)'),
  currency: z.string().describe('ISO 4217 currency'),
  promotion_id: z.string().optional().describe('Promotion applied'),
  coupon_code: z.string().optional().describe('Coupon used on the order'),
  is_return: z.boolean().describe('Line of a return / cancellation'),
  source: z.string().describe('Partition: pos, online or import'),
  dt,
});
export type CuratedOrderLineRow = z.output<typeof curatedOrderLineRow>;

/**
 * During a PII key rotation (docs/operations.md, "Rotating the PII key") every clean record hashed with both keys
 * leaves one row per hashed identifier here: the current key's hash in its identity column (phone_hash, email_hash or
 * openid_hash, so erasure and suppression find it as they find any row of the person) and the previous key's hash of
 * the same identifier. Identity resolution links the two, so a customer's history under the old key and their
 * records under the new one stay one customer after the old key is retired.
 */
export const pseudonymLinkRow = z.object({
  event_id: z.string().describe('The clean event whose identifier was hashed with both keys'),
  occurred_at: ts('When that event happened, UTC (the as-of cut of identity resolution)'),
  phone_hash: z.string().optional().describe('HMAC-SHA256 of the normalised phone with the current key (hex)'),
  email_hash: z.string().optional().describe('HMAC-SHA256 of the normalised email with the current key (hex)'),
  openid_hash: z.string().optional().describe('HMAC-SHA256 of the openid with the current key (hex)'),
  unionid_hash: z.string().optional().describe('HMAC-SHA256 of the WeChat union id with the current key (hex)'),
  previous_hash: z.string().describe('HMAC-SHA256 of the same identifier with the previous key (hex)'),
  source: z.string().describe('Partition: source system of the event'),
  dt,
});
export type PseudonymLinkRow = z.output<typeof pseudonymLinkRow>;

export const quarantineRow = z.object({
  quarantine_id: z.string().describe('Stable id: hash of origin and raw bytes'),
  reason_code: z.string().describe('Closed list, see docs/quarantine.md'),
  field_path: z.string().optional().describe('Dotted path of the offending field'),
  message: z.string().describe('Human message naming the field and the received value'),
  raw_payload: z.string().describe('The record exactly as received (UTF-8 text, or base64 when not UTF-8)'),
  raw_encoding: z.enum(['utf8', 'base64']).describe('Encoding of raw_payload'),
  event_id: z.string().optional().describe('event_id when it could be read'),
  event_type: z.string().optional().describe('type when it could be read'),
  schema_version: z.int().optional().describe('schema_version when it could be read'),
  origin: z.string().describe('Where it came from: kinesis:<shard>:<sequence>, kafka:<topic>:<partition>:<offset>, file:<name>:<line>'),
  received_at: ts('When the cleanser received it, UTC'),
  replayed_at: ts('When it was last replayed (null if never)').optional(),
  source: z.string().describe('Partition: source when it could be read, else unknown'),
  dt: z.iso.date().describe('Partition: UTC date of received_at'),
});
export type QuarantineRow = z.output<typeof quarantineRow>;

const loaded = { loaded_at: ts('When the batch file was loaded'), file_name: z.string().describe('Landing file it came from') };

export interface TableDef {
  readonly name: string;
  readonly zone: 'curated' | 'quarantine';
  /** Path below the zone root, e.g. events -> curated/events/source=.../dt=.../ */
  readonly path: string;
  readonly schema: z.ZodObject;
  readonly partitionKeys: readonly string[];
  readonly description: string;
  /**
   * How its objects are stored in AWS (Glue): curated tables arrive as Parquet (Firehose, Athena), quarantine and the
   * ERP change logs as gzip JSON lines written as they come (few rows, no Parquet writer in the Lambda). Locally every
   * table is Parquet. @default parquet for curated, json for quarantine (lib/constructs/lake-catalog.ts)
   */
  readonly format?: 'parquet' | 'json';
}

export const TABLES: readonly TableDef[] = [
  { name: 'curated_events', zone: 'curated', path: 'events', schema: curatedEventRow, partitionKeys: ['source', 'dt'], description: 'Every clean event, one row per event_id, canonical payload as JSON' },
  { name: 'curated_order_lines', zone: 'curated', path: 'order_lines', schema: curatedOrderLineRow, partitionKeys: ['source', 'dt'], description: 'Order lines from POS sales, online orders and imported order exports' },
  { name: 'pseudonym_links', zone: 'curated', path: 'pseudonym_links', schema: pseudonymLinkRow, partitionKeys: ['source', 'dt'], description: 'Previous-key and current-key hashes of one identifier, written while the PII key rotates' },
  { name: 'quarantine_events', zone: 'quarantine', path: 'events', schema: quarantineRow, partitionKeys: ['source', 'dt'], description: 'Every rejected record with its reason' },
  ...Object.entries(BATCH_TABLES).map(([name, t]) => ({
    name: `curated_${name}`,
    zone: 'curated' as const,
    path: name,
    schema: t.schema.extend(loaded) as z.ZodObject,
    partitionKeys: [] as string[],
    description: t.description,
  })),
  ...(Object.keys(BATCH_TABLES) as BatchTable[]).map((name) => ({
    name: `curated_${name}_changes`,
    zone: 'curated' as const,
    path: `${name}_changes`,
    schema: changeRowSchema(name),
    partitionKeys: [] as string[],
    // Written by the cleanser (change events on the stream) and the batch load (incremental files) as they come.
    format: 'json' as const,
    description: `Every change to ${name} (CDC events, incremental files), once each; the history is the view stg_${name}_history`,
  })),
];

/** A contract table or a derived one (src/contract/derived.ts) by name. */
export function tableDef(name: string): TableDef {
  const t = TABLES.find((x) => x.name === name) ?? DERIVED_TABLES.find((x) => x.name === name);
  if (!t) throw new Error(`unknown table ${name}`);
  return t;
}

/** Data columns (partition keys excluded, as Glue wants them). */
export function dataColumns(t: TableDef): Column[] {
  return columnsOf(t.schema).filter((c) => !t.partitionKeys.includes(c.name));
}
/** Partition columns, in partition order. */
export function partitionColumns(t: TableDef): Column[] {
  const all = columnsOf(t.schema);
  return t.partitionKeys.map((k) => all.find((c) => c.name === k)!);
}
