/**
 * Per-batch dedup (docs/ingest.md): shard checkpoints for redeliveries, in-batch duplicates dropped by the cleanser,
 * re-sent events removed by the staging views and counted by the re-send query. Real Parquet (the local sink) and the
 * real views (DuckDB), with a cleanser killed between its write and its checkpoint.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KinesisStreamEvent, MSKEvent } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { createCleanser } from '../../src/cleanse/cleanser.ts';
import { addCounts, emptyCounts } from '../../src/cleanse/batch.ts';
import { compareSequence, sortableSequence } from '../../src/cleanse/sequence.ts';
import { createStreamHandler } from '../../src/cleanse/stream-handler.ts';
import { LocalLakeSink } from '../../src/adapters/local/lake-sink.ts';
import { MemoryShardCheckpoints } from '../../src/adapters/local/shard-checkpoints.ts';
import { withLakeCommit } from '../../src/lake/commit.ts';
import { openLakeCatalog } from '../../src/lake/local-catalog.ts';
import { resentEventsByDate } from '../../src/ingest/resends.ts';
import { event } from './fixtures.ts';
import { MemoryDedup, MemorySink } from './memory-adapters.ts';

const cleanser = createCleanser({ piiKey: 'checkpoint-test-key-0123456789abcdef' });
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A Kinesis batch of one shard; arrival times in seconds, as Kinesis gives them. */
const kinesis = (shard: string, records: Array<{ seq: string; data: unknown; arrival: number }>): KinesisStreamEvent => ({
  Records: records.map(({ seq, data, arrival }) => ({
    kinesis: { kinesisSchemaVersion: '1.0', partitionKey: 'p', sequenceNumber: seq, data: Buffer.from(typeof data === 'string' ? data : JSON.stringify(data)).toString('base64'), approximateArrivalTimestamp: arrival },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shard}:${seq}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/x',
    awsRegion: 'eu-west-1',
    eventSourceARN: 'arn:aws:kinesis:eu-west-1:000000000000:stream/s',
  })),
});

describe('sequence numbers', () => {
  it('orders decimal strings of any length numerically', () => {
    expect(compareSequence('9', '10')).toBe(-1);
    expect(compareSequence('49651000000000000000000000000000000000000000000000000002', '49651000000000000000000000000000000000000000000000000010')).toBe(-1);
    expect(compareSequence('007', '7')).toBe(0);
    expect(compareSequence('100', '99')).toBe(1);
    expect(sortableSequence('42')).toHaveLength(128);
    expect(sortableSequence('9') < sortableSequence('10')).toBe(true);
    expect(() => sortableSequence('12a')).toThrow(/1 to 128 decimal digits, received "12a"/);
  });

  it('never lowers a checkpoint', async () => {
    const c = new MemoryShardCheckpoints();
    await c.commit('s', '10');
    await c.commit('s', '9');
    expect(await c.get('s')).toBe('10');
    await c.commit('s', '11');
    expect(await c.get('s')).toBe('11');
    expect(await c.get('other')).toBeUndefined();
  });
});

