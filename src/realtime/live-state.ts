/**
 * The live counters the stream rules keep per customer, defined once: the names the profile store and API read, in
 * DynamoDB (an item of the profile table with `customer_key` and `sk` = 'live'; the scorer writes `sk` = 'batch') and
 * locally (the committed Parquet table `curated/realtime/live_state/`, one row per customer).
 *
 *   customer_key     the stitched customer (identity_map), or a stream key for an identifier not resolved yet
 *   last_event_at    event time of the customer's newest event (UTC ISO)
 *   events_today     events of the customer on `events_day` (UTC day of last_event_at)
 *   events_day       the UTC day events_today counts (a reader showing "today" compares it with its own date)
 *   open_cart_skus   SKUs in the open cart (added, not removed, not ordered); [] when there is none
 *   open_cart_value  value of the open cart at the prices of the app's catalogue (0 when none)
 *   open_cart_since  event time of the first add of the open cart, null when there is none
 *
 * Example (a profile reader):
 *   import { LIVE_STATE_SK, LIVE_ATTRIBUTES, readLocalLiveState } from '../realtime/live-state.ts';
 */
import { z } from 'zod';
import fs from 'node:fs';
import path from 'node:path';
import { openDuckDB, queryRows, sqlString } from '../adapters/local/duckdb.ts';
import { lakeFiles, lakeWrite } from '../lake/commit.ts';

/** The DynamoDB sort key of the live item beside the scorer's 'batch' item. */
export const LIVE_STATE_SK = 'live';
/** Partition and sort key attribute names of the profile table. */
export const PROFILE_PARTITION_KEY = 'customer_key';
export const PROFILE_SORT_KEY = 'sk';

/** Lake-relative folder of the local table (Parquet files, published through src/lake/commit.ts). */
export const LIVE_STATE_DIR = 'curated/realtime/live_state';

export const liveStateSchema = z.object({
  customer_key: z.string().min(1),
  last_event_at: z.iso.datetime(),
  events_today: z.int().nonnegative(),
  events_day: z.iso.date(),
  open_cart_skus: z.array(z.string()),
  open_cart_value: z.number().nonnegative(),
  open_cart_since: z.iso.datetime().nullable(),
});
export type LiveState = z.infer<typeof liveStateSchema>;

/** Attribute / column names, in table order (the same in DynamoDB and Parquet). */
export const LIVE_ATTRIBUTES = Object.keys(liveStateSchema.shape) as (keyof LiveState)[];

/** Parquet column types of the local table (DuckDB). */
export const LIVE_STATE_DUCKDB_TYPES: Record<keyof LiveState, string> = {
  customer_key: 'VARCHAR',
  last_event_at: 'TIMESTAMP',
  events_today: 'INTEGER',
  events_day: 'DATE',
  open_cart_skus: 'VARCHAR[]',
  open_cart_value: 'DOUBLE',
  open_cart_since: 'TIMESTAMP',
};

/**
 * A TIMESTAMP as DuckDB casts it to text ('2025-12-28 09:01:34.63': trailing zeros of the fraction dropped) -> the
 * ISO form the engine and the cloud's items use, milliseconds always three digits ('2025-12-28T09:01:34.630Z').
 */
export const isoFromDuckDbTimestamp = (v: unknown): string | null => {
  if (v === null || v === undefined) return null;
  const [whole, fraction = ''] = String(v).replace(' ', 'T').split('.');
  return `${whole}.${fraction.padEnd(3, '0').slice(0, 3)}Z`;
};
const iso = isoFromDuckDbTimestamp;

/** Rows of the local table for the given customers (all when `keys` is omitted); [] when there is none yet. */
export async function readLocalLiveState(lakeDir: string, keys?: readonly string[]): Promise<LiveState[]> {
  const files = lakeFiles(lakeDir, LIVE_STATE_DIR, '.parquet');
  if (!files.length) return [];
  const conn = await openDuckDB();
  try {
    const where = keys ? ` where customer_key in (${keys.length ? keys.map(sqlString).join(', ') : "''"})` : '';
    const rows = await queryRows(
      conn,
      `select customer_key, cast(last_event_at as varchar) as last_event_at, events_today, cast(events_day as varchar) as events_day, open_cart_skus, open_cart_value, cast(open_cart_since as varchar) as open_cart_since from read_parquet([${files.map(sqlString).join(', ')}])${where}`,
    );
    return rows.map((r) => ({
      customer_key: String(r.customer_key),
      last_event_at: iso(r.last_event_at)!,
      events_today: Number(r.events_today),
      events_day: String(r.events_day),
      open_cart_skus: ((r.open_cart_skus as unknown[] | null) ?? []).map(String),
      open_cart_value: Number(r.open_cart_value),
      open_cart_since: iso(r.open_cart_since),
    }));
  } finally {
    conn.closeSync();
  }
}

/**
 * Replaces the local table with `rows` (every customer's live state), in the open lake commit or one of its own, so
 * readers see the old table or the new one, never a mix.
 */
export async function writeLocalLiveState(lakeDir: string, rows: readonly LiveState[]): Promise<void> {
  await lakeWrite(lakeDir, 'write realtime/live_state', async (c) => {
    const json = path.join(c.scratchDir, 'live_state.jsonl');
    const toTs = (v: string | null) => (v === null ? null : v.replace('T', ' ').replace('Z', ''));
    fs.writeFileSync(json, rows.map((r) => JSON.stringify({ ...r, last_event_at: toTs(r.last_event_at), open_cart_since: toTs(r.open_cart_since) })).join('\n') + '\n');
    const spec = `{${LIVE_ATTRIBUTES.map((a) => `'${a}': '${LIVE_STATE_DUCKDB_TYPES[a]}'`).join(', ')}}`;
    const select = rows.length
      ? `select ${LIVE_ATTRIBUTES.join(', ')} from read_json(${sqlString(json)}, format = 'newline_delimited', columns = ${spec}) order by customer_key`
      : `select ${LIVE_ATTRIBUTES.map((a) => `cast(null as ${LIVE_STATE_DUCKDB_TYPES[a]}) as ${a}`).join(', ')} where false`;
    const conn = await openDuckDB();
    try {
      c.replaceDir(LIVE_STATE_DIR);
      const out = c.stage(`${LIVE_STATE_DIR}/part-0.parquet`);
      await c.copy(conn, 'realtime/live_state', `copy (${select}) to ${sqlString(out)} (format parquet, compression zstd)`, out);
    } finally {
      conn.closeSync();
      fs.rmSync(json, { force: true });
    }
  });
}

/** The DynamoDB item (plain attribute values, for DynamoDBDocumentClient) of a customer's live state. */
export function liveItem(s: LiveState): Record<string, unknown> {
  return { ...s, [PROFILE_PARTITION_KEY]: s.customer_key, [PROFILE_SORT_KEY]: LIVE_STATE_SK };
}
