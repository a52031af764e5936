/**
 * Change data capture for the ERP tables, with no I/O: Debezium change events (one JSON record each, from a stream
 * or a JSONL file) and incremental files (the table's columns plus updated_at, optionally op or deleted) become rows
 * of curated_<table>_changes; a bad one becomes a quarantine row naming the field and the value. The history and the
 * current table are SQL views over the change rows (sql/staging/stg_<table>_history.sql), so applying a change twice,
 * or changes out of their order, gives the same tables: the order is changed_at (the ERP's commit time), and a change
 * delivered again has the same change_id (counted as a duplicate, and ignored by the views if it is stored twice).
 * The local writer (src/ingest/change-load.ts) calls this.
 */
import path from 'node:path';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { BATCH_TABLES, CHANGE_OPS, changeEventSchema, changeTableName, columnsOf, isChangeEventShape, type BatchTable, type ChangeOp, type QuarantineRow } from '../contract/index.ts';
import { rejectionFromZod } from '../cleanse/cleanser.ts';
import { emptyCounts, type IngestCounts, type Routed, type RoutedRecord } from '../cleanse/batch.ts';
import type { ReasonCode } from '../cleanse/reasons.ts';
import { standardiseBatchRow, typeCells, type CsvRow } from './batch-rows.ts';
import { ImportError } from './errors.ts';
import type { SuppressionCheck } from '../cleanse/suppression.ts';
import type { RawRecord } from '../cleanse/cleanser.ts';

/** Changes before this or more than a day after they were received are refused (a clock or unit error: seconds for ms). */
const EARLIEST_MS = Date.UTC(2000, 0, 1);
const DAY_MS = 86_400_000;

export interface ChangeBatch {
  /** Change rows by ERP table, in arrival order. */
  readonly changes: Map<BatchTable, Record<string, unknown>[]>;
  readonly bad: Record<string, unknown>[];
  /** received = clean + quarantined + duplicates (duplicates: set by dropKnownChanges). */
  readonly counts: IngestCounts;
}

/** One record in: where it came from (kinesis:<shard>:<seq>, file:<name>:<line>) and its text. */
export interface ChangeRecord {
  readonly origin: string;
  readonly text: string;
}

class Rejected {
  constructor(
    readonly reason: ReasonCode,
    readonly field: string,
    readonly message: string,
    readonly table?: BatchTable,
  ) {}
}

const isTable = (t: unknown): t is BatchTable => typeof t === 'string' && Object.hasOwn(BATCH_TABLES, t);
const preview = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v).slice(0, 120));

