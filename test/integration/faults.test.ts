// Faults on the emulated AWS path, each followed by recovery and an exact reconciliation: nothing lost, no event
// twice in curated, quarantine intact. Emulators start per test on free loopback ports.
import fs from 'node:fs';
import path from 'node:path';
import { fork } from 'node:child_process';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FileCheckpointStore, KinesisPoller, MemoryCheckpointStore } from '../../src/adapters/aws/kinesis-poller.ts';
import { LocalDedupStore } from '../../src/adapters/local/dedup-store.ts';
import { addCounts, emptyCounts, type IngestCounts } from '../../src/cleanse/batch.ts';
import type { ConsumerMessage, ConsumerProcessOptions } from './harness/consumer-process.ts';
import { generateSmallRetailer, type GeneratedEvents } from './harness/data.ts';
import { FaultProxy, kinesisThrottle, s3InternalError } from './harness/emulators.ts';
import { startTestEnv, type TestEnv } from './harness/env.ts';
import {
  cleanserHandler,
  createStream,
  dedupFromS3,
  kinesisClient,
  putAll,
  readLake,
  reconcile,
  s3Client,
  s3Sink,
  type ExpectedCounts,
  type LakeContents,
} from './harness/stream.ts';

let data: GeneratedEvents;
let env: TestEnv;

beforeAll(async () => {
  data = await generateSmallRetailer();
});
afterAll(() => fs.rmSync(data.dir, { recursive: true, force: true }));
beforeEach(async () => {
  env = await startTestEnv();
  await createStream(env.kinesis, env.stream);
});
afterEach(async () => {
  await env.close();
});

const BATCH = 500;

/** The lake must hold exactly the expected clean events and quarantine rows, each once. */
function expectExactLake(lake: LakeContents, counts: IngestCounts, e: ExpectedCounts): void {
  expect(reconcile(counts, lake)).toEqual({
    balanced: true,
    curatedEvents: e.clean,
    distinctCuratedEvents: e.clean,
    orderLines: lake.lines.length,
    distinctOrderLines: lake.lines.length,
    quarantineRows: e.quarantined,
    distinctQuarantineRows: e.quarantined,
    quarantineByReason: e.byReason,
  });
}

function only(c: IngestCounts) {
  return { received: c.received, clean: c.clean, quarantined: c.quarantined, duplicates: c.duplicates };
}

/**
 * Counts are per delivery: a record delivered again after its batch partly failed has one more outcome, a duplicate
 * when it was written the first time. So clean and quarantined are exact, and every delivery beyond the records put
 * is a duplicate.
 */
function expectExactCounts(c: IngestCounts, e: ExpectedCounts): void {
  const extraDeliveries = c.received - e.records;
  expect(extraDeliveries).toBeGreaterThanOrEqual(0);
  expect(only(c)).toEqual({ received: e.records + extraDeliveries, clean: e.clean, quarantined: e.quarantined, duplicates: e.duplicates + extraDeliveries });
}

/** Runs consumer-process.ts and collects the counts it reports; resolves when it exits (by itself or killed). */
function runConsumer(o: ConsumerProcessOptions): Promise<{ counts: IngestCounts; signal: NodeJS.Signals | null; checkpointed?: number }> {
  const counts = emptyCounts();
  let checkpointed: number | undefined;
  const child = fork(path.join(import.meta.dirname, 'harness', 'consumer-process.ts'), [JSON.stringify(o)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child.on('message', (m: ConsumerMessage) => {
    if (m.kind === 'batch') addCounts(counts, { ...m, byReason: {} });
    else checkpointed = m.checkpointed;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code !== 0 && signal === null) reject(new Error(`consumer exited with code ${code}`));
      else resolve({ counts, signal, checkpointed });
    });
  });
}

