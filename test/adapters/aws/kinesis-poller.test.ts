// The Kinesis poller (the local twin of Lambda's event source mapping) against Kinesis on moto_server: two shards,
// real PutRecords / ListShards / GetShardIterator / GetRecords calls. The fault and crash cases (throttles, expired
// iterators, a killed consumer) run on kinesalite with a fault proxy in test/integration/.
import { CreateStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { kinesisClientConfig } from '../../../src/adapters/aws/clients.ts';
import { KinesisPoller, KinesisPollerError, MemoryCheckpointStore } from '../../../src/adapters/aws/kinesis-poller.ts';
import { hasMoto, MOTO_CREDENTIALS, MOTO_REGION, startMoto, type MotoServer } from '../../helpers/moto.ts';

const N = 120;

describe.skipIf(!hasMoto)('KinesisPoller on moto', () => {
  let moto: MotoServer;
  let kinesis: KinesisClient;
  /** Payloads handled (accepted) per shard, in the order the handler finished them. */
  let handled: Map<string, number[]>;

  const decode = (event: KinesisStreamEvent) => event.Records.map((r) => ({ seq: r.kinesis.sequenceNumber, n: Number(Buffer.from(r.kinesis.data, 'base64').toString('utf8')), shard: r.eventID.split(':')[0]! }));
  const poller = (handler: (event: KinesisStreamEvent) => Promise<{ batchItemFailures: { itemIdentifier: string }[] } | void>, checkpoints = new MemoryCheckpointStore()) =>
    new KinesisPoller({ streamName: 'events', handler, checkpoints, batchSize: 25, idleDelayMs: 0, client: kinesis, sleep: async () => {} });

  beforeAll(async () => {
    moto = await startMoto();
    kinesis = new KinesisClient({ ...kinesisClientConfig({ endpoint: moto.endpoint, region: MOTO_REGION }), credentials: MOTO_CREDENTIALS });
  });
  afterAll(async () => {
    await moto?.close();
  });
  beforeEach(async () => {
    await moto.reset();
    await kinesis.send(new CreateStreamCommand({ StreamName: 'events', ShardCount: 2 }));
    // Partition keys spread the records over both shards; each record's data is its number.
    for (let i = 0; i < N; i += 40) {
      const Records = Array.from({ length: 40 }, (_, j) => ({ Data: Buffer.from(String(i + j)), PartitionKey: `customer-${i + j}` }));
      await kinesis.send(new PutRecordsCommand({ StreamName: 'events', Records }));
    }
    handled = new Map();
  });

  const accept = (records: { n: number; shard: string }[]) => {
    for (const r of records) handled.set(r.shard, [...(handled.get(r.shard) ?? []), r.n]);
  };
  const allHandled = () => [...handled.values()].flat().sort((a, b) => a - b);

  it('hands every record of every shard to the handler once, in shard order, and a restart from the checkpoints reads nothing again', async () => {
    const checkpoints = new MemoryCheckpointStore();
    const stats = await poller(async (e) => accept(decode(e)), checkpoints).drain();
    expect(allHandled()).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(handled.size).toBe(2);
    // Within a shard, records arrive in the order they were put.
    for (const ns of handled.values()) expect(ns).toEqual([...ns].sort((a, b) => a - b));
    expect(stats).toMatchObject({ delivered: N, checkpointed: N, redelivered: 0 });
    const again = await poller(async (e) => accept(decode(e)), checkpoints).drain();
    expect(again.delivered).toBe(0);
  });

  it('redelivers from the first failed record of a partial batch response: nothing skipped, nothing before it twice', async () => {
    let failedOnce = false;
    const stats = await poller(async (e) => {
      const records = decode(e);
      const bad = records.findIndex((r) => r.n === 57);
      if (bad >= 0 && !failedOnce) {
        failedOnce = true;
        accept(records.slice(0, bad));
        return { batchItemFailures: [{ itemIdentifier: records[bad]!.seq }] };
      }
      accept(records);
    }).drain();
    expect(failedOnce).toBe(true);
    expect(allHandled()).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(stats).toMatchObject({ partialFailures: 1, checkpointed: N });
  });

  it('stops the shard with KinesisPollerError rather than skip a record that keeps failing', async () => {
    const err = await poller(async (e) => {
      const records = decode(e);
      const bad = records.find((r) => r.n === 57);
      if (bad) return { batchItemFailures: [{ itemIdentifier: bad.seq }] };
      accept(records);
    })
      .drain()
      .catch((x: unknown) => x);
    expect(err).toBeInstanceOf(KinesisPollerError);
    expect((err as Error).message).toMatch(/failed 10 time\(s\); stopping the shard rather than skipping records/);
    expect(allHandled()).not.toContain(57);
  });
});
