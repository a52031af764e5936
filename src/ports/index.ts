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
