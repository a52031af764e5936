/**
 * Local twin of the DynamoDB dedup table: a set of accepted keys, seeded from the event ids already in the lake so
 * that re-ingesting a file (a replay) counts its events as duplicates.
 */
import type { DedupStore } from '../../ports/index.ts';
import { tableFileList } from '../../lake/table-files.ts';
import { openDuckDB } from './duckdb.ts';

export class LocalDedupStore implements DedupStore {
  private readonly keys = new Set<string>();

  /**
   * Seeded from the committed curated_events (`<source>:<event_id>`). A file that cannot be read is an error, never
   * an empty seed: an empty seed would write every record again.
   */
  static async fromLake(lakeDir: string): Promise<LocalDedupStore> {
    const store = new LocalDedupStore();
    const files = tableFileList(lakeDir, 'curated_events');
    if (!files) return store;
    const conn = await openDuckDB();
    try {
      const reader = await conn.runAndReadAll(`SELECT source || ':' || event_id AS k FROM read_parquet(${files}, hive_partitioning = true)`);
      for (const [k] of reader.getRows()) store.keys.add(String(k));
    } finally {
      conn.closeSync();
    }
    return store;
  }

  async seen(keys: readonly string[]): Promise<boolean[]> {
    return keys.map((k) => this.keys.has(k));
  }

  async remember(keys: readonly string[]): Promise<void> {
    for (const k of keys) this.keys.add(k);
  }

  get size(): number {
    return this.keys.size;
  }
}