/** The change_id: the same change (table, op, key, time, row) has the same id wherever and however often it arrives. */
function changeId(table: BatchTable, op: ChangeOp, changedAt: string, row: Record<string, unknown>): string {
  const cols = columnsOf(BATCH_TABLES[table].schema).map((c) => c.name);
  const canonical = JSON.stringify([table, op, changedAt, cols.map((c) => row[c] ?? null)]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

/**
 * A valid change row: for c/u/r the whole row after the change, for d the key of the row deleted. Throws Rejected
 * naming the field (prefixed, e.g. `after.category`) and the value.
 */
function changeRow(table: BatchTable, op: ChangeOp, image: Record<string, unknown>, time: { ms: number; field: string; raw: unknown }, prefix: string, meta: { origin: string; loadedAt: string; nowMs: number }): Record<string, unknown> {
  const changedAtMs = time.ms;
  if (changedAtMs < EARLIEST_MS || changedAtMs > meta.nowMs + DAY_MS) {
    throw new Rejected('timestamp.implausible', time.field, `field '${time.field}' is ${new Date(changedAtMs).toISOString()}, before 2000-01-01 or more than a day after it was received (${meta.loadedAt}); received ${preview(time.raw)}`, table);
  }
  const def = BATCH_TABLES[table];
  const schema: z.ZodObject = op === 'd' ? (def.schema as z.ZodObject).pick(Object.fromEntries(def.key.map((k) => [k, true])) as Record<string, true> & Record<number, never>) : def.schema;
  const parsed = schema.safeParse(image);
  if (!parsed.success) {
    const err = rejectionFromZod(parsed.error, image, prefix ? [prefix] : []);
    throw new Rejected(err.reason, err.fieldPath ?? '(record)', err.message, table);
  }
  const row = standardiseBatchRow(parsed.data as Record<string, unknown>);
  const changedAt = new Date(changedAtMs).toISOString();
  return { ...row, op, changed_at: changedAt, change_id: changeId(table, op, changedAt, row), origin: meta.origin, loaded_at: meta.loadedAt };
}

/** Debezium's io.debezium.time.Date (days since 1970-01-01) as an ISO date, for the date columns of a row. */
function debeziumDates(table: BatchTable, image: Record<string, unknown>): Record<string, unknown> {
  const out = { ...image };
  for (const c of columnsOf(BATCH_TABLES[table].schema)) {
    const v = out[c.name];
    if (c.type === 'date' && typeof v === 'number' && Number.isInteger(v)) out[c.name] = new Date(v * DAY_MS).toISOString().slice(0, 10);
  }
  return out;
}

function fromEvent(text: string, meta: { origin: string; loadedAt: string; nowMs: number }): { table: BatchTable; row: Record<string, unknown> } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Rejected('json.malformed', '(record)', `the record is not JSON (${(e as Error).message})`);
  }
  // The JSON converter with schemas wraps the change in {schema, payload}.
  if (json && typeof json === 'object' && !Array.isArray(json) && 'payload' in json && (json as { payload: unknown }).payload && typeof (json as { payload: unknown }).payload === 'object' && 'schema' in json) {
    json = (json as { payload: unknown }).payload;
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new Rejected('json.malformed', '(record)', `the record is not a JSON object; received ${preview(json)}`);
  const table = (json as { source?: { table?: unknown } }).source?.table;
  const parsed = changeEventSchema.safeParse(json);
  if (!parsed.success) {
    const err = rejectionFromZod(parsed.error, json, []);
    throw new Rejected(err.reason, err.fieldPath ?? '(record)', err.message, isTable(table) ? table : undefined);
  }
  const e = parsed.data;
  if (!isTable(e.source.table)) {
    throw new Rejected('schema.unknown_type', 'source.table', `field 'source.table' is not an ERP table the lake keeps (${Object.keys(BATCH_TABLES).join(', ')}); received ${preview(e.source.table)}`);
  }
  const t = e.source.table;
  const side = e.op === 'd' ? 'before' : 'after';
  const image = e[side];
  if (!image) throw new Rejected('schema.missing_field', side, `field '${side}' is required but absent (op '${e.op}' carries the row ${e.op === 'd' ? 'deleted, or its key,' : 'after the change'} in '${side}')`, t);
  return { table: t, row: changeRow(t, e.op, debeziumDates(t, image), { ms: e.source.ts_ms, field: 'source.ts_ms', raw: e.source.ts_ms }, side, meta) };
}

function quarantineRow(r: Rejected, origin: string, raw: string, loadedAt: string): Record<string, unknown> {
  return {
    quarantine_id: createHash('sha256').update(`${origin}\n${raw}`).digest('hex').slice(0, 32),
    reason_code: r.reason,
    field_path: r.field,
    message: `${r.reason}: ${r.message}`,
    raw_payload: raw,
    raw_encoding: 'utf8',
    origin,
    received_at: loadedAt,
    source: r.table ? `batch_${r.table}` : 'unknown',
    dt: loadedAt.slice(0, 10),
  };
}

function emptyBatch(): ChangeBatch {
  return { changes: new Map(), bad: [], counts: emptyCounts() };
}

function add(b: ChangeBatch, table: BatchTable, row: Record<string, unknown>): void {
  const list = b.changes.get(table) ?? [];
  list.push(row);
  b.changes.set(table, list);
  b.counts.clean++;
}

function reject(b: ChangeBatch, r: unknown, origin: string, raw: string, loadedAt: string): void {
  if (!(r instanceof Rejected)) throw r;
  b.bad.push(quarantineRow(r, origin, raw, loadedAt));
  b.counts.quarantined++;
  b.counts.byReason[r.reason] = (b.counts.byReason[r.reason] ?? 0) + 1;
}

export interface ChangeOptions {
  /** When the lake received the batch (loaded_at, and the bound of plausible change times). */
  readonly loadedAt: string;
}

/** What became of one change event: a row of its table's change log, or a quarantine row naming field and value. */
export type ChangeOutcome = { readonly kind: 'change'; readonly table: BatchTable; readonly row: Record<string, unknown> } | { readonly kind: 'quarantine'; readonly row: Record<string, unknown>; readonly reason: string };

/** One Debezium change event (its JSON text) as a change row or a quarantine row. Never throws for a record. */
export function changeOutcome(rec: ChangeRecord, loadedAt: string): ChangeOutcome {
  try {
    const { table, row } = fromEvent(rec.text, { origin: rec.origin, loadedAt, nowMs: Date.parse(loadedAt) });
    return { kind: 'change', table, row };
  } catch (e) {
    if (!(e instanceof Rejected)) throw e;
    return { kind: 'quarantine', row: quarantineRow(e, rec.origin, rec.text, loadedAt), reason: e.reason };
  }
}

/** Debezium change events, one per record: good ones become change rows, bad ones quarantine rows. Never throws for a record. */
export function changesFromEvents(records: readonly ChangeRecord[], o: ChangeOptions): ChangeBatch {
  const b = emptyBatch();
  for (const rec of records) {
    b.counts.received++;
    const out = changeOutcome(rec, o.loadedAt);
    if (out.kind === 'change') add(b, out.table, out.row);
    else {
      b.bad.push(out.row);
      b.counts.quarantined++;
      b.counts.byReason[out.reason] = (b.counts.byReason[out.reason] ?? 0) + 1;
    }
  }
  return b;
}

/**
 * Dedup key of a change in a dedup store (kept apart from event and quarantine keys by its prefix): the change_id,
 * so the same change delivered again, in another batch or by another path, is a duplicate, as in the local lake.
 */
export const changeKey = (changeId: string): string => `change:${changeId}`;

/** A change outcome as the stream's writer routes it (src/cleanse/batch.ts writeRouted): keyed by its change_id. */
export function routeChange(out: ChangeOutcome): Routed {
  if (out.kind === 'quarantine') return { kind: 'quarantine', row: out.row as QuarantineRow };
  return { kind: 'clean', key: changeKey(out.row.change_id as string), keyed: true, rows: [[changeTableName(out.table), [out.row]]] };
}

/** A batch of changes (an incremental file) as routed records, for writeRouted; counts are writeRouted's then. */
export function routedChanges(b: ChangeBatch): RoutedRecord[] {
  const out: RoutedRecord[] = [];
  for (const [table, rows] of b.changes) for (const row of rows) out.push({ origin: row.origin as string, routed: routeChange({ kind: 'change', table, row }) });
  for (const row of b.bad) out.push({ origin: row.origin as string, routed: { kind: 'quarantine', row: row as QuarantineRow } });
  return out;
}

/** Cheap test before any parsing: a change event's bytes name the field "op" (a lake event's do not, as a rule). */
const OP_FIELD = Buffer.from('"op"');

/**
 * The change-event branch of the stream's cleanser (Kinesis, MSK, a replay): a record that is a Debezium change event
 * (op, source, before/after; bare or in {schema, payload}) is routed to its table's change log, or to quarantine
 * naming field and value; any other record gives undefined and goes through the event cleanser. `loaded_at` is the
 * record's arrival time.
 */
export function routeChangeEvent(rec: RawRecord): Routed | undefined {
  const data = Buffer.from(rec.data.buffer, rec.data.byteOffset, rec.data.byteLength);
  if (!data.includes(OP_FIELD)) return undefined;
  const text = data.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isChangeEventShape(json)) return undefined;
  return routeChange(changeOutcome({ origin: rec.origin, text }, new Date(rec.receivedAt).toISOString()));
}

