/**
 * The cleanser's event-source glue, shared by the Lambda handler and the local runner: turns a Kinesis Data
 * Streams or MSK (Kafka) event into raw records, cleanses them as one batch, and answers with the partial-batch
 * response. Bad records never fail the batch; only records whose write failed are reported, so only they are
 * redelivered.
 */
import type { KinesisStreamEvent, MSKEvent } from 'aws-lambda';
import { CleanseError } from './errors.ts';
import { cleanseBatch, emptyCounts, type BatchDeps, type IngestCounts } from './batch.ts';
import { compareSequence } from './sequence.ts';
import type { RawRecord } from './cleanser.ts';

export interface BatchItemFailures {
  batchItemFailures: { itemIdentifier: string }[];
}

/** Raised for an MSK batch with failed writes: Kafka event sources retry the whole batch (dedup makes that safe). */
export class BatchWriteError extends CleanseError {
  constructor(readonly failedCount: number) {
    super(`${failedCount} record(s) could not be written; the batch will be redelivered`);
    this.name = 'BatchWriteError';
  }
}

export function isKinesisEvent(e: unknown): e is KinesisStreamEvent {
  return Array.isArray((e as KinesisStreamEvent)?.Records) && (e as KinesisStreamEvent).Records[0]?.eventSource === 'aws:kinesis';
}
export function isMskEvent(e: unknown): e is MSKEvent {
  const src = (e as MSKEvent)?.eventSource;
  return src === 'aws:kafka' || src === 'SelfManagedKafka';
}

export function recordsFromKinesis(event: KinesisStreamEvent, now = Date.now()): RawRecord[] {
  return event.Records.map((r) => ({
    data: Buffer.from(r.kinesis.data, 'base64'),
    origin: `kinesis:${r.eventID.split(':')[0]}:${r.kinesis.sequenceNumber}`,
    receivedAt: r.kinesis.approximateArrivalTimestamp ? Math.round(r.kinesis.approximateArrivalTimestamp * 1000) : now,
  }));
}

export function recordsFromKafka(event: MSKEvent): RawRecord[] {
  return Object.values(event.records).flatMap((list) =>
    list.map((r) => ({
      data: Buffer.from(r.value ?? '', 'base64'),
      origin: `kafka:${r.topic}:${r.partition}:${r.offset}`,
      receivedAt: r.timestamp,
    })),
  );
}

export type StreamEvent = KinesisStreamEvent | MSKEvent;

/** Builds the handler body; `deps` is resolved once per container (cold start) and reused. */
export function createStreamHandler(deps: () => Promise<BatchDeps>, onCounts?: (c: IngestCounts) => void) {
  let resolved: Promise<BatchDeps> | undefined;
  return async (event: StreamEvent): Promise<BatchItemFailures> => {
    resolved ??= deps();
    const d = await resolved;
    if (isKinesisEvent(event) && d.checkpoints) return kinesisPerBatch(event, d, onCounts);
    if (isKinesisEvent(event)) {
      const records = recordsFromKinesis(event);
      const result = await cleanseBatch(records, d);
      await d.sink.flush();
      onCounts?.(result.counts);
      // Kinesis resumes from the lowest reported sequence number, so one item is enough and exact.
      const failed = new Set(result.failed);
      const first = event.Records.find((r, i) => failed.has(records[i]!.origin));
      return { batchItemFailures: first ? [{ itemIdentifier: first.kinesis.sequenceNumber }] : [] };
    }
    if (isMskEvent(event)) {
      // Kafka offsets get no checkpoints yet: MSK batches keep a dedup key per event.
      const { checkpoints: _perEventOnly, ...perEvent } = d;
      const result = await cleanseBatch(recordsFromKafka(event), perEvent);
      await d.sink.flush();
      onCounts?.(result.counts);
      if (result.failed.length) throw new BatchWriteError(result.failed.length);
      return { batchItemFailures: [] };
    }
    throw new CleanseError('unsupported event: expected a Kinesis Data Streams or MSK event');
  };
}

/**
 * Kinesis with per-shard checkpoints (docs/ingest.md, "Where duplicates are removed"): records at or below their
 * shard's checkpoint were written by an earlier delivery and count as duplicates; the others are cleansed and written
 * all or nothing; then the checkpoint moves to the batch's last sequence number (one conditional write per shard).
 * A failed write reports the batch's first new record, so Kinesis redelivers the batch from there and this delivery
 * counts nothing (what it had written comes again with the same arrival time: a copy the staging views drop and the
 * re-send count leaves out).
 */
async function kinesisPerBatch(event: KinesisStreamEvent, d: BatchDeps, onCounts?: (c: IngestCounts) => void): Promise<BatchItemFailures> {
  const checkpoints = d.checkpoints!;
  const records = recordsFromKinesis(event);
  const shardOf = (i: number) => event.Records[i]!.eventID.split(':')[0]!;
  const seqOf = (i: number) => event.Records[i]!.kinesis.sequenceNumber;
  const shards = [...new Set(event.Records.map((_, i) => shardOf(i)))];
  const marks = new Map<string, string | undefined>();
  for (const s of shards) marks.set(s, await checkpoints.get(s));
  const fresh: number[] = [];
  let redelivered = 0;
  records.forEach((_, i) => {
    const mark = marks.get(shardOf(i));
    if (mark !== undefined && compareSequence(seqOf(i), mark) <= 0) redelivered++;
    else fresh.push(i);
  });
  const result = fresh.length ? await cleanseBatch(fresh.map((i) => records[i]!), d) : { counts: emptyCounts(), failed: [] };
  await d.sink.flush();
  if (result.failed.length) return { batchItemFailures: [{ itemIdentifier: seqOf(fresh[0]!) }] };
  for (const s of shards) {
    const last = fresh.filter((i) => shardOf(i) === s).pop();
    if (last !== undefined) await checkpoints.commit(s, seqOf(last));
  }
  const counts = result.counts;
  counts.received += redelivered;
  counts.duplicates += redelivered;
  onCounts?.(counts);
  return { batchItemFailures: [] };
}
