/**
 * A local twin of Lambda's Kinesis event source mapping (ESM): reads every shard of a stream with GetShardIterator /
 * GetRecords, invokes a handler with real `KinesisStreamEvent` objects, checkpoints the last sequence number the
 * handler finished, and on a partial batch response resumes AT the first failed sequence number, as the ESM does
 * with ReportBatchItemFailures. Throttling (ProvisionedThroughputExceeded, LimitExceeded) and handler errors are
 * retried with exponential backoff and full jitter; an expired iterator is re-opened from the checkpoint. Nothing is
 * ever skipped: a record that keeps failing stops its shard with KinesisPollerError rather than being lost.
 *
 * Used by the emulator tests (kinesalite, or LocalStack through AWS_ENDPOINT_URL) and the load benchmark.
 *
 * @example
 *   const poller = new KinesisPoller({ streamName: 'events', handler, checkpoints: new FileCheckpointStore('cp.json') });
 *   await poller.drain(); // until every shard is caught up
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  type _Record as KinesisRecord,
  type ShardIteratorType,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { BatchItemFailures } from '../../cleanse/stream-handler.ts';
import { kinesisClientConfig, type ClientOptions } from './clients.ts';
import { AwsAdapterError } from './errors.ts';
import { sleep as defaultSleep } from './retry.ts';

export type KinesisHandler = (event: KinesisStreamEvent) => Promise<BatchItemFailures | void>;

/** Where the poller remembers, per shard, the last sequence number the handler finished. */
export interface CheckpointStore {
  get(shardId: string): Promise<string | undefined>;
  put(shardId: string, sequenceNumber: string): Promise<void>;
}

/** Checkpoints in memory: lost with the process (a restart begins at the starting position). */
export class MemoryCheckpointStore implements CheckpointStore {
  readonly checkpoints = new Map<string, string>();
  async get(shardId: string): Promise<string | undefined> {
    return this.checkpoints.get(shardId);
  }
  async put(shardId: string, sequenceNumber: string): Promise<void> {
    this.checkpoints.set(shardId, sequenceNumber);
  }
}

/** Checkpoints in a JSON file, replaced atomically (write + rename), so a killed process leaves the last good one. */
export class FileCheckpointStore implements CheckpointStore {
  constructor(readonly file: string) {}

  private read(): Record<string, string> {
    try {
      return JSON.parse(fs.readFileSync(this.file, 'utf8')) as Record<string, string>;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new KinesisPollerError(`checkpoint file ${this.file} is unreadable: ${(e as Error).message}`, { cause: e });
    }
  }

  async get(shardId: string): Promise<string | undefined> {
    return this.read()[shardId];
  }

  async put(shardId: string, sequenceNumber: string): Promise<void> {
    const all = { ...this.read(), [shardId]: sequenceNumber };
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(all));
    fs.renameSync(tmp, this.file);
  }
}

export class KinesisPollerError extends AwsAdapterError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'KinesisPollerError';
  }
}

export interface KinesisPollerOptions extends ClientOptions {
  readonly streamName: string;
  readonly handler: KinesisHandler;
  readonly checkpoints: CheckpointStore;
  /** Records per invocation (the ESM's BatchSize; GetRecords' Limit). @default 100 */
  readonly batchSize?: number;
  /** Where a shard without a checkpoint starts. @default 'TRIM_HORIZON' */
  readonly startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** Deliveries of one batch (the first included) before its shard stops with an error. @default 10 */
  readonly maxAttempts?: number;
  /** First backoff after a throttle, a handler error or a partial failure, ms; doubles each time. @default 50 */
  readonly baseDelayMs?: number;
  /** Longest backoff, ms. @default 2000 */
  readonly maxDelayMs?: number;
  /** Pause after an empty GetRecords while still polling, ms. @default 200 */
  readonly idleDelayMs?: number;
  /** @default a client built from the options (AWS_ENDPOINT_URL honoured) */
  readonly client?: KinesisClient;
  /** Injectable for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Called after each invocation, once its records are checkpointed (or, on a failure, those before it). */
  readonly onBatch?: (info: { shardId: string; records: number; failedFrom?: string }) => void;
}

