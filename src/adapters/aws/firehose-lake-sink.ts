/**
 * LakeSink over Amazon Data Firehose: one delivery stream per curated table. Rows go out as JSON lines with
 * PutRecordBatch (<= 500 records, <= 4 MiB per call); entries Firehose rejects are retried with backoff. Firehose
 * then buffers, converts JSON to Parquet against the Glue table and partitions by source/dt, so the lake gets a
 * few large files per partition instead of one small file per Lambda batch.
 */
import { FirehoseClient, PutRecordBatchCommand, type _Record } from '@aws-sdk/client-firehose';
import type { LakeSink } from '../../ports/index.ts';
import { clientConfig, type ClientOptions } from './clients.ts';
import { FirehoseWriteError } from './errors.ts';
import { chunk, retryPending, type RetryOptions } from './retry.ts';

const MAX_RECORDS = 500;
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
const MAX_RECORD_BYTES = 1000 * 1024;

export interface FirehoseLakeSinkOptions extends ClientOptions {
  /** Delivery stream name of each table this sink accepts. */
  readonly streams: Readonly<Record<string, string>>;
  /** Retry of rejected entries. @default 6 attempts, 50 ms doubling */
  readonly retry?: RetryOptions;
  /** @default a client built from the options */
  readonly client?: FirehoseClient;
}

export class FirehoseLakeSink implements LakeSink {
  private readonly client: FirehoseClient;

  constructor(private readonly options: FirehoseLakeSinkOptions) {
    this.client = options.client ?? new FirehoseClient(clientConfig(options));
  }

  async append(table: string, rows: readonly object[]): Promise<void> {
    const stream = this.options.streams[table];
    if (!stream) throw new FirehoseWriteError(`no delivery stream for table ${table} (configured: ${Object.keys(this.options.streams).join(', ')})`, rows.length);
    const records: Uint8Array[] = rows.map((r) => Buffer.from(JSON.stringify(r) + '\n'));
    const tooBig = records.findIndex((b) => b.length > MAX_RECORD_BYTES);
    if (tooBig >= 0) throw new FirehoseWriteError(`row ${tooBig} of ${table} is ${records[tooBig]!.length} bytes; Firehose accepts at most ${MAX_RECORD_BYTES}`, rows.length);
    for (const batch of chunk(records, MAX_RECORDS, MAX_BATCH_BYTES, (b) => b.length)) {
      const left = await retryPending(batch, (pending) => this.put(stream, pending), this.options.retry);
      if (left.length) throw new FirehoseWriteError(`${left.length} of ${batch.length} record(s) to ${stream} still rejected after retries`, left.length);
    }
  }

  /** Sends one batch; returns the records Firehose rejected (throttled or failed), to be retried. */
  private async put(stream: string, records: readonly Uint8Array[]): Promise<readonly Uint8Array[]> {
    let res;
    try {
      res = await this.client.send(new PutRecordBatchCommand({ DeliveryStreamName: stream, Records: records.map((Data): _Record => ({ Data })) }));
    } catch (e) {
      // Whole-call failures that are worth another go (throttling, 5xx) are retried like rejected entries.
      if (isRetryable(e)) return records;
      throw new FirehoseWriteError(`PutRecordBatch to ${stream} failed: ${(e as Error).message}`, records.length, { cause: e });
    }
    if (!res.FailedPutCount) return [];
    return records.filter((_, i) => res.RequestResponses?.[i]?.ErrorCode);
  }

  /** Firehose makes records durable when PutRecordBatch accepts them: nothing is held back here. */
  async flush(): Promise<void> {}
}

function isRetryable(e: unknown): boolean {
  const err = e as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  return Boolean(err.$retryable) || err.name === 'ServiceUnavailableException' || (err.$metadata?.httpStatusCode ?? 0) >= 500;
}
