/**
 * What the customer models read from the lake, always as of a date: the customer_tags snapshot of that date
 * (materialised by the tag refresh when missing) and the purchases on or before it. Train and score read through
 * these functions, so a model is trained and scored on the same columns.
 */
import path from 'node:path';
import { openDuckDB, queryRows, sqlString } from '../adapters/local/duckdb.ts';
import { openLakeCatalog } from '../lake/local-catalog.ts';
import { lakeFiles } from '../lake/commit.ts';
import { tableFiles } from '../lake/table-files.ts';
import { latestDataDate, parseAsOf, refreshTags } from '../tags/index.ts';
import type { TagRow } from '../models/index.ts';
import { purchasesSql } from './purchases-sql.ts';
import { TrainError, TrainOptionsError } from './errors.ts';

const DAY_MS = 86_400_000;

/** YYYY-MM-DD plus n days (n may be negative). */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Validates an --as-of value; the message names the option. */
export function checkAsOf(value: string): string {
  try {
    return parseAsOf(value);
  } catch (e) {
    throw new TrainOptionsError((e as Error).message, { cause: e });
  }
}

export function noEventsMessage(lakeDir: string): string {
  return `the lake at ${lakeDir} has no events or order lines yet; run ingest or import-orders first`;
}

/** The date of the newest event or order line in the lake, or undefined when it holds neither. */
export async function newestLakeDate(lakeDir: string): Promise<string | undefined> {
  const cat = await openLakeCatalog(lakeDir);
  try {
    return await latestDataDate(cat.conn);
  } finally {
    cat.close();
  }
}

/** The date of the newest event or order line in the lake; what --as-of defaults to. */
export async function latestLakeDate(lakeDir: string): Promise<string> {
  const latest = await newestLakeDate(lakeDir);
  if (!latest) throw new TrainError(noEventsMessage(lakeDir));
  return latest;
}

/** UTC day of the first order line in the lake (any customer, any status), or undefined without lines. Cheap: no views. */
export async function firstOrderDay(lakeDir: string): Promise<string | undefined> {
  // Committed files only (and this process's open commit): never a half-written one (src/lake/commit.ts).
  const files = tableFiles(lakeDir, 'curated_order_lines');
  if (!files.length) return undefined;
  const conn = await openDuckDB();
  try {
    const rows = await queryRows(conn, `select strftime(min(occurred_at), '%Y-%m-%d') as day from read_parquet([${files.map(sqlString).join(', ')}], hive_partitioning = false)`);
    const day = rows[0]?.day;
    return typeof day === 'string' ? day : undefined;
  } finally {
    conn.closeSync();
  }
}

export function tagSnapshotDir(lakeDir: string, asOf: string): string {
  return path.join(lakeDir, 'curated', 'customer_tags', `dt=${asOf}`);
}

/**
 * DuckDB returns a MAP column (channel_mix) as [{ key, value }, ...]; the feature spec reads struct paths such as
 * 'channel_mix.store', so maps become plain objects here.
 */
export function normaliseRow(row: Record<string, unknown>): TagRow {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    const isMap = Array.isArray(v) && v.length > 0 && v.every((e) => e !== null && typeof e === 'object' && 'key' in e && 'value' in e);
    out[k] = isMap ? Object.fromEntries((v as { key: unknown; value: unknown }[]).map((e) => [String(e.key), e.value])) : v;
  }
  return out;
}

export interface ReadTagsOptions {
  /** Run the tag refresh when the snapshot is missing. @default true */
  readonly refresh?: boolean;
}

/** The customer_tags snapshot as of a date, one row per customer, sorted by customer_key. */
export async function readTagSnapshot(lakeDir: string, asOf: string, options: ReadTagsOptions = {}): Promise<TagRow[]> {
  const dir = tagSnapshotDir(lakeDir, asOf);
  // The snapshot's committed files, or those the open commit of this process staged (a refresh just now).
  const snapshotFiles = () => lakeFiles(lakeDir, path.relative(lakeDir, dir).split(path.sep).join('/'), '.parquet');
  const present = () => snapshotFiles().length > 0;
  if (!present()) {
    if (options.refresh === false) throw new TrainError(`no customer_tags snapshot as of ${asOf} in ${lakeDir}; run \`retail-lake tags --as-of ${asOf}\``);
    await refreshTags({ lakeDir, asOf });
  }
  const conn = await openDuckDB();
  try {
    const rows = await queryRows(conn, `select * from read_parquet([${snapshotFiles().map(sqlString).join(', ')}]) order by customer_key`);
    return rows.map(normaliseRow);
  } finally {
    conn.closeSync();
  }
}

/** Customers with at least one purchase: the ones the customer models describe. */
export function purchasers(rows: readonly TagRow[]): TagRow[] {
  return rows.filter((r) => Number(r.orders_total ?? 0) > 0);
}

/** One placed, not cancelled order (what the CLV model calls a transaction). */
export interface Purchase {
  /** customer_key from identity_map, or the member id on the line when the lake has no identity map yet (imports). */
  readonly customerId: string;
  /** UTC day of the order, YYYY-MM-DD. */
  readonly at: string;
  /** What the customer paid for the order's placed lines: quantity x unit price - line discount. */
  readonly amount: number;
}

/**
 * Purchases on or before the end of `asOf` (UTC): orders with placed lines and no cancellation by that date, per
 * customer. Returns and cancellations after `asOf` do not leak in.
 */
export async function readPurchases(lakeDir: string, asOf: string): Promise<Purchase[]> {
  const cat = await openLakeCatalog(lakeDir);
  try {
    const rows = await queryRows(cat.conn, purchasesSql(asOf, { ordered: true }));
    return rows.map((r) => ({ customerId: String(r.customer_id), at: String(r.day), amount: Number(r.amount) }));
  } finally {
    cat.close();
  }
}

/** Earliest purchase day, or null without purchases. */
export function firstPurchaseDay(purchases: readonly Purchase[]): string | null {
  let min: string | null = null;
  for (const p of purchases) if (min === null || p.at < min) min = p.at;
  return min;
}

/** Customers with a purchase in (from, to], by customer id. */
export function buyersBetween(purchases: readonly Purchase[], from: string, to: string): Set<string> {
  const out = new Set<string>();
  for (const p of purchases) if (p.at > from && p.at <= to) out.add(p.customerId);
  return out;
}
