/**
 * The pieces of the AWS replay that are pure: the raw copy's objects (src/cleanse/raw-copy.ts, written by
 * lambdas/raw-copy) read back byte for byte, the selection a DLQ message names (sequence numbers beyond 2^53), and
 * requests refused with the field and the value. The replay itself runs in the emulated cloud day
 * (test/cloud/day.test.ts).
 */
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { rawCopyObjects, type StreamRecord } from '../../src/cleanse/raw-copy.ts';
import { inSelection, parseEnvelopes, selectionFromDlqMessage } from '../../src/cleanse/replay.ts';
import { parseReplayRequest, rawSelection } from '../../src/ops/replay.ts';

const SEQ = (n: number) => `4965100000000000000000000000000000000000000000000000${String(n).padStart(4, '0')}`;

describe('raw copy objects', () => {
  const records = [Buffer.from('{"event_id":"a"}'), Buffer.from([0x7b, 0x22, 0xe4, 0xb8, 0x22, 0x7d]), Buffer.from('{"text":"two\nlines"}')];
  const batch = (arrivals: number[]): StreamRecord[] => records.map((data, i) => ({ shardId: 'shardId-000000000003', sequenceNumber: SEQ(i), arrivalMs: arrivals[i]!, data }));

  it('keeps any record byte for byte with the shard, sequence number and arrival time the cleanser would use', () => {
    const { objects, suppressed } = rawCopyObjects(batch([0, 1, 2].map((i) => 1_765_100_000_000 + i)), { prefix: 'stream/' });
    expect(suppressed).toBe(0);
    // 1_765_100_000_000 ms is 2025-12-07T09:33:20Z: one object, named after the shard and its first and last record.
    expect(objects.map((o) => o.key)).toEqual([`stream/dt=2025-12-07/shardId-000000000003-${SEQ(0)}-${SEQ(2)}.jsonl.gz`]);
    const object = gunzipSync(objects[0]!.body).toString('utf8');
    expect(object.split('\n')).toHaveLength(4); // three lines, each ended by a newline
    const back = parseEnvelopes(object, 's3://raw/stream/dt=2025-12-07/x.gz');
    expect(back.map((r, i) => Buffer.from(r.data).equals(records[i]!))).toEqual([true, true, true]);
    expect(back.map((r) => r.origin)).toEqual([0, 1, 2].map((i) => `kinesis:shardId-000000000003:${SEQ(i)}`));
    expect(back.map((r) => r.receivedAt)).toEqual([0, 1, 2].map((i) => 1_765_100_000_000 + i));
  });

  it('writes the same key and bytes for the same batch (a retry overwrites its own object), and splits a batch at midnight', () => {
    const midnight = Date.parse('2025-12-08T00:00:00Z');
    const arrivals = [midnight - 2, midnight - 1, midnight];
    const once = rawCopyObjects(batch(arrivals), { prefix: 'stream/' }).objects;
    const again = rawCopyObjects(batch(arrivals).reverse(), { prefix: 'stream/' }).objects;
    expect(once.map((o) => o.key)).toEqual([`stream/dt=2025-12-07/shardId-000000000003-${SEQ(0)}-${SEQ(1)}.jsonl.gz`, `stream/dt=2025-12-08/shardId-000000000003-${SEQ(2)}-${SEQ(2)}.jsonl.gz`]);
    expect(again.map((o) => [o.key, o.body.toString('base64')]).sort()).toEqual(once.map((o) => [o.key, o.body.toString('base64')]).sort());
    expect(once.map((o) => o.records)).toEqual([2, 1]);
  });

  it('keeps an erased person\'s record out and counts it', () => {
    const check = { empty: false, matches: () => false, matchesRaw: (t: string) => t.includes('"a"') };
    const { objects, suppressed } = rawCopyObjects(batch([1, 2, 3]), { prefix: 'stream/', suppression: check });
    expect(suppressed).toBe(1);
    expect(objects.map((o) => o.key)).toEqual([`stream/dt=1970-01-01/shardId-000000000003-${SEQ(1)}-${SEQ(2)}.jsonl.gz`]);
    expect(parseEnvelopes(gunzipSync(objects[0]!.body).toString('utf8'), 'x').map((r) => r.origin)).toEqual([1, 2].map((i) => `kinesis:shardId-000000000003:${SEQ(i)}`));
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