describe('faults on the emulated stream', () => {
  it('recovers from a consumer killed between its S3 write and its checkpoint: no loss, no second copy', async () => {
    // Arrange: the producer is done; the consumer dies (SIGKILL) in its third batch, after the batch's clean rows
    // reached S3 and before it remembered or checkpointed them.
    await putAll(env.kinesis, env.stream, data.lines);
    const o: ConsumerProcessOptions = {
      kinesisEndpoint: env.kinesisEndpoint,
      s3Endpoint: env.s3Endpoint,
      buckets: env.buckets,
      stream: env.stream,
      checkpointFile: path.join(env.dir, 'checkpoints.json'),
      batchSize: BATCH,
    };

    // Act
    const crashed = await runConsumer({ ...o, dieInBatch: 3 });
    const checkpoint = await new FileCheckpointStore(o.checkpointFile).get('shardId-000000000000');
    const landedBeforeRestart = (await readLake(env.s3, env.buckets)).events.length;
    const restarted = await runConsumer(o);

    // Assert
    const e = data.expected;
    expect(crashed.signal).toBe('SIGKILL');
    expect(checkpoint).toBeDefined();
    expect(crashed.counts.received).toBe(2 * BATCH); // two batches finished and were checkpointed
    expect(restarted.checkpointed).toBe(e.records - 2 * BATCH); // the restart began after the checkpoint
    const total = addCounts(addCounts(emptyCounts(), crashed.counts), restarted.counts);
    // The crashed batch's clean rows were in S3: after the restart they are duplicates, not second copies.
    const orphaned = landedBeforeRestart - crashed.counts.clean;
    expect(orphaned).toBeGreaterThan(0);
    expect(only(total)).toEqual({ received: e.records, clean: e.clean - orphaned, quarantined: e.quarantined, duplicates: e.duplicates + orphaned });
    expectExactLake(await readLake(env.s3, env.buckets), total, e);
  });

  it('reports failed S3 writes as batch item failures, redelivers them, and writes each record once when S3 is back', async () => {
    // Arrange: S3 answers every PutObject with 500 InternalError during three deliveries, then heals.
    await putAll(env.kinesis, env.stream, data.lines);
    const proxy = await new FaultProxy(env.s3Endpoint).start();
    let outage = false;
    proxy.rule = async (req, forward) => (outage && req.method === 'PUT' ? s3InternalError(proxy) : forward());
    const { handler, counts } = cleanserHandler(s3Sink(s3Client(proxy.endpoint, 1), env.buckets), new LocalDedupStore());
    let batches = 0;
    let failedDeliveries = 0;
    const poller = new KinesisPoller({
      streamName: env.stream,
      handler,
      checkpoints: new MemoryCheckpointStore(),
      batchSize: BATCH,
      client: env.kinesis,
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
    const e = data.expected;
    expectExactCounts(counts, e);
    expectExactLake(await readLake(env.s3, env.buckets), counts, e);
  });

  it('takes back the curated events of a batch whose order lines failed to write, so the retry leaves no second copy', async () => {
    // Arrange: PutObject fails for order_lines only, for a while: each failing batch has already written its events.
    await putAll(env.kinesis, env.stream, data.lines);
    const proxy = await new FaultProxy(env.s3Endpoint).start();
    let failuresLeft = 0;
    proxy.rule = async (req, forward) => {
      if (req.method === 'PUT' && req.url.includes('/order_lines/') && failuresLeft > 0) {
        failuresLeft--;
        return s3InternalError(proxy);
      }
      return forward();
    };
    const { handler, counts } = cleanserHandler(s3Sink(s3Client(proxy.endpoint, 1), env.buckets), new LocalDedupStore());
    let batches = 0;
    const poller = new KinesisPoller({
      streamName: env.stream,
      handler,
      checkpoints: new MemoryCheckpointStore(),
      batchSize: BATCH,
      client: env.kinesis,
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
    const e = data.expected;
    expectExactCounts(counts, e);
    expectExactLake(await readLake(env.s3, env.buckets), counts, e);
  });

  it('retries throttled PutRecords calls, throttled entries and throttled GetRecords with backoff, losing nothing', async () => {
    // Arrange: in front of Kinesis, every third PutRecords is throttled whole, every other one has a quarter of its
    // entries rejected with ProvisionedThroughputExceeded, and every second GetRecords is throttled.
    const proxy = await new FaultProxy(env.kinesisEndpoint).start();
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
    const { handler, counts } = cleanserHandler(s3Sink(env.s3, env.buckets), new LocalDedupStore());
    const poller = new KinesisPoller({ streamName: env.stream, handler, checkpoints: new MemoryCheckpointStore(), batchSize: BATCH, client: throttled, baseDelayMs: 5 });

    // Act
    const produced = await putAll(throttled, env.stream, data.lines);
    const stats = await poller.drain();
    await proxy.close();

    // Assert
    const e = data.expected;
    expect(produced.throttledCalls).toBeGreaterThan(0);
    expect(produced.failedRecords).toBeGreaterThan(0);
    expect(produced.put).toBe(e.records);
    expect(stats.throttled).toBeGreaterThan(0);
    expect(only(counts)).toEqual({ received: e.records, clean: e.clean, quarantined: e.quarantined, duplicates: e.duplicates });
    expectExactLake(await readLake(env.s3, env.buckets), counts, e);
  });

  it('replays the whole shard from TRIM_HORIZON after a restart: every record a duplicate, the lake unchanged', async () => {
    // Arrange: a first consumer ingests everything; then a new one starts with no checkpoint (TRIM_HORIZON) and the
    // dedup store a restarted consumer has: what S3 holds.
    await putAll(env.kinesis, env.stream, data.lines);
    const first = cleanserHandler(s3Sink(env.s3, env.buckets), new LocalDedupStore());
    await new KinesisPoller({ streamName: env.stream, handler: first.handler, checkpoints: new MemoryCheckpointStore(), batchSize: BATCH, client: env.kinesis }).drain();
    const before = await readLake(env.s3, env.buckets);

    // Act
    const replay = cleanserHandler(s3Sink(env.s3, env.buckets), await dedupFromS3(env.s3, env.buckets));
    const stats = await new KinesisPoller({
      streamName: env.stream,
      handler: replay.handler,
      checkpoints: new MemoryCheckpointStore(),
      batchSize: BATCH,
      client: env.kinesis,
      startingPosition: 'TRIM_HORIZON',
    }).drain();

    // Assert
    const e = data.expected;
    expect(stats.checkpointed).toBe(e.records);
    expect(only(replay.counts)).toEqual({ received: e.records, clean: 0, quarantined: 0, duplicates: e.records });
    const after = await readLake(env.s3, env.buckets);
    expectExactLake(after, first.counts, e);
    const ids = (l: LakeContents) => ({
      events: l.events.map((r) => r.event_id).sort(),
      lines: l.lines.length,
      quarantine: l.quarantine.map((r) => r.quarantine_id).sort(),
    });
    expect(ids(after)).toEqual(ids(before));
  });
});