/** Counters a test or benchmark reconciles against. */
export interface PollerStats {
  /** Handler invocations, retries included. */
  invocations: number;
  /** Records handed to the handler, redeliveries included. */
  delivered: number;
  /** Records delivered again after a partial failure or a handler error. */
  redelivered: number;
  /** Partial batch responses (batch item failures) received. */
  partialFailures: number;
  /** Invocations that threw. */
  handlerErrors: number;
  /** GetRecords / GetShardIterator / ListShards calls that were throttled and retried. */
  throttled: number;
  /** Iterators re-opened after ExpiredIteratorException. */
  expiredIterators: number;
  /** Records checkpointed (each counted once, when the handler finished it). */
  checkpointed: number;
  /** Message of the last handler error, for the error that stops a shard. */
  lastHandlerError?: string;
}

const THROTTLES = new Set(['ProvisionedThroughputExceededException', 'LimitExceededException', 'ThrottlingException', 'KMSThrottlingException']);

function errorName(e: unknown): string {
  return (e as { name?: string })?.name ?? '';
}

/** True for errors worth retrying with backoff: throttles, 5xx and network failures. */
export function isRetryableKinesisError(e: unknown): boolean {
  const name = errorName(e);
  if (THROTTLES.has(name)) return true;
  const status = (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT') return true;
  // The SDK wraps a reset socket as TimeoutError ("read ECONNRESET").
  return name === 'TimeoutError' || /ECONNRESET|socket hang up/.test((e as Error)?.message ?? '');
}

/**
 * The ESM's event record for one Kinesis record. eventID is `<shardId>:<sequenceNumber>`, which the stream handler
 * turns into the record's origin.
 */
export function toEventRecord(r: KinesisRecord, shardId: string, streamArn: string, region: string): KinesisStreamRecord {
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: r.PartitionKey ?? '',
      sequenceNumber: r.SequenceNumber!,
      data: Buffer.from(r.Data ?? new Uint8Array()).toString('base64'),
      approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp ?? new Date()).getTime() / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${r.SequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/local-poller',
    awsRegion: region,
    eventSourceARN: streamArn,
  };
}

export class KinesisPoller {
  readonly stats: PollerStats = {
    invocations: 0,
    delivered: 0,
    redelivered: 0,
    partialFailures: 0,
    handlerErrors: 0,
    throttled: 0,
    expiredIterators: 0,
    checkpointed: 0,
  };
  private readonly client: KinesisClient;
  private readonly sleep: (ms: number) => Promise<void>;
  private stopping = false;
  private region = 'local';

