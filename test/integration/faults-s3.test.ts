// S3 failing for a while, wholly or for one table: failed records are redelivered and written exactly once.
import { describe, expect, it } from 'vitest';
import { KinesisPoller, MemoryCheckpointStore } from '../../src/adapters/aws/kinesis-poller.ts';
import { LocalDedupStore } from '../../src/adapters/local/dedup-store.ts';
import { FaultProxy, s3InternalError } from './harness/emulators.ts';
import { useStreamFixture } from './harness/lifecycle.ts';
import { expectExactCounts, expectExactLake } from './harness/reconcile.ts';
import { cleanserHandler, putAll, readLake, s3Client, s3Sink } from './harness/stream.ts';

// About 1,200 lines: six batches of 200, enough to fail, crash and replay in the middle of a stream.
const fx = useStreamFixture(60, 60);

const BATCH = 200;

describe('S3 write failures', () => {
  it('reports failed S3 writes as batch item failures, redelivers them, and writes each record once when S3 is back', async () => {
    // Arrange: S3 answers every PutObject with 500 InternalError during three deliveries, then heals.
    await putAll(fx.env.kinesis, fx.env.stream, fx.data.lines);
    const proxy = await new FaultProxy(fx.env.s3Endpoint).start();
    let outage = false;
    proxy.rule = async (req, forward) => (outage && req.method === 'PUT' ? s3InternalError(proxy) : forward());
    const { handler, counts } = cleanserHandler(s3Sink(s3Client(proxy.endpoint, 1), fx.env.buckets), new LocalDedupStore());
    let batches = 0;
    let failedDeliveries = 0;
    const poller = new KinesisPoller({
      streamName: fx.env.stream,
      handler,
      checkpoints: new MemoryCheckpointStore(),
      batchSize: BATCH,
      client: fx.env.kinesis,
      baseDelayMs: 5,
      onBatch: ({ failedFrom }) => {
        if (failedFrom) failedDeliveries++;
        if (++batches === 3) outage = true;
        if (failedDeliveries === 3) outage = false;
      },
    });

    // Act
    const stats = await poller.drain();
    await proxy.close();

    // Assert
    expect(proxy.faults).toBeGreaterThan(0);
    expect(stats.partialFailures).toBe(3);
    expect(stats.redelivered).toBeGreaterThan(0);
    const e = fx.data.expected;
    expectExactCounts(counts, e);
    expectExactLake(await readLake(fx.env.s3, fx.env.buckets), counts, e);
  });

  it('takes back the curated events of a batch whose order lines failed to write, so the retry leaves no second copy', async () => {
    // Arrange: PutObject fails for order_lines only, for a while: each failing batch has already written its events.
    await putAll(fx.env.kinesis, fx.env.stream, fx.data.lines);
    const proxy = await new FaultProxy(fx.env.s3Endpoint).start();
    let failuresLeft = 0;
    proxy.rule = async (req, forward) => {
      if (req.method === 'PUT' && req.url.includes('/order_lines/') && failuresLeft > 0) {
        failuresLeft--;
        return s3InternalError(proxy);
      }
      return forward();
    };
    const { handler, counts } = cleanserHandler(s3Sink(s3Client(proxy.endpoint, 1), fx.env.buckets), new LocalDedupStore());
    let batches = 0;
    const poller = new KinesisPoller({
      streamName: fx.env.stream,
      handler,
      checkpoints: new MemoryCheckpointStore(),
      batchSize: BATCH,
      client: fx.env.kinesis,
      baseDelayMs: 5,
      onBatch: () => {
        if (++batches === 2) failuresLeft = 4;
      },
    });

    // Act
    const stats = await poller.drain();
    await proxy.close();

    // Assert
    expect(proxy.faults).toBe(4);
    expect(stats.partialFailures).toBeGreaterThan(0);
    const e = fx.data.expected;
    expectExactCounts(counts, e);
    expectExactLake(await readLake(fx.env.s3, fx.env.buckets), counts, e);
  });
});