/** The incremental file's columns beyond the table's: updated_at (required), op or deleted (optional). */
export const INCREMENTAL_COLUMNS = ['updated_at', 'op', 'deleted'] as const;

/**
 * An incremental file (a CSV export of the rows changed since the last one): each row is an upsert at its updated_at
 * (op u), or a delete when its `deleted` cell is true or its `op` cell is d. Refuses, before anything is written, a
 * file without updated_at or without the table's key columns.
 */
export function changesFromIncrementalRows(table: BatchTable, header: readonly string[], rows: readonly CsvRow[], o: ChangeOptions & { readonly file: string }): ChangeBatch {
  const def = BATCH_TABLES[table];
  const have = new Set(header.map((h) => h.trim()));
  const missing = ['updated_at', ...def.key].filter((c) => !have.has(c));
  if (missing.length) {
    throw new ImportError(
      `${o.file}: no column ${missing.map((m) => JSON.stringify(m)).join(', ')} in the header (columns: ${header.map((h) => JSON.stringify(h)).join(', ')}); ` +
        `an incremental ${table} file needs ${['updated_at', ...def.key].join(', ')} and, for upserts, ${columnsOf(def.schema).filter((c) => !c.nullable).map((c) => c.name).join(', ')}. Nothing was written`,
    );
  }
  const b = emptyBatch();
  const nowMs = Date.parse(o.loadedAt);
  const cols = columnsOf(def.schema);
  const name = path.basename(o.file);
  rows.forEach((row, i) => {
    b.counts.received++;
    const origin = `file:${name}:${i + 2}`;
    try {
      const opCell = row.op?.trim().toLowerCase();
      const deletedCell = row.deleted?.trim().toLowerCase();
      if (opCell && !(CHANGE_OPS as readonly string[]).includes(opCell)) throw new Rejected('value.not_allowed', 'op', `field 'op' is not one of ${CHANGE_OPS.join(', ')}; received ${preview(row.op)}`, table);
      if (deletedCell && !/^(true|false|1|0)$/.test(deletedCell)) throw new Rejected('schema.invalid_type', 'deleted', `field 'deleted' is not true, false, 1 or 0; received ${preview(row.deleted)}`, table);
      const op: ChangeOp = deletedCell === 'true' || deletedCell === '1' ? 'd' : ((opCell as ChangeOp | undefined) ?? 'u');
      const updated = row.updated_at?.trim();
      if (!updated) throw new Rejected('schema.missing_field', 'updated_at', "field 'updated_at' is required but absent", table);
      // An ISO time with its zone (Z or an offset), or a date-time without one, read as UTC.
      const ms = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(updated)
        ? Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(updated) ? updated.replace(' ', 'T') : `${updated.replace(' ', 'T')}${updated.length > 10 ? 'Z' : ''}`)
        : NaN;
      if (Number.isNaN(ms)) throw new Rejected('timestamp.invalid', 'updated_at', `field 'updated_at' is not an ISO 8601 time; received ${preview(row.updated_at)}`, table);
      add(b, table, changeRow(table, op, typeCells(cols, row), { ms, field: 'updated_at', raw: row.updated_at }, '', { origin, loadedAt: o.loadedAt, nowMs }));
    } catch (e) {
      reject(b, e, origin, JSON.stringify(row), o.loadedAt);
    }
  });
  return b;
}

