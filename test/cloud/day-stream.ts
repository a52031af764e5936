/**
 * The emulated day's one event stream (test/cloud/day.test.ts), as its consumers in AWS see it. Every block puts its
 * records through `put`, and the cleanser reads what is new since its checkpoint through `cleanse`, as its one event
 * source mapping would (TRIM_HORIZON when created, then wherever it stopped): whatever a block puts, for whichever
 * consumer, the cleanser consumes too, so no block moves its checkpoint by hand. A function with a mapping of its
 * own created during the day (the stream rules: LATEST) starts at `tip()`, where the last put ended. The raw copy
 * (raw-copy-standin.ts: the raw-copy function through its own mapping) reads the same records from its own checkpoint
 * through `deliverRaw`, with one function environment until `newRawContainer`.
 */
import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Deployment, Resource, StackName } from './deployment.ts';
import { runKinesisMapping, type MappingStats } from './event-sources.ts';
import type { LambdaSandbox } from './lambda-sandbox.ts';
import { deliverRawCopy, rawCopyConfig, type RawCopyConfig } from './raw-copy-standin.ts';
import type { MappingStats as RawStats } from './event-sources.ts';
import type { SqsJsonClient } from './sqs.ts';
import { partitionKey as byEventId } from '../integration/harness/stream.ts';

/** Where a put record landed. */
export interface Landed {
  readonly shardId: string;
  readonly seq: string;
}

const later = (a: string, b: string) => (BigInt(a) > BigInt(b) ? a : b);

export class DayStream {
  readonly name: string;
  readonly raw: RawCopyConfig;
  /** Records the stream accepted, all blocks together. */
  putCount = 0;
  /** The records the stream accepted, in the order put (a check can look at what a block put after a point). */
  readonly sent: Buffer[] = [];
  /** Records the cleanser's mapping handed on (processed, or sent to its DLQ after the retries), all runs together. */
  cleanserRead = 0;
  private readonly mapping: Resource;
  private readonly cleanserCheckpoint = new Map<string, string>();
  private readonly rawCheckpoint = new Map<string, string>();
  private readonly newest = new Map<string, string>();
  private rawFunction?: LambdaSandbox;
  /** The raw copy's mapping counts, all deliveries together, and the batches handed to it twice. */
  readonly rawStats: RawStats & { redelivered: number } = { invocations: 0, failedInvocations: 0, records: 0, toDeadLetters: 0, redelivered: 0 };

  constructor(
    private readonly d: Deployment,
    private readonly clients: { kinesis: KinesisClient; sqs: SqsJsonClient; s3: S3Client },
    /** Starts a function's environment as deployed (the day's `sandbox`). */
    private readonly startFunction: (stack: StackName, logicalId: string, fn: string) => LambdaSandbox,
  ) {
    this.name = d.ref('ingest', d.find('AWS::Kinesis::Stream', 'EventsStream').logicalId);
    this.mapping = d.resources('AWS::Lambda::EventSourceMapping').find((r) => r.stack === 'ingest' && r.logicalId.startsWith('CleanserFunction'))!;
    this.raw = rawCopyConfig(d);
    if (this.raw.streamName !== this.name) throw new Error(`the raw delivery stream reads ${this.raw.streamName}, not the event stream ${this.name}`);
  }

  /**
   * Puts records in order, in PutRecords calls of at most 500, each under `key` (one partition key: one shard, in
   * order, as a live feed) or its event_id (a producer that keys by event); failed entries are put again.
   *
   * A record whose exact bytes are already in the call (a producer's re-send) starts a new call, at least 2 ms after
   * the previous one: a producer re-sends after a timeout, never twice in one request, so the copies arrive at
   * different milliseconds. moto stamps a whole call within a millisecond or two, and the re-send count tells a
   * re-send from a redelivered copy by its arrival time (src/ingest/resends.ts).
   */
  async put(records: readonly Buffer[], key?: string): Promise<Landed[]> {
    const landed: Landed[] = [];
    const chunks: Buffer[][] = [];
    let chunk: Buffer[] = [];
    let inChunk = new Set<string>();
    for (const r of records) {
      const k = r.toString('base64');
      if (chunk.length === 500 || inChunk.has(k)) {
        chunks.push(chunk);
        chunk = [];
        inChunk = new Set();
      }
      chunk.push(r);
      inChunk.add(k);
    }
    if (chunk.length) chunks.push(chunk);
    for (const [c, records] of chunks.entries()) {
      if (c > 0) await new Promise((ok) => setTimeout(ok, 2));
      let entries: PutRecordsRequestEntry[] = records.map((Data) => ({ Data, PartitionKey: key ?? byEventId(Data) }));
      for (let attempt = 0; entries.length; attempt++) {
        if (attempt >= 5) throw new Error(`PutRecords still failing for ${entries.length} record(s) after 5 attempts`);
        const res = await this.clients.kinesis.send(new PutRecordsCommand({ StreamName: this.name, Records: entries }));
        const failed: PutRecordsRequestEntry[] = [];
        (res.Records ?? []).forEach((r, k) => {
          if (r.ErrorCode) return void failed.push(entries[k]!);
          this.sent.push(Buffer.from(entries[k]!.Data!));
          landed.push({ shardId: r.ShardId!, seq: r.SequenceNumber! });
          this.newest.set(r.ShardId!, later(r.SequenceNumber!, this.newest.get(r.ShardId!) ?? '0'));
        });
        this.putCount += entries.length - failed.length;
        entries = failed;
      }
    }
    return landed;
  }

  /** Per shard, the newest record put so far: where a LATEST mapping created now starts. */
  tip(): Map<string, string> {
    return new Map(this.newest);
  }

  /** The cleanser (`fn`, an environment of the cleanser as deployed) reads what was put since its checkpoint. */
  async cleanse(fn: LambdaSandbox): Promise<MappingStats> {
    const stats = await runKinesisMapping(this.d, this.mapping, fn, this.clients, this.cleanserCheckpoint);
    this.cleanserRead += stats.records + stats.toDeadLetters;
    return stats;
  }

  /**
   * The raw-copy function in a new container from the next delivery on: it reads the suppression list again (a warm
   * one keeps its copy for SUPPRESSION_TTL_SECONDS, as the cleanser does).
   */
  newRawContainer(): void {
    this.rawFunction = undefined;
  }

  /**
   * The raw copy's mapping hands what reached the stream since its last run to the function; the keys it wrote.
   * `redeliverFirst`: Lambda hands the first batch over twice (at least once), as after a failure after the write.
   */
  async deliverRaw(options: { redeliverFirst?: boolean } = {}): Promise<string[]> {
    this.rawFunction ??= this.startFunction(this.raw.function.stack, this.raw.function.logicalId, 'raw-copy');
    const r = await deliverRawCopy(this.d, this.raw, this.clients, this.rawFunction, this.rawCheckpoint, options);
    for (const k of ['invocations', 'failedInvocations', 'records', 'toDeadLetters'] as const) this.rawStats[k] += r.stats[k];
    this.rawStats.redelivered += r.redelivered;
    return r.keys;
  }
}
