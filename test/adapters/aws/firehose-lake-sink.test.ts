import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { FirehoseLakeSink } from '../../../src/adapters/aws/firehose-lake-sink.ts';
import { FirehoseWriteError } from '../../../src/adapters/aws/errors.ts';

const firehose = mockClient(FirehoseClient);
const noSleep = { sleep: async () => {} };
const sink = () =>
  new FirehoseLakeSink({ streams: { curated_events: 'events-stream' }, client: new FirehoseClient({ region: 'us-east-1' }), retry: noSleep });
const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ event_id: `e${i}`, source: 'pos', dt: '2025-03-01' }));
const decode = (d: Uint8Array | undefined) => Buffer.from(d!).toString('utf8');

describe('FirehoseLakeSink', () => {
  beforeEach(() => firehose.reset());

  it('sends each row as one JSON line to the table’s delivery stream', async () => {
    // Arrange
    firehose.on(PutRecordBatchCommand).resolves({ FailedPutCount: 0, RequestResponses: [{}, {}] });
    // Act
    await sink().append('curated_events', rows(2));
    // Assert
    const calls = firehose.commandCalls(PutRecordBatchCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input.DeliveryStreamName).toBe('events-stream');
    expect(calls[0]!.args[0].input.Records!.map((r) => decode(r.Data))).toEqual([
      '{"event_id":"e0","source":"pos","dt":"2025-03-01"}\n',
      '{"event_id":"e1","source":"pos","dt":"2025-03-01"}\n',
    ]);
  });

  it('splits more than 500 rows into several PutRecordBatch calls', async () => {
    firehose.on(PutRecordBatchCommand).resolves({ FailedPutCount: 0 });
    await sink().append('curated_events', rows(1201));
    const sizes = firehose.commandCalls(PutRecordBatchCommand).map((c) => c.args[0].input.Records!.length);
    expect(sizes).toEqual([500, 500, 201]);
  });

  it('retries only the entries Firehose rejected', async () => {
    firehose
      .on(PutRecordBatchCommand)
      .resolvesOnce({ FailedPutCount: 1, RequestResponses: [{ RecordId: 'a' }, { ErrorCode: 'ServiceUnavailableException' }, { RecordId: 'c' }] })
      .resolves({ FailedPutCount: 0 });
    await sink().append('curated_events', rows(3));
    const calls = firehose.commandCalls(PutRecordBatchCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.args[0].input.Records!.map((r) => decode(r.Data))).toEqual(['{"event_id":"e1","source":"pos","dt":"2025-03-01"}\n']);
  });

  it('retries a throttled call as a whole', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ServiceUnavailableException', $metadata: { httpStatusCode: 503 } });
    firehose.on(PutRecordBatchCommand).rejectsOnce(throttled).resolves({ FailedPutCount: 0 });
    await sink().append('curated_events', rows(2));
    expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(2);
  });

  it('fails with FirehoseWriteError when entries are still rejected after every retry', async () => {
    firehose.on(PutRecordBatchCommand).resolves({ FailedPutCount: 1, RequestResponses: [{ ErrorCode: 'InternalFailure' }] });
    const err = await sink().append('curated_events', rows(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FirehoseWriteError);
    expect((err as FirehoseWriteError).failedCount).toBe(1);
    expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(6);
  });

  it('rejects a table that has no delivery stream', async () => {
    await expect(sink().append('quarantine_events', rows(1))).rejects.toThrow(/no delivery stream for table quarantine_events/);
  });

  it('fails on a non-retryable error without retrying', async () => {
    firehose.on(PutRecordBatchCommand).rejects(Object.assign(new Error('not authorised'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
    await expect(sink().append('curated_events', rows(1))).rejects.toThrow(/PutRecordBatch to events-stream failed: not authorised/);
    expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(1);
  });
});
