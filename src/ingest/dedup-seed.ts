/**
 * Seeds the local dedup store from what the lake already holds, so that anything fed again — a JSONL file ingested
 * twice, an order export imported twice, a shard replayed from the start — counts as duplicates:
 * - curated_events: `<source>:<event_id>` (the cleanser's key),
 * - curated_order_lines from imports: `import:<event_id>` (the importer's key, see order-import.ts),
 * - quarantine_events: `quarantine:<quarantine_id>` (a rejected record is quarantined once).
 * Only committed files are read (src/lake/commit.ts): every table of a batch is there, or none. A read error is an
 * error: a seed that silently came up empty would write every record a second time.
 */
import { LocalDedupStore } from '../adapters/local/dedup-store.ts';
import { openDuckDB } from '../adapters/local/duckdb.ts';
import { tableFileList } from '../lake/table-files.ts';
import { quarantineKey } from '../cleanse/batch.ts';
import { importKey } from './import-keys.ts';

// Callers that seed from the lake also need the key; it lives in a DuckDB-free module for the Lambda importer.
export { importKey };

export async function dedupStoreFromLake(
  lakeDir: string,
  opts: {
    /** Seed the keys of curated_events too (per-event dedup: replay, imports). Per-batch ingest needs none. @default true */
    readonly events?: boolean;
  } = {},
): Promise<LocalDedupStore> {
  const store = opts.events === false ? new LocalDedupStore() : await LocalDedupStore.fromLake(lakeDir);
  const lines = tableFileList(lakeDir, 'curated_order_lines');
  const quarantine = tableFileList(lakeDir, 'quarantine_events');
  const sources: Array<[sql: string, key: (id: string) => string]> = [];
  if (lines) sources.push([`SELECT event_id FROM read_parquet(${lines}, hive_partitioning = true) WHERE source = 'import'`, importKey]);
  if (quarantine) sources.push([`SELECT quarantine_id FROM read_parquet(${quarantine}, hive_partitioning = true, union_by_name = true)`, quarantineKey]);
  if (!sources.length) return store;
  const conn = await openDuckDB();
  try {
    for (const [sql, key] of sources) {
      const ids = (await conn.runAndReadAll(sql)).getRows().map(([id]) => key(String(id)));
      await store.remember(ids);
    }
  } finally {
    conn.closeSync();
  }
  return store;
}
