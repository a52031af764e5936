/**
 * Re-sent events in curated data (docs/ingest.md, "Where duplicates are removed"). With per-batch dedup the cleanser
 * drops duplicates within a batch and redelivered batches (shard checkpoints), but an event a producer sent again
 * (same source and event_id, a new sequence number, maybe days later) is written again. Its copies share the
 * partition (dt is the UTC date of occurred_at, which a re-send repeats) and differ in received_at (the stream's
 * arrival time). The staging views keep the first received copy; this query counts the others, per dt, so that
 *
 *   received = (clean at ingest - re-sent) + quarantined + (duplicates at ingest + re-sent)
 *
 * holds over the curated data. Copies with the *same* received_at are the same delivery written twice (a cleanser
 * killed after its write and before its checkpoint): they were never counted as received, and are not counted here.
 * Trino SQL that DuckDB also runs; one statement, reading source, event_id and received_at of curated_events.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

export const RESENT_EVENTS_SQL = `
with arrivals as (
    select dt, source, event_id, count(distinct received_at) as deliveries
    from curated_events
    group by dt, source, event_id
)
select cast(dt as varchar) as dt, cast(sum(deliveries - 1) as bigint) as resent
from arrivals
group by dt
having sum(deliveries - 1) > 0
order by dt`;

/** Re-sent events per dt (only the dates that have any), through a connection where curated_events is registered. */
export async function resentEventsByDate(conn: DuckDBConnection): Promise<Map<string, number>> {
  const rows = (await conn.runAndReadAll(RESENT_EVENTS_SQL)).getRows();
  return new Map(rows.map(([dt, n]) => [String(dt), Number(n)]));
}

/**
 * Re-sent events in the given curated_events Parquet files (hive-partitioned paths), summed over their dates: the
 * local ingest counts its re-sends as this figure after its write minus before it, over the dates it wrote.
 */
export async function resentEventsInFiles(conn: DuckDBConnection, files: readonly string[]): Promise<number> {
  if (!files.length) return 0;
  const list = `[${files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ')}]`;
  await conn.run(`create or replace temp view curated_events as select * from read_parquet(${list}, hive_partitioning = true, union_by_name = true)`);
  let total = 0;
  for (const n of (await resentEventsByDate(conn)).values()) total += n;
  return total;
}
