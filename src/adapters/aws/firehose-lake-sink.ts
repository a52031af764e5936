/**
 * LakeSink over Amazon Data Firehose: one delivery stream per curated table. Rows go out as JSON lines with
 * PutRecordBatch (<= 500 records, <= 4 MiB per call); entries Firehose rejects are retried with backoff. Firehose
 * then buffers, converts JSON to Parquet against the Glue table and partitions by source/dt, so the lake gets a
 * few large files per partition instead of one small file per Lambda batch.
 *
 * Packing (`packBytes`): Firehose bills ingestion per record in 5 KB steps, so a ~800-byte row sent alone is billed
 * as 5 KB. With packing, consecutive rows are joined into one record (newline-delimited JSON) of at most
 * `packBytes` bytes and at most 500 rows (Firehose's de-aggregation cap per record); a row is never split, and a row
 * longer than `packBytes` goes alone. The delivery stream must de-aggregate them (RecordDeAggregation, JSON;
 * lib/constructs/curated-delivery-stream.ts `packedRecords`) before its jq partitioning and Parquet conversion.
 * A packed record is accepted or rejected whole by PutRecordBatch, and a rejected one is retried whole, so no row is
 * lost or sent twice by a retry.
 */
import { FirehoseClient, PutRecordBatchCommand, type _Record } from '@aws-sdk/client-firehose';
import type { LakeSink } from '../../ports/index.ts';
import { clientConfig, type ClientOptions } from './clients.ts';
import { FirehoseWriteError } from './errors.ts';
import { chunk, retryPending, type RetryOptions } from './retry.ts';

const MAX_RECORDS = 500;
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
const MAX_RECORD_BYTES = 1000 * 1024;
/** Firehose de-aggregates at most 500 sub-records from one record (docs: "capped at 500 per record"). */
export const MAX_ROWS_PER_PACKED_RECORD = 500;
/**
 * One Firehose billing step: 5 KB, read as 5,000 bytes so that a packed record stays within one step whether the
 * price page's KB is 1,000 or 1,024 bytes.
 */
export const FIREHOSE_BILLING_STEP_BYTES = 5000;

export interface FirehoseLakeSinkOptions extends ClientOptions {
  /** Delivery stream name of each table this sink accepts. */
  readonly streams: Readonly<Record<string, string>>;
  /**
   * Pack rows into records of at most this many bytes (FIREHOSE_BILLING_STEP_BYTES: one billing step); only for
   * delivery streams that de-aggregate JSON records. @default undefined: one row per record
   */
  readonly packBytes?: number;
  /** Retry of rejected entries. @default 6 attempts, 50 ms doubling */
  readonly retry?: RetryOptions;
  /** @default a client built from the options */
  readonly client?: FirehoseClient;
}

/**
 * Joins JSON lines (each ending in a newline) into records of at most `maxBytes` bytes and `maxRows` lines, in
 * order; a line longer than `maxBytes` is a record of its own.
 */
export function packLines(lines: readonly Buffer[], maxBytes: number, maxRows = MAX_ROWS_PER_PACKED_RECORD): Buffer[] {
  const out: Buffer[] = [];
  let cur: Buffer[] = [];
  let curBytes = 0;
  const close = () => {
    if (cur.length) out.push(cur.length === 1 ? cur[0]! : Buffer.concat(cur, curBytes));
    cur = [];
    curBytes = 0;
  };
  for (const line of lines) {
    if (cur.length && (curBytes + line.length > maxBytes || cur.length >= maxRows)) close();
    cur.push(line);
    curBytes += line.length;
    if (curBytes >= maxBytes) close();
  }
  close();
  return out;
}

export class FirehoseLakeSink implements LakeSink {
  private readonly client: FirehoseClient;

  constructor(private readonly options: FirehoseLakeSinkOptions) {
    if (options.packBytes !== undefined && !(Number.isInteger(options.packBytes) && options.packBytes > 0 && options.packBytes <= MAX_RECORD_BYTES)) {
      throw new FirehoseWriteError(`packBytes must be a whole number of bytes from 1 to ${MAX_RECORD_BYTES}, received ${options.packBytes}`, 0);
    }
    this.client = options.client ?? new FirehoseClient(clientConfig(options));
  }

  async append(table: string, rows: readonly object[]): Promise<void> {
    const stream = this.options.streams[table];
    if (!stream) throw new FirehoseWriteError(`no delivery stream for table ${table} (configured: ${Object.keys(this.options.streams).join(', ')})`, rows.length);
    const lines: Buffer[] = rows.map((r) => Buffer.from(JSON.stringify(r) + '\n'));
    const tooBig = lines.findIndex((b) => b.length > MAX_RECORD_BYTES);
    if (tooBig >= 0) throw new FirehoseWriteError(`row ${tooBig} of ${table} is ${lines[tooBig]!.length} bytes; Firehose accepts at most ${MAX_RECORD_BYTES}`, rows.length);
    const records = this.options.packBytes === undefined ? lines : packLines(lines, this.options.packBytes);
    for (const batch of chunk(records, MAX_RECORDS, MAX_BATCH_BYTES, (b) => b.length)) {
      const left = await retryPending(batch, (pending) => this.put(stream, pending), this.options.retry);
      if (left.length) throw new FirehoseWriteError(`${left.length} of ${batch.length} record(s) to ${stream} still rejected after retries (${rowsIn(left)} row(s))`, rowsIn(left));
    }
  }

  /** Sends one batch; returns the records Firehose rejected (throttled or failed), to be retried. */
  private async put(stream: string, records: readonly Buffer[]): Promise<readonly Buffer[]> {
    let res;
    try {
      res = await this.client.send(new PutRecordBatchCommand({ DeliveryStreamName: stream, Records: records.map((Data): _Record => ({ Data })) }));
    } catch (e) {
      // Whole-call failures that are worth another go (throttling, 5xx) are retried like rejected entries.
      if (isRetryable(e)) return records;
      throw new FirehoseWriteError(`PutRecordBatch to ${stream} failed: ${(e as Error).message}`, rowsIn(records), { cause: e });
    }
    if (!res.FailedPutCount) return [];
    return records.filter((_, i) => res.RequestResponses?.[i]?.ErrorCode);
  }

  /** Firehose makes records durable when PutRecordBatch accepts them: nothing is held back here. */
  async flush(): Promise<void> {}
}

/** Rows in (packed) records: one per line. */
function rowsIn(records: readonly Buffer[]): number {
  let n = 0;
  for (const r of records) for (let i = r.indexOf(10); i >= 0; i = r.indexOf(10, i + 1)) n++;
  return n;
}

function isRetryable(e: unknown): boolean {
  const err = e as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  return Boolean(err.$retryable) || err.name === 'ServiceUnavailableException' || (err.$metadata?.httpStatusCode ?? 0) >= 500;
}
