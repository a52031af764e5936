/**
 * Local twin of the DynamoDB dedup table: a set of accepted keys, seeded from the event ids already in the lake so
 * that re-ingesting a file (a replay) counts its events as duplicates.
 */
import fs from 'node:fs';
import type { DedupStore } from '../../ports/index.ts';
import { tableDir } from '../../lake/layout.ts';
import { openDuckDB, sqlString } from './duckdb.ts';

export class LocalDedupStore implements DedupStore {
  private readonly keys = new Set<string>();

  static async fromLake(lakeDir: string): Promise<LocalDedupStore> {
    const store = new LocalDedupStore();
    const dir = tableDir(lakeDir, 'curated_events');
    if (fs.existsSync(dir)) {
      const conn = await openDuckDB();
      try {
        const reader = await conn.runAndReadAll(
          `SELECT source || ':' || event_id AS k FROM read_parquet(${sqlString(dir + '/**/*.parquet')}, hive_partitioning = true)`,
        );
        for (const [k] of reader.getRows()) store.keys.add(String(k));
      } catch {
        // An empty lake has no Parquet files yet.
      } finally {
        conn.closeSync();
      }
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