describe('per-batch dedup over real Parquet and the staging views', () => {
  it('leaves no duplicate in what analysts read, and received = clean + quarantined + duplicates with the re-send count', async () => {
    const lake = fs.mkdtempSync(path.join(os.tmpdir(), 'checkpoint-'));
    dirs.push(lake);
    // Five distinct events; pos.sale.v1 carries two order lines.
    const ids = ['e1', 'e2', 'e3', 'e4', 'e5'];
    const ev = (id: string) => event(id === 'e1' ? 'pos.sale.v1' : 'online.order.v1', (x) => (x.event_id = `ckpt-${id}`));
    const A = kinesis('shardId-000000000000', [
      { seq: '101', data: ev('e1'), arrival: 1_748_800_000 },
      { seq: '102', data: ev('e2'), arrival: 1_748_800_000 },
      { seq: '103', data: ev('e2'), arrival: 1_748_800_001 }, // in-batch duplicate
      { seq: '104', data: '{"event_id":', arrival: 1_748_800_001 }, // quarantined
    ]);
    const B = kinesis('shardId-000000000000', [
      { seq: '105', data: ev('e3'), arrival: 1_748_800_002 },
      { seq: '106', data: ev('e4'), arrival: 1_748_800_002 },
    ]);
    // e1 sent again by its producer: a new sequence number and a new arrival time.
    const C = kinesis('shardId-000000000000', [
      { seq: '107', data: ev('e1'), arrival: 1_748_900_000 },
      { seq: '108', data: ev('e5'), arrival: 1_748_900_000 },
    ]);

    const total = emptyCounts();
    const dedup = new MemoryDedup();
    const checkpoints = new MemoryShardCheckpoints();
    let killNextCommit = true;
    const killing = {
      get: (s: string) => checkpoints.get(s),
      commit: async (s: string, seq: string) => {
        if (seq === '106' && killNextCommit) {
          killNextCommit = false;
          throw new Error('killed after the write, before the checkpoint');
        }
        return checkpoints.commit(s, seq);
      },
    };
    await withLakeCommit(lake, 'ingest', async () => {
      const sink = new LocalLakeSink(lake);
      try {
        const handler = createStreamHandler(async () => ({ cleanser, sink, dedup, checkpoints: killing }), (c) => addCounts(total, c));
        expect(await handler(A)).toEqual({ batchItemFailures: [] });
        await expect(handler(B)).rejects.toThrow(/killed/); // its rows are written (as Firehose would have them)
        expect(await handler(B)).toEqual({ batchItemFailures: [] }); // Lambda retries the batch
        expect(await handler(A)).toEqual({ batchItemFailures: [] }); // a stale redelivery of A
        expect(await handler(C)).toEqual({ batchItemFailures: [] });
        await sink.commit();
      } finally {
        sink.close();
      }
    });

    // Hand-counted: A 4 received (2 clean, 1 in-batch duplicate, 1 quarantined); B's killed delivery reports nothing,
    // its retry 2 clean; A again 4 duplicates (below the checkpoint); C 2 clean (the re-send is not known at ingest).
    expect(total).toMatchObject({ received: 12, clean: 6, quarantined: 1, duplicates: 5 });

    const cat = await openLakeCatalog(lake);
    try {
      const one = async (sql: string) => Number((await cat.conn.runAndReadAll(sql)).getRows()[0]![0]);
      // Written: A 2, B twice 2 + 2, C 2 = 8 event rows; analysts see the 5 events once each.
      expect(await one('select count(*) from curated_events')).toBe(8);
      expect(await one('select count(*) from stg_events')).toBe(5);
      expect((await cat.conn.runAndReadAll('select event_id from stg_events order by event_id')).getRows().map((r) => String(r[0]))).toEqual(ids.map((i) => `ckpt-${i}`));
      // e1's two lines were written twice (A and C); the staging view keeps each line once.
      expect(await one("select count(*) from curated_order_lines where event_id = 'ckpt-e1'")).toBe(4);
      expect(await one("select count(*) from stg_order_lines where event_id = 'ckpt-e1'")).toBe(2);
      expect(await one('select count(*) from stg_quarantine')).toBe(1);
      // The re-send query counts e1's second delivery, not B's copy written by the killed cleanser (same arrival).
      const resent = [...(await resentEventsByDate(cat.conn)).values()].reduce((a, b) => a + b, 0);
      expect(resent).toBe(1);
      // Reconciled over what analysts read.
      const clean = await one('select count(*) from stg_events');
      expect(total.received).toBe(clean + total.quarantined + total.duplicates + resent);
      expect(total.clean - resent).toBe(clean);
    } finally {
      cat.close();
    }
  });

  it.each(['quarantine_events', 'curated_events'])('writes a batch all or nothing and reports its first record when a write to %s fails', async (down) => {
    const rows: string[] = [];
    let fail = true;
    const sink = {
      append: async (t: string, r: readonly object[]) => {
        if (t === down && fail) throw new Error(`${down} stream down`);
        rows.push(...r.map(() => t));
      },
      flush: async () => {},
      commit: async () => {},
      close: () => {},
    };
    const checkpoints = new MemoryShardCheckpoints();
    const total = emptyCounts();
    const handler = createStreamHandler(async () => ({ cleanser, sink, dedup: new MemoryDedup(), checkpoints }), (c) => addCounts(total, c));
    const batch = kinesis('shardId-000000000001', [
      { seq: '7', data: event('online.order.v1', (x) => (x.event_id = 'ckpt-x')), arrival: 1_748_800_000 },
      { seq: '8', data: 'not json', arrival: 1_748_800_000 },
    ]);
    expect(await handler(batch)).toEqual({ batchItemFailures: [{ itemIdentifier: '7' }] });
    expect(total.received).toBe(0);
    expect(await checkpoints.get('shardId-000000000001')).toBeUndefined();
    fail = false;
    expect(await handler(batch)).toEqual({ batchItemFailures: [] });
    // The quarantined record was not remembered by the failed delivery: quarantined now, once.
    expect(total).toMatchObject({ received: 2, clean: 1, quarantined: 1, duplicates: 0 });
    expect(await checkpoints.get('shardId-000000000001')).toBe('8');
  });

  it('keeps a dedup key per event for MSK batches (Kafka offsets have no checkpoints): a batch delivered twice is written once', async () => {
    const sink = new MemorySink();
    const total = emptyCounts();
    const handler = createStreamHandler(async () => ({ cleanser, sink, dedup: new MemoryDedup(), checkpoints: new MemoryShardCheckpoints() }), (c) => addCounts(total, c));
    const data = Buffer.from(JSON.stringify(event('online.order.v1', (x) => (x.event_id = 'ckpt-kafka')))).toString('base64');
    const msk: MSKEvent = {
      eventSource: 'aws:kafka',
      eventSourceArn: 'arn:aws:kafka:eu-west-1:000000000000:cluster/c',
      bootstrapServers: 'b:9092',
      records: { 'orders-0': [{ topic: 'orders', partition: 0, offset: 3, timestamp: 1_717_200_000_000, timestampType: 'CREATE_TIME', key: '', value: data, headers: [] }] },
    };
    await handler(msk);
    await handler(msk);
    expect(sink.rows('curated_events')).toHaveLength(1);
    expect(total).toMatchObject({ received: 2, clean: 1, duplicates: 1 });
  });
});
