// Kinesis throttling (producer and consumer) and a replay of the whole shard: nothing lost, nothing twice.
import { describe, expect, it } from 'vitest';
import { KinesisPoller, MemoryCheckpointStore } from '../../src/adapters/aws/kinesis-poller.ts';
import { LocalDedupStore } from '../../src/adapters/local/dedup-store.ts';
import { FaultProxy, kinesisThrottle } from './harness/emulators.ts';
import { useStreamFixture } from './harness/lifecycle.ts';
import { expectExactLake, only } from './harness/reconcile.ts';
import { cleanserHandler, dedupFromS3, kinesisClient, putAll, readLake, s3Sink, type LakeContents } from './harness/stream.ts';

// About 1,200 lines: six batches of 200, enough to fail, crash and replay in the middle of a stream.
const fx = useStreamFixture(60, 60);

const BATCH = 200;

describe('Kinesis throttling and replays', () => {
  it('retries throttled PutRecords calls, throttled entries and throttled GetRecords with backoff, losing nothing', async () => {
    // Arrange: in front of Kinesis, every third PutRecords is throttled whole, every other one has a quarter of its
    // entries rejected with ProvisionedThroughputExceeded, and every second GetRecords is throttled.
    const proxy = await new FaultProxy(fx.env.kinesisEndpoint).start();
    let puts = 0;
    let gets = 0;
    proxy.rule = async (req, forward) => {
      if (req.operation === 'PutRecords') {
        puts++;
        if (puts % 3 === 0) return kinesisThrottle(proxy);
        const body = JSON.parse(req.body.toString('utf8')) as { Records: unknown[] };
        const keep = body.Records.map((_, i) => i % 4 !== 1);
        const res = await forward(Buffer.from(JSON.stringify({ ...body, Records: body.Records.filter((_, i) => keep[i]) })));
        if (res.status !== 200) return res;
        const accepted = JSON.parse(res.body.toString('utf8')) as { FailedRecordCount?: number; Records: object[] };
        let j = 0;
        const records = keep.map((k) => (k ? accepted.Records[j++]! : { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded (fault proxy)' }));
        proxy.faults++;
        const failed = records.filter((r) => 'ErrorCode' in r).length;
        return { ...res, body: Buffer.from(JSON.stringify({ ...accepted, FailedRecordCount: failed, Records: records })) };
      }
      if (req.operation === 'GetRecords' && ++gets % 2 === 0) return kinesisThrottle(proxy);
      return forward();
    };
    const throttled = kinesisClient(proxy.endpoint);
    const { handler, counts } = cleanserHandler(s3Sink(fx.env.s3, fx.env.buckets), new LocalDedupStore());
    const poller = new KinesisPoller({ streamName: fx.env.stream, handler, checkpoints: new MemoryCheckpointStore(), batchSize: BATCH, client: throttled, baseDelayMs: 5 });

    // Act
    const produced = await putAll(throttled, fx.env.stream, fx.data.lines);
    const stats = await poller.drain();
    await proxy.close();

    // Assert
    const e = fx.data.expected;
    expect(produced.throttledCalls).toBeGreaterThan(0);
    expect(produced.failedRecords).toBeGreaterThan(0);
    expect(produced.put).toBe(e.records);
    expect(stats.throttled).toBeGreaterThan(0);
    expect(only(counts)).toEqual({ received: e.records, clean: e.clean, quarantined: e.quarantined, duplicates: e.duplicates });
    expectExactLake(await readLake(fx.env.s3, fx.env.buckets), counts, e);
  });

  it('replays the whole shard from TRIM_HORIZON after a restart: every record a duplicate, the lake unchanged', async () => {
    // Arrange: a first consumer ingests everything; then a new one starts with no checkpoint (TRIM_HORIZON) and the
    // dedup store a restarted consumer has: what S3 holds.
    await putAll(fx.env.kinesis, fx.env.stream, fx.data.lines);
    const first = cleanserHandler(s3Sink(fx.env.s3, fx.env.buckets), new LocalDedupStore());
    await new KinesisPoller({ streamName: fx.env.stream, handler: first.handler, checkpoints: new MemoryCheckpointStore(), batchSize: BATCH, client: fx.env.kinesis }).drain();
    const before = await readLake(fx.env.s3, fx.env.buckets);

    // Act
    const replay = cleanserHandler(s3Sink(fx.env.s3, fx.env.buckets), await dedupFromS3(fx.env.s3, fx.env.buckets));
    const stats = await new KinesisPoller({
      streamName: fx.env.stream,
      handler: replay.handler,
      checkpoints: new MemoryCheckpointStore(),
      batchSize: BATCH,
      client: fx.env.kinesis,
      startingPosition: 'TRIM_HORIZON',
    }).drain();

    // Assert
    const e = fx.data.expected;
    expect(stats.checkpointed).toBe(e.records);
    expect(only(replay.counts)).toEqual({ received: e.records, clean: 0, quarantined: 0, duplicates: e.records });
    const after = await readLake(fx.env.s3, fx.env.buckets);
    expectExactLake(after, first.counts, e);
    const ids = (l: LakeContents) => ({
      events: l.events.map((r) => r.event_id).sort(),
      lines: l.lines.length,
      quarantine: l.quarantine.map((r) => r.quarantine_id).sort(),
    });
    expect(ids(after)).toEqual(ids(before));
  });
});
