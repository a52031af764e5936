/**
 * The pieces of the AWS replay that are pure: the raw copy's envelope (lambdas/raw-envelope) read back byte for byte,
 * the selection a DLQ message names (sequence numbers beyond 2^53), and requests refused with the field and the value.
 * The replay itself runs in the emulated cloud day (test/cloud/day.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { handler as envelope } from '../../lambdas/raw-envelope/handler.ts';
import { inSelection, parseEnvelopes, selectionFromDlqMessage } from '../../src/cleanse/replay.ts';
import { parseReplayRequest, rawSelection } from '../../src/ops/replay.ts';

const SEQ = (n: number) => `4965100000000000000000000000000000000000000000000000${String(n).padStart(4, '0')}`;

describe('raw copy envelope', () => {
  it('keeps any record byte for byte with the shard, sequence number and arrival time the cleanser would use', async () => {
    const records = [Buffer.from('{"event_id":"a"}'), Buffer.from([0x7b, 0x22, 0xe4, 0xb8, 0x22, 0x7d]), Buffer.from('{"text":"two\nlines"}')];
    const event: FirehoseTransformationEvent = {
      invocationId: 'i',
      deliveryStreamArn: 'arn:aws:firehose:us-east-1:1:deliverystream/raw',
      region: 'us-east-1',
      records: records.map((r, i) => ({
        recordId: String(i),
        approximateArrivalTimestamp: 1_765_100_000_000 + i,
        data: r.toString('base64'),
        kinesisRecordMetadata: { shardId: 'shardId-000000000003', partitionKey: 'k', approximateArrivalTimestamp: 1_765_100_000_000 + i, sequenceNumber: SEQ(i), subsequenceNumber: '0' },
      })),
    };
    const out = await envelope(event);
    expect(out.records.map((r) => r.result)).toEqual(['Ok', 'Ok', 'Ok']);
    // Firehose concatenates the transformed records into one object.
    const object = out.records.map((r) => Buffer.from(r.data!, 'base64').toString('utf8')).join('');
    expect(object.split('\n').filter(Boolean)).toHaveLength(3);
    const back = parseEnvelopes(object, 's3://raw/stream/dt=2025-12-07/x.gz');
    expect(back.map((r) => Buffer.from(r.data).equals(records[back.indexOf(r)]!))).toEqual([true, true, true]);
    expect(back.map((r) => r.origin)).toEqual([0, 1, 2].map((i) => `kinesis:shardId-000000000003:${SEQ(i)}`));
    expect(back.map((r) => r.receivedAt)).toEqual([0, 1, 2].map((i) => 1_765_100_000_000 + i));
  });

  it('rejects a line that is not an envelope, naming the object and the line', () => {
    expect(() => parseEnvelopes('{"origin":"kinesis:s:1","received_at":1,"data":""}\n{"event_id":"x"}\n', 's3://raw/k')).toThrow(/s3:\/\/raw\/k line 2 lacks origin, received_at or data/);
  });
});

describe('what a DLQ message selects', () => {
  const message = {
    requestContext: { requestId: 'r', functionArn: 'arn:aws:lambda:us-east-1:1:function:cleanser', condition: 'RetryAttemptsExhausted', approximateInvokeCount: 6 },
    version: '1.0',
    timestamp: '2025-12-07T10:00:00.000Z',
    KinesisBatchInfo: {
      shardId: 'shardId-000000000003',
      startSequenceNumber: SEQ(10),
      endSequenceNumber: SEQ(12),
      approximateArrivalOfFirstRecord: '2025-12-07T09:59:00.000Z',
      approximateArrivalOfLastRecord: '2025-12-07T09:59:30.000Z',
      batchSize: 3,
      streamArn: 'arn:aws:kinesis:us-east-1:1:stream/events',
    },
  };
  const at = Date.parse('2025-12-07T09:59:10Z');

  it('selects the batch\'s shard and sequence range only, comparing sequence numbers exactly', () => {
    const sel = rawSelection(parseReplayRequest({ stage: 'prod', from: 'dlq', message }) as Extract<ReturnType<typeof parseReplayRequest>, { from: 'dlq' }>);
    const rec = (shard: string, n: number, t = at) => ({ data: Buffer.alloc(0), origin: `kinesis:${shard}:${SEQ(n)}`, receivedAt: t });
    // 56-digit sequence numbers differ in their last digits: as Numbers they would all be equal.
    expect([9, 10, 11, 12, 13].map((n) => inSelection(rec('shardId-000000000003', n), sel))).toEqual([false, true, true, true, false]);
    expect(inSelection(rec('shardId-000000000002', 11), sel)).toBe(false);
    expect(inSelection(rec('shardId-000000000003', 11, Date.parse('2025-12-07T10:05:00Z')), sel)).toBe(false);
  });

  it('rejects a message that is not a Lambda on-failure record, naming what is missing', () => {
    expect(() => selectionFromDlqMessage({ shardId: 'x' })).toThrow(/expected a Lambda on-failure record with KinesisBatchInfo/);
    expect(() => selectionFromDlqMessage({ KinesisBatchInfo: { ...message.KinesisBatchInfo, endSequenceNumber: undefined } })).toThrow(/KinesisBatchInfo.endSequenceNumber must be a string, received undefined/);
  });
});

describe('replay requests', () => {
  it('rejects an unknown reason code, a range backwards and a sequence range without its shard, naming field and value', () => {
    expect(() => parseReplayRequest({ stage: 'prod', from: 'quarantine', reason: 'schema.typo' })).toThrow(/replay reason: .*received "schema.typo"/);
    expect(() => parseReplayRequest({ stage: 'prod', from: 'raw', from_time: '2025-12-07T10:00:00Z', to_time: '2025-12-07T09:00:00Z' })).toThrow(/replay from_time: must not be after to_time \(received "2025-12-07T10:00:00Z"\)/);
    expect(() => parseReplayRequest({ stage: 'prod', from: 'raw', from_time: '2025-12-07T09:00:00Z', to_time: '2025-12-07T10:00:00Z', start_sequence: '1' })).toThrow(/replay shard_id: a sequence range needs shard_id/);
    expect(() => parseReplayRequest({ stage: 'Prod', from: 'quarantine' })).toThrow(/replay stage: must be a stage name .*received "Prod"/);
  });
});
