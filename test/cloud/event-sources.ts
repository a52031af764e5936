/**
 * How Lambda feeds the functions, emulated from the synthesized event source mappings and rules:
 * - a Kinesis event source mapping reads each shard from its StartingPosition in batches of BatchSize with the SDK,
 *   builds the Lambda Kinesis event, resumes after a partial batch failure from the reported sequence number
 *   (ReportBatchItemFailures), retries a failed invocation up to MaximumRetryAttempts and then sends the batch's
 *   description to the OnFailure destination;
 * - an EventBridge rule's Lambda target is an SQS queue in moto (see Deployment.provision); `drainQueue` hands each
 *   delivered event to the function.
 */
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type KinesisClient, type _Record } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import type { Deployment, Resource } from './deployment.ts';
import type { LambdaSandbox } from './lambda-sandbox.ts';
import type { SqsJsonClient } from './sqs.ts';

export interface MappingStats {
  invocations: number;
  failedInvocations: number;
  records: number;
  toDeadLetters: number;
}

function kinesisEvent(streamArn: string, shardId: string, records: readonly _Record[]): KinesisStreamEvent {
  return {
    Records: records.map((r) => ({
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shardId}:${r.SequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::123456789012:role/emulated',
      awsRegion: 'us-east-1',
      eventSourceARN: streamArn,
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: r.PartitionKey!,
        sequenceNumber: r.SequenceNumber!,
        data: Buffer.from(r.Data!).toString('base64'),
        approximateArrivalTimestamp: r.ApproximateArrivalTimestamp!.getTime() / 1000,
      },
    })),
  };
}

/** Drains a stream through a function as its event source mapping would, until every shard is read. */
export async function runKinesisMapping(
  d: Deployment,
  mapping: Resource,
  fn: LambdaSandbox,
  clients: { kinesis: KinesisClient; sqs: SqsJsonClient },
  /** Per shard, the last sequence number an earlier run read: the mapping resumes after it (as Lambda's checkpoint). */
  resume?: Map<string, string>,
): Promise<MappingStats> {
  const m = d.resolve(mapping.stack, mapping.props);
  const streamName = String(m.EventSourceArn).split('stream/')[1]!;
  const batchSize: number = m.BatchSize ?? 100;
  const retries: number = m.MaximumRetryAttempts ?? 10_000;
  const reportsItems = (m.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures');
  const stats: MappingStats = { invocations: 0, failedInvocations: 0, records: 0, toDeadLetters: 0 };
  const shards = (await clients.kinesis.send(new ListShardsCommand({ StreamName: streamName }))).Shards ?? [];
  for (const shard of shards) {
    let pending: _Record[] = [];
    const after = resume?.get(shard.ShardId!);
    let iterator = (
      await clients.kinesis.send(
        new GetShardIteratorCommand({ StreamName: streamName, ShardId: shard.ShardId!, ...(after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: after } : { ShardIteratorType: m.StartingPosition }) }),
      )
    ).ShardIterator;
    for (;;) {
      while (pending.length < batchSize && iterator) {
        const res = await clients.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: batchSize - pending.length }));
        pending.push(...(res.Records ?? []));
        const last = res.Records?.at(-1)?.SequenceNumber;
        if (last && resume) resume.set(shard.ShardId!, last);
        iterator = res.Records?.length ? res.NextShardIterator : undefined;
      }
      if (!pending.length) break;
      let batch = pending.slice(0, batchSize);
      pending = pending.slice(batchSize);
      for (let attempt = 0; ; attempt++) {
        stats.invocations++;
        let failedFrom: string | undefined;
        try {
          const res = (await fn.invoke(kinesisEvent(m.EventSourceArn, shard.ShardId!, batch))) as { batchItemFailures?: { itemIdentifier: string }[] } | null;
          failedFrom = reportsItems ? res?.batchItemFailures?.[0]?.itemIdentifier : undefined;
          if (!failedFrom) {
            stats.records += batch.length;
            break;
          }
        } catch {
          failedFrom = batch[0]!.SequenceNumber;
        }
        stats.failedInvocations++;
        const from = batch.findIndex((r) => r.SequenceNumber === failedFrom);
        stats.records += Math.max(0, from);
        batch = batch.slice(Math.max(0, from));
        if (attempt >= retries) {
          const dest = m.DestinationConfig?.OnFailure?.Destination as string | undefined;
          if (dest) {
            const url = d.deadLetterQueues().find((q) => q.url.endsWith(`/${dest.split(':').pop()}`))?.url;
            if (!url) throw new Error(`OnFailure destination ${dest} is no queue of the app`);
            // Lambda's on-failure record for a stream event source: the batch described, not its records.
            const at = (r: _Record) => r.ApproximateArrivalTimestamp!.toISOString();
            await clients.sqs.send(
              url,
              JSON.stringify({
                requestContext: { requestId: `emulated-${stats.invocations}`, functionArn: `arn:aws:lambda:us-east-1:123456789012:function:${fn.name}`, condition: 'RetryAttemptsExhausted', approximateInvokeCount: attempt + 1 },
                responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
                version: '1.0',
                timestamp: new Date().toISOString(),
                KinesisBatchInfo: {
                  shardId: shard.ShardId,
                  startSequenceNumber: batch[0]!.SequenceNumber,
                  endSequenceNumber: batch.at(-1)!.SequenceNumber,
                  approximateArrivalOfFirstRecord: at(batch[0]!),
                  approximateArrivalOfLastRecord: at(batch.at(-1)!),
                  batchSize: batch.length,
                  streamArn: m.EventSourceArn,
                },
              }),
            );
          }
          stats.toDeadLetters += batch.length;
          break;
        }
      }
    }
  }
  return stats;
}

