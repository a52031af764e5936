// Generated events -> kinesalite -> KinesisPoller -> cleanser handler -> S3LakeSink -> s3rver, reconciled exactly.
import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KinesisPoller, MemoryCheckpointStore } from '../../src/adapters/aws/kinesis-poller.ts';
import { LocalDedupStore } from '../../src/adapters/local/dedup-store.ts';
import { generateSmallRetailer, type GeneratedEvents } from './harness/data.ts';
import { startTestEnv, type TestEnv } from './harness/env.ts';
import { expectExactLake } from './harness/reconcile.ts';
import { cleanserHandler, createStream, putAll, readLake, s3Sink } from './harness/stream.ts';

let data: GeneratedEvents;
let env: TestEnv;

beforeAll(async () => {
  data = await generateSmallRetailer();
});
afterAll(() => fs.rmSync(data.dir, { recursive: true, force: true }));
beforeEach(async () => {
  env = await startTestEnv();
});
afterEach(async () => {
  await env.close();
});

describe('stream to S3 through the emulators', () => {
  it('turns every record into exactly one clean, quarantined or duplicate outcome, and S3 holds each once', async () => {
    // Arrange
    await createStream(env.kinesis, env.stream, 2);
    const produced = await putAll(env.kinesis, env.stream, data.lines);
    const { handler, counts } = cleanserHandler(s3Sink(env.s3, env.buckets), new LocalDedupStore());
    const poller = new KinesisPoller({ streamName: env.stream, handler, checkpoints: new MemoryCheckpointStore(), batchSize: 250, client: env.kinesis });

    // Act
    const stats = await poller.drain();

    // Assert
    const e = data.expected;
    expect(produced.put).toBe(e.records);
    expect(stats.checkpointed).toBe(e.records);
    expect({ received: counts.received, clean: counts.clean, quarantined: counts.quarantined, duplicates: counts.duplicates, byReason: counts.byReason }).toEqual({
      received: e.records,
      clean: e.clean,
      quarantined: e.quarantined,
      duplicates: e.duplicates,
      byReason: e.byReason,
    });
    const lake = await readLake(env.s3, env.buckets);
    expectExactLake(lake, counts, e);
    expect(lake.lines.length).toBeGreaterThan(0);
  });

  it('keeps raw phone numbers and e-mails out of the curated objects', async () => {
    await createStream(env.kinesis, env.stream);
    await putAll(env.kinesis, env.stream, data.lines.slice(0, 800));
    const { handler } = cleanserHandler(s3Sink(env.s3, env.buckets), new LocalDedupStore());
    await new KinesisPoller({ streamName: env.stream, handler, checkpoints: new MemoryCheckpointStore(), batchSize: 400, client: env.kinesis }).drain();

    const lake = await readLake(env.s3, env.buckets);
    const text = JSON.stringify([...lake.events, ...lake.lines]);
    expect(lake.events.length).toBeGreaterThan(0);
    expect(text).not.toMatch(/\b1[3-9]\d{9}\b/); // a mainland mobile number
    expect(text).not.toMatch(/[a-z0-9._-]+@[a-z0-9-]+\.[a-z]{2,}/i);
  });
});