/**
 * Drops the changes the lake already holds (and repeats within the batch), and the bad records already quarantined,
 * counting each as a duplicate: the same change delivered twice (an at-least-once stream, a replay, a file loaded
 * again) is stored once.
 */
export function dropKnownChanges(b: ChangeBatch, known: (table: BatchTable) => ReadonlySet<string>, knownQuarantine: ReadonlySet<string> = new Set()): ChangeBatch {
  const changes = new Map<BatchTable, Record<string, unknown>[]>();
  const counts = { ...b.counts, byReason: { ...b.counts.byReason } };
  for (const [table, rows] of b.changes) {
    const seen = new Set(known(table));
    const kept = rows.filter((r) => {
      const id = r.change_id as string;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
    counts.duplicates += rows.length - kept.length;
    counts.clean -= rows.length - kept.length;
    if (kept.length) changes.set(table, kept);
  }
  // A bad record quarantined by an earlier run (the same file or stream range again) is stored once too.
  const seenBad = new Set(knownQuarantine);
  const bad = b.bad.filter((r) => {
    const id = r.quarantine_id as string;
    if (!seenBad.has(id)) {
      seenBad.add(id);
      return true;
    }
    counts.duplicates++;
    counts.quarantined--;
    const reason = r.reason_code as string;
    if (--counts.byReason[reason]! === 0) delete counts.byReason[reason];
    return false;
  });
  return { changes, bad, counts };
}

/**
 * Drops the changes and bad records that name a person erased earlier (a member row of an erased member id), counted
 * as suppressed: erasure removed them from the lake, and a replayed change stream must not bring them back.
 */
export function suppressChanges(b: ChangeBatch, check: SuppressionCheck): ChangeBatch {
  if (check.empty) return b;
  const counts = { ...b.counts, byReason: { ...b.counts.byReason } };
  const changes = new Map<BatchTable, Record<string, unknown>[]>();
  for (const [table, rows] of b.changes) {
    const kept = rows.filter((r) => !check.matches(r));
    counts.suppressed += rows.length - kept.length;
    counts.clean -= rows.length - kept.length;
    if (kept.length) changes.set(table, kept);
  }
  const bad = b.bad.filter((r) => {
    if (!check.matchesRaw(r.raw_payload as string)) return true;
    counts.suppressed++;
    counts.quarantined--;
    const reason = r.reason_code as string;
    if (--counts.byReason[reason]! === 0) delete counts.byReason[reason];
    return false;
  });
  return { changes, bad, counts };
}
