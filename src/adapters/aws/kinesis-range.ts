/**
 * One shard's records between two sequence numbers (both included), read again from the stream: the raw copy's
 * redrive of a range its event source mapping described in the DLQ (lambdas/raw-copy). Fails when the stream no longer
 * holds the first record (its retention passed), rather than copy part of the range without a word.
 */
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import type { StreamRecord } from '../../cleanse/raw-copy.ts';
import { kinesisClientConfig, type ClientOptions } from './clients.ts';
import { AwsAdapterError } from './errors.ts';

export async function readShardRange(
  o: ClientOptions & { readonly streamName: string; readonly shardId: string; readonly startSequence: string; readonly endSequence: string; readonly client?: KinesisClient },
): Promise<StreamRecord[]> {
  const client = o.client ?? new KinesisClient(kinesisClientConfig(o));
  const where = `${o.streamName} ${o.shardId} ${o.startSequence}..${o.endSequence}`;
  const end = BigInt(o.endSequence);
  const out: StreamRecord[] = [];
  try {
    let iterator = (await client.send(new GetShardIteratorCommand({ StreamName: o.streamName, ShardId: o.shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: o.startSequence }))).ShardIterator;
    while (iterator) {
      const res = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const r of res.Records ?? []) {
        if (BigInt(r.SequenceNumber!) > end) return out;
        out.push({ shardId: o.shardId, sequenceNumber: r.SequenceNumber!, arrivalMs: r.ApproximateArrivalTimestamp!.getTime(), data: Buffer.from(r.Data!) });
      }
      // An empty answer at the shard's tip (MillisBehindLatest 0): the range ends before the records put since.
      iterator = res.Records?.length || (res.MillisBehindLatest ?? 0) > 0 ? res.NextShardIterator : undefined;
    }
  } catch (e) {
    throw new AwsAdapterError(`cannot read ${where} from the stream: ${(e as Error).message}`, { cause: e });
  }
  if (out[0]?.sequenceNumber !== o.startSequence) throw new AwsAdapterError(`cannot read ${where} from the stream: its first record is no longer there (retention passed?)`);
  return out;
}
