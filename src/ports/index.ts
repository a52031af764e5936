/**
 * The small interfaces domain code writes through. Each has a local twin (files + DuckDB) and an AWS adapter
 * (S3 / Firehose / DynamoDB / EventBridge), so the same domain code runs in Lambda and on a laptop.
 */
import type { LookupType, ProfileDocument } from '../profiles/document.ts';

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
 * Per-shard checkpoints of the stream cleanser (docs/ingest.md, "Where duplicates are removed"): the highest sequence
 * number of a shard whose record, and every record before it, was written. A redelivered batch (same shard, same
 * sequence numbers) is recognised by one read per batch instead of a dedup key per event. DynamoDB in AWS
 * (src/adapters/aws/dynamodb-shard-checkpoints.ts), memory locally.
 */
export interface ShardCheckpoints {
  /** The shard's checkpoint, or undefined when nothing of it was committed. */
  get(shard: string): Promise<string | undefined>;
  /** Raises the shard's checkpoint to `sequence`; never lowers it (a late or repeated commit changes nothing). */
  commit(shard: string, sequence: string): Promise<void>;
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

/** One object of a bucket. */
export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
}

/**
 * The objects of the lake's buckets, as the erasure in AWS reads and rewrites them (S3; src/adapters/aws/s3-object-store.ts).
 */
export interface ObjectStore {
  /** Keys under a prefix ('' : the whole bucket). */
  list(bucket: string, prefix: string): Promise<string[]>;
  /** The object's bytes, or undefined when there is none. */
  get(o: ObjectRef): Promise<Buffer | undefined>;
  /** Writes an object; `metadata` travels with it when it is copied. */
  put(o: ObjectRef, body: Buffer, metadata?: Readonly<Record<string, string>>): Promise<void>;
  copy(from: ObjectRef, to: ObjectRef): Promise<void>;
  /** Deletes the object (nothing when there is none). */
  delete(o: ObjectRef): Promise<void>;
}

/** A catalogued table of the lake (Glue in AWS). */
export interface CatalogTable {
  readonly name: string;
  /** s3://bucket/prefix/ */
  readonly location: string;
  readonly format: 'parquet' | 'json' | 'other';
  readonly columns: readonly string[];
  readonly partitionKeys: readonly string[];
}

/** The lake's tables and SQL over them (Athena; src/adapters/aws/athena-lake-tables.ts). */
export interface LakeTables {
  tables(): Promise<CatalogTable[]>;
  /** Every row of a query (portable Trino/DuckDB SQL; `"$path"` names a row's file as s3://bucket/key). */
  rows(sql: string): Promise<Record<string, unknown>[]>;
  /** Writes a query's rows as Parquet under an empty s3://bucket/prefix/. */
  writeParquet(sql: string, location: string): Promise<void>;
}

/** Items outside the lake's files that name customers (the coupon table and the event ledger in DynamoDB). */
export interface CustomerItems {
  /** Deletes every item of these customers; how many per table. */
  erase(customerKeys: readonly string[]): Promise<Array<{ readonly table: string; readonly items: number }>>;
}

/**
 * The profile store behind the profile API (issue 16): per customer the scorer's batch document
 * (src/profiles/document.ts) and the stream rules' live counters, plus lookups by identifier. In AWS one DynamoDB
 * table (src/adapters/aws/dynamodb-profile-store.ts: a Query on the customer key reads both in one request); locally
 * an in-memory twin loaded from the lake (src/adapters/local/profile-store.ts).
 */
export interface ProfileStore {
  /** Writes (replaces) the batch documents and their lookup entries; all are written when it resolves. */
  writeBatch(docs: readonly ProfileDocument[]): Promise<void>;
  /** The customer's batch document and live counters; null when the store holds neither. */
  read(customerKey: string): Promise<{ batch: ProfileDocument | null; live: Record<string, unknown> | null } | null>;
  /** The customer key of a stored identifier (member_id as stored; phone and email as their keyed hashes), or null. */
  resolve(type: LookupType, value: string): Promise<string | null>;
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
