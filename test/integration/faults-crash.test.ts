// A consumer process killed between its S3 write and its checkpoint, then restarted: nothing lost, no second copy.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileCheckpointStore } from '../../src/adapters/aws/kinesis-poller.ts';
import { addCounts, emptyCounts } from '../../src/cleanse/batch.ts';
import type { ConsumerProcessOptions } from './harness/consumer-process.ts';
import { useStreamFixture } from './harness/lifecycle.ts';
import { expectExactLake, only, runConsumer } from './harness/reconcile.ts';
import { putAll, readLake } from './harness/stream.ts';

// About 1,200 lines: six batches of 200, enough to fail, crash and replay in the middle of a stream.
const fx = useStreamFixture(60, 60);

const BATCH = 200;

describe('the consumer dies and restarts', () => {
  it('recovers from a consumer killed between its S3 write and its checkpoint: no loss, no second copy', async () => {
    // Arrange: the producer is done; the consumer dies (SIGKILL) in its third batch, after the batch's clean rows
    // reached S3 and before it remembered or checkpointed them.
    await putAll(fx.env.kinesis, fx.env.stream, fx.data.lines);
    const o: ConsumerProcessOptions = {
      kinesisEndpoint: fx.env.kinesisEndpoint,
      s3Endpoint: fx.env.s3Endpoint,
      buckets: fx.env.buckets,
      stream: fx.env.stream,
      checkpointFile: path.join(fx.env.dir, 'checkpoints.json'),
      batchSize: BATCH,
    };

    // Act
    const crashed = await runConsumer({ ...o, dieInBatch: 3 });
    const checkpoint = await new FileCheckpointStore(o.checkpointFile).get('shardId-000000000000');
    const landedBeforeRestart = (await readLake(fx.env.s3, fx.env.buckets)).events.length;
    const restarted = await runConsumer(o);

    // Assert
    const e = fx.data.expected;
    expect(crashed.signal).toBe('SIGKILL');
    expect(checkpoint).toBeDefined();
    expect(crashed.counts.received).toBe(2 * BATCH); // two batches finished and were checkpointed
    expect(restarted.checkpointed).toBe(e.records - 2 * BATCH); // the restart began after the checkpoint
    const total = addCounts(addCounts(emptyCounts(), crashed.counts), restarted.counts);
    // The crashed batch's clean rows were in S3: after the restart they are duplicates, not second copies.
    const orphaned = landedBeforeRestart - crashed.counts.clean;
    expect(orphaned).toBeGreaterThan(0);
    expect(only(total)).toEqual({ received: e.records, clean: e.clean - orphaned, quarantined: e.quarantined, duplicates: e.duplicates + orphaned });
    expectExactLake(await readLake(fx.env.s3, fx.env.buckets), total, e);
  });
});
