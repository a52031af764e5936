/** cleanseBatch and the stream handler: duplicates counted once, failed writes redelivered and written once. */
import type { KinesisStreamEvent, MSKEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createCleanser } from '../../src/cleanse/cleanser.ts';
import { cleanseBatch } from '../../src/cleanse/batch.ts';
import { BatchWriteError, createStreamHandler } from '../../src/cleanse/stream-handler.ts';
import { event, rec } from './fixtures.ts';
import { MemoryDedup, MemorySink } from './memory-adapters.ts';

const cleanser = createCleanser({ piiKey: 'batch-test-key-0123456789abcdef' });
const setup = () => ({ cleanser, sink: new MemorySink(), dedup: new MemoryDedup() });

describe('cleanseBatch duplicates', () => {
  it('counts an event delivered twice in one batch once', async () => {
    const deps = setup();
    const e = event('pos.sale.v1');
    const r = await cleanseBatch([rec(e, 'k:1'), rec(e, 'k:2'), rec('{', 'k:3')], deps);
    expect(r.counts).toEqual({ received: 3, clean: 1, quarantined: 1, duplicates: 1, suppressed: 0, byReason: { 'json.malformed': 1 } });
    expect(r.dispositions).toEqual(['clean', 'duplicate', 'quarantined']);
    expect(deps.sink.rows('curated_events')).toHaveLength(1);
    expect(deps.sink.rows('curated_order_lines')).toHaveLength(2);
  });

  it('counts an event re-sent later (another batch, another origin) as a duplicate', async () => {
    const deps = setup();
    await cleanseBatch([rec(event('online.order.v1'), 'k:1')], deps);
    const r = await cleanseBatch([rec(event('online.order.v1'), 'k:99')], deps);
    expect(r.counts).toMatchObject({ received: 1, clean: 0, duplicates: 1 });
    expect(deps.sink.rows('curated_events')).toHaveLength(1);
  });

  it('counts an event re-sent with spaces around its event_id as a duplicate (its revenue once)', async () => {
    const deps = setup();
    const e = event('pos.sale.v1') as Record<string, unknown> & { event_id: string };
    const padded = { ...e, event_id: `${e.event_id}  ` };
    const tabbed = { ...e, event_id: `\t${e.event_id}` };
    const r = await cleanseBatch([rec(e, 'k:1'), rec(padded, 'k:2'), rec(tabbed, 'k:3')], deps);
    expect(r.counts).toMatchObject({ received: 3, clean: 1, duplicates: 2 });
    expect(deps.sink.rows<{ event_id: string }>('curated_events').map((x) => x.event_id)).toEqual([e.event_id]);
    // pos.sale.v1 has two lines: written once.
    expect(deps.sink.rows('curated_order_lines')).toHaveLength(2);
    // Padded first: the id is stored trimmed, and the unpadded re-send is the duplicate.
    const other = setup();
    await cleanseBatch([rec(padded, 'k:1')], other);
    expect(other.sink.rows<{ event_id: string }>('curated_events').map((x) => x.event_id)).toEqual([e.event_id]);
    expect((await cleanseBatch([rec(e, 'k:2')], other)).counts).toMatchObject({ clean: 0, duplicates: 1 });
  });

  it('quarantines an event_id of spaces only, naming the field', async () => {
    const deps = setup();
    const r = await cleanseBatch([rec(event('pos.sale.v1', (x) => (x.event_id = '   ')), 'k:1')], deps);
    expect(r.counts).toMatchObject({ quarantined: 1, byReason: { 'value.out_of_range': 1 } });
    expect(deps.sink.rows<{ field_path: string; message: string }>('quarantine_events')[0]).toMatchObject({ field_path: 'event_id', message: expect.stringContaining("'event_id' is blank") });
  });

  it('quarantines a redelivered bad record once', async () => {
    const deps = setup();
    const bad = rec('{"event_id":', 'kinesis:shard-0:7');
    await cleanseBatch([bad], deps);
    const r = await cleanseBatch([bad], deps);
    expect(r.counts).toEqual({ received: 1, clean: 0, quarantined: 0, duplicates: 1, suppressed: 0, byReason: {} });
    expect(deps.sink.rows('quarantine_events')).toHaveLength(1);
  });

  it('quarantines the same bad bytes from two different deliveries (origins) twice: they are two records', async () => {
    const deps = setup();
    const r = await cleanseBatch([rec('{', 'kinesis:shard-0:7'), rec('{', 'kinesis:shard-0:8')], deps);
    expect(r.counts.quarantined).toBe(2);
  });
});

