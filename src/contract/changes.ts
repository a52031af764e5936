/**
 * Change data capture for the ERP tables (products, stores, stock snapshots, members): the change event contract
 * (Debezium's envelope, what most CDC tools emit on Kinesis or Kafka) and the change tables the lake keeps, one per
 * ERP table (curated_<table>_changes), from which the SQL views stg_<table>_history build the history (SCD type 2:
 * valid_from / valid_to) and the current table. docs/contract.md, "Change events".
 *
 * Example (a product recategorised):
 *   {"op":"u","before":{"sku":"SKU1",...,"category":"snacks"},"after":{"sku":"SKU1",...,"category":"health"},
 *    "source":{"table":"products","ts_ms":1718409600000}}
 */
import { z } from 'zod';
import { BATCH_TABLES, type BatchTable } from './batch.ts';

/** c create, u update, d delete, r read (a row of the connector's initial snapshot). */
export const CHANGE_OPS = ['c', 'u', 'd', 'r'] as const;
export type ChangeOp = (typeof CHANGE_OPS)[number];

const row = z.record(z.string(), z.unknown());

/**
 * One Debezium change event (the `payload` of the JSON converter with schemas, or the bare payload). `after` holds
 * the row after c/u/r, `before` the row before u/d (at least its key for d). The row is the ERP table's row as
 * src/contract/batch.ts defines it; unknown fields are dropped.
 */
export const changeEventSchema = z.looseObject({
  op: z.enum(CHANGE_OPS).describe('c create, u update, d delete, r snapshot read'),
  before: row.nullable().optional().describe('Row before the change (u, d)'),
  after: row.nullable().optional().describe('Row after the change (c, u, r)'),
  source: z.looseObject({
    table: z.string().describe(`ERP table: ${Object.keys(BATCH_TABLES).join(', ')}`),
    ts_ms: z.int().min(0).describe('When the change was committed in the ERP database, epoch milliseconds'),
  }),
  ts_ms: z.int().optional().describe('When the connector read the change (not used for ordering)'),
});
export type ChangeEvent = z.output<typeof changeEventSchema>;

/** True when a parsed JSON record looks like a change event rather than a lake event (it has op and source). */
export function isChangeEventShape(v: unknown): boolean {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = (v as { payload?: unknown }).payload && typeof (v as { payload?: unknown }).payload === 'object' && 'op' in ((v as { payload: object }).payload) ? (v as { payload: object }).payload : v;
  return 'op' in o && 'source' in o && ('before' in o || 'after' in o);
}

/** What a change row adds to the ERP table's columns. */
const changeColumns = {
  op: z.enum(CHANGE_OPS).describe('c create, u update, d delete, r snapshot read (or a row of an incremental file: u, or d when deleted)'),
  changed_at: z.iso.datetime().describe("When the change happened in the ERP (Debezium source.ts_ms, an incremental file's updated_at), UTC: the order of the history"),
  change_id: z.string().describe('Hash of table, op, key, changed_at and row: the same change delivered twice has the same id'),
  origin: z.string().describe('Where it came from: kinesis:<shard>:<sequence>, file:<name>:<line>'),
  loaded_at: z.iso.datetime().describe('When the lake received it, UTC'),
};

/** The change table of an ERP table: its columns (all nullable but the key: a delete carries the key only), then the change's. */
export function changeRowSchema(table: BatchTable): z.ZodObject {
  const def = BATCH_TABLES[table];
  const key = new Set<string>(def.key);
  const shape = Object.fromEntries(
    Object.entries(def.schema.shape).map(([k, s]) => [k, key.has(k) ? s : (s as z.ZodType).optional()]),
  ) as Record<string, z.ZodType>;
  return z.object({ ...shape, ...changeColumns });
}

/** curated_products_changes, ... */
export const changeTableName = (table: BatchTable): string => `curated_${table}_changes`;