  constructor(private readonly options: KinesisPollerOptions) {
    this.client = options.client ?? new KinesisClient(kinesisClientConfig(options));
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** Polls every shard until each has returned an empty batch with nothing behind it; resolves with the stats. */
  async drain(): Promise<PollerStats> {
    await this.run(true);
    return this.stats;
  }

  /** Polls every shard until stop() is called. */
  async poll(): Promise<PollerStats> {
    await this.run(false);
    return this.stats;
  }

  /** Asks poll() to finish after the invocation in flight; checkpoints stay consistent. */
  stop(): void {
    this.stopping = true;
  }

  private async run(untilIdle: boolean): Promise<void> {
    this.stopping = false;
    this.region = (await this.client.config.region()) ?? 'local';
    const shards = await this.withBackoff(() => this.listShards(), 'ListShards');
    await Promise.all(shards.map((s) => this.pollShard(s, untilIdle)));
  }

  private async listShards(): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const res = await this.client.send(
        new ListShardsCommand(token ? { NextToken: token } : { StreamName: this.options.streamName }),
      );
      for (const s of res.Shards ?? []) out.push(s.ShardId!);
      token = res.NextToken;
    } while (token);
    return out;
  }

  private backoff(attempt: number): number {
    const base = this.options.baseDelayMs ?? 50;
    const max = this.options.maxDelayMs ?? 2000;
    return Math.random() * Math.min(max, base * 2 ** attempt);
  }

  /** Retries throttles and transient failures with backoff; after maxAttempts rethrows the last error. */
  private async withBackoff<T>(call: () => Promise<T>, what: string): Promise<T> {
    const attempts = Math.max(1, this.options.maxAttempts ?? 10);
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (e) {
        if (!isRetryableKinesisError(e) || attempt + 1 >= attempts) {
          throw new KinesisPollerError(`${what} on stream ${this.options.streamName} failed after ${attempt + 1} attempt(s): ${(e as Error).message}`, { cause: e });
        }
        this.stats.throttled++;
        await this.sleep(this.backoff(attempt));
      }
    }
  }

  private async iterator(shardId: string, type: ShardIteratorType, sequenceNumber?: string): Promise<string> {
    const res = await this.withBackoff(
      () =>
        this.client.send(
          new GetShardIteratorCommand({ StreamName: this.options.streamName, ShardId: shardId, ShardIteratorType: type, StartingSequenceNumber: sequenceNumber }),
        ),
      `GetShardIterator ${type} on ${shardId}`,
    );
    return res.ShardIterator!;
  }

  /** An iterator just after the checkpoint, or at the starting position when there is none. */
  private async resume(shardId: string): Promise<string> {
    const cp = await this.options.checkpoints.get(shardId);
    return cp ? this.iterator(shardId, 'AFTER_SEQUENCE_NUMBER', cp) : this.iterator(shardId, this.options.startingPosition ?? 'TRIM_HORIZON');
  }

  private async pollShard(shardId: string, untilIdle: boolean): Promise<void> {
    const limit = this.options.batchSize ?? 100;
    const maxAttempts = Math.max(1, this.options.maxAttempts ?? 10);
    const streamArn = `arn:aws:kinesis:${this.region}:000000000000:stream/${this.options.streamName}`;
    let it: string | undefined = await this.resume(shardId);
    // Deliveries of the batch that starts at `retrySeq` (a batch that failed is read again from its first failure).
    let retrySeq: string | undefined;
    let attempt = 0;

    while (it && !this.stopping) {
      let res;
      try {
        res = await this.withBackoff(() => this.client.send(new GetRecordsCommand({ ShardIterator: it, Limit: limit })), `GetRecords on ${shardId}`);
      } catch (e) {
        if (errorName((e as Error).cause) !== 'ExpiredIteratorException') throw e;
        this.stats.expiredIterators++;
        it = retrySeq ? await this.iterator(shardId, 'AT_SEQUENCE_NUMBER', retrySeq) : await this.resume(shardId);
        continue;
      }
      const records = res.Records ?? [];
      if (!records.length) {
        if (untilIdle && !res.MillisBehindLatest) return;
        it = res.NextShardIterator;
        await this.sleep(this.options.idleDelayMs ?? 200);
        continue;
      }

      const event: KinesisStreamEvent = { Records: records.map((r) => toEventRecord(r, shardId, streamArn, this.region)) };
      this.stats.invocations++;
      this.stats.delivered += records.length;
      if (attempt > 0) this.stats.redelivered += records.length;
      let failedFrom: string | undefined;
      try {
        const out = await this.options.handler(event);
        const failures = out?.batchItemFailures ?? [];
        if (failures.length) {
          this.stats.partialFailures++;
          // The ESM resumes from the lowest failed sequence number; an identifier outside the batch fails it whole.
          const seqs = new Set(records.map((r) => r.SequenceNumber!));
          const known = failures.map((f) => f.itemIdentifier).filter((s) => seqs.has(s));
          failedFrom = known.length === failures.length ? known.reduce((a, b) => (BigInt(a) < BigInt(b) ? a : b)) : records[0]!.SequenceNumber!;
        }
      } catch (e) {
        this.stats.handlerErrors++;
        this.stats.lastHandlerError = (e as Error)?.message ?? String(e);
        failedFrom = records[0]!.SequenceNumber!;
      }
      if (failedFrom === undefined) {
        await this.options.checkpoints.put(shardId, records.at(-1)!.SequenceNumber!);
        this.stats.checkpointed += records.length;
        this.options.onBatch?.({ shardId, records: records.length });
        it = res.NextShardIterator;
        retrySeq = undefined;
        attempt = 0;
        continue;
      }
      // Records before the first failure are done: checkpoint them, then read again from the failure.
      const doneCount = records.findIndex((r) => r.SequenceNumber === failedFrom);
      if (doneCount > 0) {
        await this.options.checkpoints.put(shardId, records[doneCount - 1]!.SequenceNumber!);
        this.stats.checkpointed += doneCount;
      }
      this.options.onBatch?.({ shardId, records: records.length, failedFrom });
      attempt = failedFrom === retrySeq ? attempt + 1 : 1;
      retrySeq = failedFrom;
      if (attempt >= maxAttempts) {
        throw new KinesisPollerError(
          `${shardId}: the batch starting at sequence number ${failedFrom} failed ${attempt} time(s); stopping the shard rather than skipping records` +
            (this.stats.lastHandlerError ? ` (last handler error: ${this.stats.lastHandlerError})` : ''),
        );
      }
      await this.sleep(this.backoff(attempt - 1));
      it = await this.iterator(shardId, 'AT_SEQUENCE_NUMBER', failedFrom);
    }
  }
}
