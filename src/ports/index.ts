/**
 * The small interfaces domain code writes through. Each has a local twin (files + DuckDB) and an AWS adapter
 * (S3 / Firehose / DynamoDB / EventBridge), so the same domain code runs in Lambda and on a laptop.
 */

/** Appends rows to a lake table (see TABLES in src/contract/tables.ts). All-or-nothing per call. */
export interface LakeSink {
  append(table: string, rows: readonly object[]): Promise<void>;
  /** Makes everything appended so far durable and visible to readers. */
  flush(): Promise<void>;
  /**
   * Drops what was appended since the last flush, after an append of the same batch failed, so the redelivered
   * batch is not written twice. Optional: a sink that writes on append cannot take rows back (the staging views'
   * event_id dedup covers that case).
   */
  discard?(): void;
}

/** Remembers which events were already accepted, so at-least-once delivery and replays count once. */
export interface DedupStore {
  /** For each key, whether it was accepted before. */
  seen(keys: readonly string[]): Promise<boolean[]>;
  /** Records keys as accepted; called only after their rows were written. */
  remember(keys: readonly string[]): Promise<void>;
}

/**
 * Runs SQL where the lake's tables live and materialises tables from SELECTs: DuckDB locally
 * (src/adapters/local/duckdb-sql-engine.ts), Athena in AWS (src/adapters/aws/athena-sql-engine.ts). The SELECTs are
 * written once, in Trino SQL that DuckDB also runs (sql/_dialect/duckdb.sql); how a table is created, written and
 * dropped is the engine's business (a session table, or a CTAS to Parquet on S3).
 */
export interface SqlEngine {
  /** First column of the first row as text, or null when the query returns no row. */
  scalar(sql: string): Promise<string | null>;
  /** Creates work table `name` from a SELECT, replacing a table of that name left by an earlier run. */
  createTable(name: string, select: string): Promise<void>;
  /** Drops a work table and its data. */
  dropTable(name: string): Promise<void>;
  /** Replaces every row of lake table `name` (identity_map, identity_hubs) with the SELECT's rows. */
  replaceTable(name: string, select: string): Promise<void>;
}

/**
 * The suppression list of erased people: keyed digests of their identifiers (src/cleanse/suppression.ts), never the
 * identifiers. Locally a lake file per erasure (src/adapters/local/suppression-list.ts), in AWS objects under the
 * same prefix in the curated bucket (src/adapters/aws/s3-suppression-list.ts); the cleanser and importers read it.
 */
export interface SuppressionList {
  /** Every digest on the list. */
  load(): Promise<ReadonlySet<string>>;
  /** Adds the digests of one erasure (`entryId`: the receipt id), all or nothing. */
  add(entryId: string, digests: readonly string[]): Promise<void>;
}

/**
 * Where the stream rules keep their per-customer state (src/realtime/engine.ts) and the live counters the profile
 * reads: locally a committed lake file and table (src/adapters/local/realtime-state.ts), in AWS items of the profile
 * DynamoDB table (src/adapters/aws/dynamodb-realtime-state.ts).
 */
export interface RealtimeStateStore {
  /** The watermark the previous batch reached (epoch ms), -Infinity before the first. */
  watermark(): Promise<number>;
  /** The saved state of these customers (absent keys: nothing saved yet). */
  load(customerKeys: readonly string[]): Promise<Map<string, import('../realtime/engine.ts').CustomerState>>;
  /** Customers whose open cart's window ends at or before `t` (epoch ms). */
  dueBy(t: number): Promise<string[]>;
  /** Saves the states (with their live counters and cart timers) and the watermark reached, all or nothing per customer. */
  save(changes: readonly import('../realtime/process.ts').StateChange[], watermark: number): Promise<void>;
}
