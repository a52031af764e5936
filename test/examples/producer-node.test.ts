/**
 * The Node producer example (examples/producer-node/producer.ts) against kinesalite, through a fault proxy that makes
 * Kinesis answer as it does under load: PutRecords calls where some records fail (ProvisionedThroughputExceeded,
 * InternalFailure: those records are not written, the others are) and a call throttled whole. Proves that the failed
 * records are retried and every event lands on the stream exactly once, and that batches keep to the limits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateStreamCommand, DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { batches, MAX_BYTES_PER_CALL, MAX_RECORDS_PER_CALL, partitionKey, putEvents, type ProducerEvent } from '../../examples/producer-node/producer.ts';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION, FaultProxy, kinesisThrottle, startKinesalite, type Emulator } from '../integration/harness/emulators.ts';

interface PutRecordsBody {
  StreamName: string;
  Records: { Data: string; PartitionKey: string }[];
}

describe('the Node producer example against kinesalite', () => {
  let kinesalite: Emulator;
  let proxy: FaultProxy;
  let client: KinesisClient;
  /** Per PutRecords call that reached the stream: how many records it carried. */
  const callSizes: number[] = [];
  let failedInjected = 0;

  beforeAll(async () => {
    kinesalite = await startKinesalite();
    proxy = await new FaultProxy(kinesalite.endpoint).start();
    let putCalls = 0;
    proxy.rule = async (req, forward) => {
      if (req.operation !== 'PutRecords') return forward();
      putCalls++;
      const body = JSON.parse(req.body.toString('utf8')) as PutRecordsBody;
      callSizes.push(body.Records.length);
      // The second call is throttled whole: nothing of it is written.
      if (putCalls === 2) return kinesisThrottle(proxy);
      // The first three calls lose every third record: forwarded without them, answered with an error in their place.
      if (putCalls > 4) return forward();
      const dropped = new Set(body.Records.map((_, i) => i).filter((i) => i % 3 === 1));
      const res = await forward(Buffer.from(JSON.stringify({ ...body, Records: body.Records.filter((_, i) => !dropped.has(i)) })));
      const kept = (JSON.parse(res.body.toString('utf8')) as { Records: object[] }).Records;
      const records: object[] = [];
      let k = 0;
      body.Records.forEach((_, i) => {
        if (dropped.has(i)) {
          failedInjected++;
          records.push(i % 2 ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard (fault proxy)' } : { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service failure (fault proxy)' });
        } else records.push(kept[k++]!);
      });
      return { ...res, body: Buffer.from(JSON.stringify({ FailedRecordCount: dropped.size, Records: records })) };
    };
    client = new KinesisClient({ endpoint: proxy.endpoint, region: EMULATOR_REGION, credentials: EMULATOR_CREDENTIALS, requestHandler: new NodeHttpHandler(), maxAttempts: 1 });
    await client.send(new CreateStreamCommand({ StreamName: 'events', ShardCount: 2 }));
    for (let i = 0; i < 100; i++) {
      if ((await client.send(new DescribeStreamCommand({ StreamName: 'events' }))).StreamDescription?.StreamStatus === 'ACTIVE') break;
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  afterAll(async () => {
    await proxy?.close();
    await kinesalite?.close();
  });

  async function readAll(): Promise<{ data: string; key: string }[]> {
    const out: { data: string; key: string }[] = [];
    for (const shard of (await client.send(new ListShardsCommand({ StreamName: 'events' }))).Shards ?? []) {
      let it = (await client.send(new GetShardIteratorCommand({ StreamName: 'events', ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      while (it) {
        const r = await client.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10_000 }));
        out.push(...(r.Records ?? []).map((x) => ({ data: Buffer.from(x.Data!).toString('utf8'), key: x.PartitionKey! })));
        it = r.Records?.length ? r.NextShardIterator : undefined;
      }
    }
    return out;
  }

  it('retries the records PutRecords reports failed (and a throttled call) until every event lands, once each', async () => {
    const events: ProducerEvent[] = Array.from({ length: 1_200 }, (_, i) => ({
      event_id: `e-${i}`,
      type: 'app.view',
      identities: i % 4 === 0 ? {} : { member_id: `M${i % 37}` },
      payload: { sku: `SKU${i}` },
    }));
    const delays: number[] = [];
    const r = await putEvents(client, 'events', events, { sleep: async (ms) => void delays.push(ms), random: () => 1 });
    expect(failedInjected).toBeGreaterThan(0);
    expect(proxy.faults).toBe(1);
    expect(r.failed).toEqual([]);
    expect(r.accepted).toBe(1_200);
    expect(r.retried).toBeGreaterThan(0);
    // Backoff grows between rounds (random() = 1: the full capped delay).
    expect(delays.length).toBeGreaterThan(0);
    expect(delays).toEqual([...delays].sort((a, b) => a - b));

    const landed = await readAll();
    const ids = landed.map((l) => (JSON.parse(l.data) as ProducerEvent).event_id);
    expect(ids.length).toBe(1_200);
    expect(new Set(ids)).toEqual(new Set(events.map((e) => e.event_id)));
    // Partition key: the member id when there is one, else the event id.
    for (const l of landed) expect(l.key).toBe(partitionKey(JSON.parse(l.data) as ProducerEvent));
    expect(landed.find((l) => l.data.includes('"e-5"'))!.key).toBe('M5');
    // No call carried more than 500 records.
    expect(Math.max(...callSizes)).toBeLessThanOrEqual(MAX_RECORDS_PER_CALL);
  });

  it('gives up on a record after its attempts and returns it with the error, rather than dropping it', async () => {
    const saved = proxy.rule;
    proxy.rule = async (req, forward) => (req.operation === 'PutRecords' ? kinesisThrottle(proxy) : forward());
    try {
      const r = await putEvents(client, 'events', [{ event_id: 'never' }], { maxAttempts: 3, sleep: async () => undefined });
      expect(r.accepted).toBe(0);
      expect(r.calls).toBe(3);
      expect(r.failed).toEqual([{ event: { event_id: 'never' }, errorCode: 'ProvisionedThroughputExceededException', errorMessage: expect.any(String) }]);
    } finally {
      proxy.rule = saved;
    }
  });

  it('splits batches at 500 records and at 5 MiB', () => {
    const small = Array.from({ length: 1_001 }, () => ({ bytes: 100 }));
    expect(batches(small).map((b) => b.length)).toEqual([500, 500, 1]);
    const big = Array.from({ length: 12 }, () => ({ bytes: 1_000_000 }));
    const sizes = batches(big).map((b) => b.reduce((a, x) => a + x.bytes, 0));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_BYTES_PER_CALL);
    expect(batches(big).map((b) => b.length)).toEqual([5, 5, 2]);
  });
});
