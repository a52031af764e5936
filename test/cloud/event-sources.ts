/**
 * How Lambda feeds the functions, emulated from the synthesized event source mappings and rules:
 * - a Kinesis event source mapping reads each shard from its StartingPosition in batches of BatchSize with the SDK,
 *   builds the Lambda Kinesis event, resumes after a partial batch failure from the reported sequence number
 *   (ReportBatchItemFailures), retries a failed invocation up to MaximumRetryAttempts and then sends the batch's
 *   description to the OnFailure destination;
 * - a DynamoDB stream's event source mapping likewise, through DynamoDB Streams' JSON API, passing only the records
 *   its FilterCriteria match (runDynamoDbStreamMapping);
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


/** A record of a DynamoDB stream, as GetRecords returns it (and Lambda passes it on, with the stream's ARN). */
interface DynamoDbStreamRecord {
  eventID: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  eventVersion: string;
  eventSource: string;
  awsRegion: string;
  dynamodb: { SequenceNumber: string; ApproximateCreationDateTime?: number; Keys?: Record<string, unknown>; NewImage?: Record<string, unknown>; OldImage?: Record<string, unknown> };
}

/**
 * Whether a record matches one Lambda event filter pattern. Only the forms the templates use are emulated: nested
 * objects, lists of exact values and `{ "prefix": ... }`; anything else fails, rather than guess.
 */
export function matchesFilter(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern)) {
    return pattern.some((p) => {
      if (p !== null && typeof p === 'object') {
        const keys = Object.keys(p as object);
        if (keys.length === 1 && keys[0] === 'prefix') return typeof value === 'string' && value.startsWith(String((p as { prefix: string }).prefix));
        throw new Error(`filter rule ${JSON.stringify(p)} is not emulated`);
      }
      return p === value;
    });
  }
  if (pattern !== null && typeof pattern === 'object') {
    if (value === null || typeof value !== 'object') return false;
    return Object.entries(pattern as Record<string, unknown>).every(([k, p]) => matchesFilter(p, (value as Record<string, unknown>)[k]));
  }
  throw new Error(`filter pattern ${JSON.stringify(pattern)} is not emulated`);
}

/** DynamoDB Streams over its JSON wire protocol (the project has no streams client; moto serves the API). */
async function streamsCall<T>(endpoint: string, action: string, body: Record<string, unknown>): Promise<T> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDBStreams_20120810.${action}`,
      authorization: 'AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`DynamoDB Streams ${action} failed (${res.status}): ${text}`);
  return JSON.parse(text) as T;
}

/**
 * Drains a DynamoDB stream through a function as its event source mapping would: each shard from StartingPosition
 * (or after `resume`'s sequence number), records that pass the mapping's FilterCriteria only, in batches of
 * BatchSize; a reported item failure (ReportBatchItemFailures) resumes the batch from that record, a failed
 * invocation retries it whole (bisection is not emulated), up to MaximumRetryAttempts, then its description goes to
 * the OnFailure queue.
 */
export async function runDynamoDbStreamMapping(
  d: Deployment,
  mapping: Resource,
  fn: { invoke(event: unknown): Promise<unknown>; readonly name: string },
  clients: { endpoint: string; sqs: SqsJsonClient },
  resume?: Map<string, string>,
): Promise<MappingStats> {
  const m = d.resolve(mapping.stack, mapping.props);
  const streamArn = String(m.EventSourceArn);
  const batchSize: number = m.BatchSize ?? 100;
  const retries: number = m.MaximumRetryAttempts ?? 10_000;
  const reportsItems = (m.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures');
  const patterns = ((m.FilterCriteria?.Filters ?? []) as { Pattern: string }[]).map((f) => JSON.parse(f.Pattern) as unknown);
  const passes = (r: DynamoDbStreamRecord) => !patterns.length || patterns.some((p) => matchesFilter(p, r));
  const stats: MappingStats = { invocations: 0, failedInvocations: 0, records: 0, toDeadLetters: 0 };
  const { StreamDescription } = await streamsCall<{ StreamDescription: { Shards: { ShardId: string }[] } }>(clients.endpoint, 'DescribeStream', { StreamArn: streamArn });
  for (const { ShardId } of StreamDescription.Shards) {
    const after = resume?.get(ShardId);
    let iterator: string | undefined = (
      await streamsCall<{ ShardIterator: string }>(clients.endpoint, 'GetShardIterator', {
        StreamArn: streamArn,
        ShardId,
        ...(after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after } : { ShardIteratorType: m.StartingPosition }),
      })
    ).ShardIterator;
    const pending: DynamoDbStreamRecord[] = [];
    while (iterator) {
      const res: { Records?: DynamoDbStreamRecord[]; NextShardIterator?: string } = await streamsCall(clients.endpoint, 'GetRecords', { ShardIterator: iterator, Limit: 1000 });
      pending.push(...(res.Records ?? []).filter(passes));
      const last = res.Records?.at(-1)?.dynamodb.SequenceNumber;
      if (last && resume) resume.set(ShardId, last);
      iterator = res.Records?.length ? res.NextShardIterator : undefined;
    }
    while (pending.length) {
      let batch = pending.splice(0, batchSize);
      for (let attempt = 0; ; attempt++) {
        stats.invocations++;
        let failedFrom: string | undefined;
        try {
          const res = (await fn.invoke({ Records: batch.map((r) => ({ ...r, eventSourceARN: streamArn })) })) as { batchItemFailures?: { itemIdentifier: string }[] } | null;
          failedFrom = reportsItems ? res?.batchItemFailures?.[0]?.itemIdentifier : undefined;
          if (!failedFrom) {
            stats.records += batch.length;
            break;
          }
        } catch {
          failedFrom = batch[0]!.dynamodb.SequenceNumber;
        }
        stats.failedInvocations++;
        const from = Math.max(0, batch.findIndex((r) => r.dynamodb.SequenceNumber === failedFrom));
        stats.records += from;
        batch = batch.slice(from);
        if (attempt >= retries) {
          const dest = m.DestinationConfig?.OnFailure?.Destination as string | undefined;
          if (dest) {
            const url = d.deadLetterQueues().find((q) => q.url.endsWith(`/${dest.split(':').pop()}`))?.url;
            if (!url) throw new Error(`OnFailure destination ${dest} is no queue of the app`);
            await clients.sqs.send(
              url,
              JSON.stringify({
                requestContext: { requestId: `emulated-${stats.invocations}`, functionArn: `arn:aws:lambda:us-east-1:123456789012:function:${fn.name}`, condition: 'RetryAttemptsExhausted', approximateInvokeCount: attempt + 1 },
                version: '1.0',
                timestamp: new Date().toISOString(),
                DDBStreamBatchInfo: { shardId: ShardId, startSequenceNumber: batch[0]!.dynamodb.SequenceNumber, endSequenceNumber: batch.at(-1)!.dynamodb.SequenceNumber, batchSize: batch.length, streamArn },
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