describe('cleanseBatch write failures', () => {
  const batch = () => [rec(event('pos.sale.v1'), 'k:1'), rec(event('online.order.v2'), 'k:2'), rec('not json', 'k:3')];

  it('fails a batch whose curated write fails: the records are reported, not counted, not remembered', async () => {
    const deps = setup();
    deps.sink.failAppend.add('curated_order_lines');
    const r = await cleanseBatch(batch(), deps);
    expect(r.failed).toEqual(['k:1', 'k:2']);
    expect(r.dispositions).toEqual(['failed', 'failed', 'quarantined']);
    expect(r.counts).toEqual({ received: 1, clean: 0, quarantined: 1, duplicates: 0, suppressed: 0, byReason: { 'json.malformed': 1 } });
    expect(deps.dedup.keys.has('pos:pos-sh01-20240301-0001')).toBe(false);

    // Redelivery (the event source retries the failed ones) writes them exactly once.
    deps.sink.failAppend.clear();
    const again = await cleanseBatch(batch().filter((x) => r.failed.includes(x.origin)), deps);
    expect(again.counts).toEqual({ received: 2, clean: 2, quarantined: 0, duplicates: 0, suppressed: 0, byReason: {} });
    const third = await cleanseBatch(batch(), deps);
    expect(third.counts).toEqual({ received: 3, clean: 0, quarantined: 0, duplicates: 3, suppressed: 0, byReason: {} });
    expect(deps.sink.rows('curated_events')).toHaveLength(2);
    expect(deps.sink.rows('quarantine_events')).toHaveLength(1);
  });

  it('does not remember keys whose flush failed', async () => {
    const deps = setup();
    deps.sink.failFlush = true;
    const r = await cleanseBatch(batch(), deps);
    expect(r.failed).toEqual(['k:1', 'k:2', 'k:3']);
    expect(r.counts.received).toBe(0);
    expect(deps.dedup.keys.size).toBe(0);
    deps.sink.failFlush = false;
    const again = await cleanseBatch(batch(), deps);
    expect(again.counts).toEqual({ received: 3, clean: 2, quarantined: 1, duplicates: 0, suppressed: 0, byReason: { 'json.malformed': 1 } });
  });

  it('reports quarantine records whose write failed, and writes them once on redelivery', async () => {
    const deps = setup();
    deps.sink.failAppend.add('quarantine_events');
    const r = await cleanseBatch(batch(), deps);
    expect(r.failed).toEqual(['k:3']);
    expect(r.counts).toEqual({ received: 2, clean: 2, quarantined: 0, duplicates: 0, suppressed: 0, byReason: {} });
    deps.sink.failAppend.clear();
    const again = await cleanseBatch(batch().slice(2), deps);
    expect(again.counts).toEqual({ received: 1, clean: 0, quarantined: 1, duplicates: 0, suppressed: 0, byReason: { 'json.malformed': 1 } });
  });
});

describe('createStreamHandler', () => {
  const kinesis = (records: Array<{ seq: string; data: Buffer }>): KinesisStreamEvent => ({
    Records: records.map(({ seq, data }) => ({
      kinesis: { kinesisSchemaVersion: '1.0', partitionKey: 'p', sequenceNumber: seq, data: data.toString('base64'), approximateArrivalTimestamp: 1_717_200_000 },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${seq}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/x',
      awsRegion: 'eu-west-1',
      eventSourceARN: 'arn:aws:kinesis:eu-west-1:000000000000:stream/s',
    })),
  });
  const records = [
    { seq: '100', data: Buffer.from('oops') },
    { seq: '101', data: Buffer.from(JSON.stringify(event('pos.sale.v1'))) },
    { seq: '102', data: Buffer.from(JSON.stringify(event('review.submitted.v1'))) },
  ];

  it('never fails a batch for bad records', async () => {
    const deps = setup();
    const handler = createStreamHandler(async () => deps);
    expect(await handler(kinesis(records))).toEqual({ batchItemFailures: [] });
    expect(deps.sink.rows('quarantine_events')).toHaveLength(1);
  });

  it('reports the first failed sequence number; resuming there makes every record count exactly once', async () => {
    const deps = setup();
    const totals: number[] = [];
    const handler = createStreamHandler(async () => deps, (c) => totals.push(c.received));
    deps.sink.failAppend.add('curated_events');
    const first = await handler(kinesis(records));
    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: '101' }] });
    deps.sink.failAppend.clear();
    // Kinesis resumes at 101: 101 and 102 come again; 100 (already quarantined) does not.
    expect(await handler(kinesis(records.slice(1)))).toEqual({ batchItemFailures: [] });
    expect(totals.reduce((a, b) => a + b, 0)).toBe(3);
    expect(deps.sink.rows('curated_events')).toHaveLength(2);
    expect(deps.sink.rows('quarantine_events')).toHaveLength(1);
  });

  it('throws for an MSK batch with failed writes, and the whole-batch retry is deduplicated', async () => {
    const deps = setup();
    const handler = createStreamHandler(async () => deps);
    const msk: MSKEvent = {
      eventSource: 'aws:kafka',
      eventSourceArn: 'arn:aws:kafka:eu-west-1:000000000000:cluster/c',
      bootstrapServers: 'b:9092',
      records: {
        'orders-0': records.map((r, i) => ({ topic: 'orders', partition: 0, offset: i, timestamp: 1_717_200_000_000, timestampType: 'CREATE_TIME' as const, key: '', value: r.data.toString('base64'), headers: [] })),
      },
    };
    deps.sink.failAppend.add('curated_events');
    await expect(handler(msk)).rejects.toBeInstanceOf(BatchWriteError);
    deps.sink.failAppend.clear();
    expect(await handler(msk)).toEqual({ batchItemFailures: [] });
    expect(deps.sink.rows('curated_events')).toHaveLength(2);
    expect(deps.sink.rows('quarantine_events')).toHaveLength(1);
  });
});
