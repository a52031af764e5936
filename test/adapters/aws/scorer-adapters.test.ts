// The scheduled scorer's AWS adapters over S3 on moto_server: Athena UNLOAD reads, the customer_scores writer and
// reader, and the bus with its ledger of published ids. Athena itself is a statement runner standing in for it
// (moto answers Athena with canned results): it writes into moto's buckets what an UNLOAD would write there.
import { gunzipSync, gzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AthenaUnloadReader, unloadStatement } from '../../../src/adapters/aws/athena-unload.ts';
import { CustomerScoresStore, listPartitionDates } from '../../../src/adapters/aws/customer-scores.ts';
import { LedgeredEventBus } from '../../../src/adapters/aws/ledgered-event-bus.ts';
import type { BusEntry } from '../../../src/events/bus.ts';
import type { DedupStore } from '../../../src/ports/index.ts';
import { hasMoto, startMoto, type MotoServer } from '../../helpers/moto.ts';
import { createBuckets, s3Client } from '../../helpers/moto-aws.ts';
import { customerScore } from './fixtures.ts';

let moto: MotoServer;
const client = () => s3Client(moto.endpoint);

/** Puts an object at "<bucket>/<key>". */
async function put(path: string, body: Uint8Array | string): Promise<void> {
  const [bucket, ...key] = path.split('/');
  await client().send(new PutObjectCommand({ Bucket: bucket, Key: key.join('/'), Body: body }));
}

/** Every object of the buckets, as "<bucket>/<key>", sorted. */
async function keys(...buckets: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const Bucket of buckets) for (const o of (await client().send(new ListObjectsV2Command({ Bucket }))).Contents ?? []) out.push(`${Bucket}/${o.Key}`);
  return out.sort();
}

async function get(path: string): Promise<Buffer> {
  const [bucket, ...key] = path.split('/');
  return Buffer.from(await (await client().send(new GetObjectCommand({ Bucket: bucket, Key: key.join('/') }))).Body!.transformToByteArray());
}

beforeAll(async () => {
  if (!hasMoto) return;
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.close();
});
beforeEach(async () => {
  if (!hasMoto) return;
  await moto.reset();
  await createBuckets(moto, 'results', 'curated');
});

describe.skipIf(!hasMoto)('AthenaUnloadReader', () => {
  it('UNLOADs the query as gzip JSON under a fresh scratch prefix, reads every line back and deletes the files', async () => {
    const statements: string[] = [];
    const runner = {
      run: async (sql: string) => {
        statements.push(sql);
        const prefix = /to 's3:\/\/results\/(results\/unload\/[^']+)'/.exec(sql)![1]!;
        await put(`results/${prefix}20250301_1`, gzipSync('{"customer_key":"a","orders_total":3,"channel_mix":{"store":0.5}}\n{"customer_key":"b","orders_total":1,"channel_mix":null}\n'));
        await put(`results/${prefix}20250301_2`, gzipSync('{"customer_key":"c","orders_total":2,"channel_mix":{}}\n'));
      },
    };
    const reader = new AthenaUnloadReader({ runner, scratch: 's3://results/results/unload/', client: client() });
    const rows = await reader.rows('select * from customer_tags where dt = \'2025-03-01\';');
    expect(rows).toEqual([
      { customer_key: 'a', orders_total: 3, channel_mix: { store: 0.5 } },
      { customer_key: 'b', orders_total: 1, channel_mix: null },
      { customer_key: 'c', orders_total: 2, channel_mix: {} },
    ]);
    expect(statements[0]).toMatch(/^unload \(select \* from customer_tags where dt = '2025-03-01'\) to 's3:\/\/results\/results\/unload\/[0-9a-f-]{36}\/' with \(format = 'JSON', compression = 'GZIP'\)$/);
    expect(await keys('results')).toEqual([]);
  });

  it('writes Parquet with SNAPPY when asked for a partition', () => {
    expect(unloadStatement('select 1', 's3://b/customer_scores/dt=2025-03-01/', 'PARQUET')).toBe("unload (select 1) to 's3://b/customer_scores/dt=2025-03-01/' with (format = 'PARQUET', compression = 'SNAPPY')");
    // A query with a WITH clause goes in as a subquery relation.
    expect(unloadStatement('  with t as (select 1 as x) select x from t;', 's3://b/p/', 'JSON')).toBe(
      "unload (select * from (with t as (select 1 as x) select x from t)) to 's3://b/p/' with (format = 'JSON', compression = 'GZIP')",
    );
  });
});

const score = customerScore;

describe.skipIf(!hasMoto)('CustomerScoresStore', () => {
  it('replaces a day: stages the rows as JSON lines, clears dt=<day>/, UNLOADs only this run’s rows as Parquet, removes the stage', async () => {
    await put('curated/customer_scores/dt=2025-03-01/old.parquet', new Uint8Array([1]));
    const statements: string[] = [];
    let staged: Record<string, unknown>[] = [];
    const runner = {
      run: async (sql: string) => {
        statements.push(sql);
        const stage = (await keys('curated')).filter((k) => k.startsWith('curated/staging/customer_scores/'));
        staged = (await Promise.all(stage.map(get))).flatMap((v) => gunzipSync(v).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>));
        // the target was cleared before the UNLOAD
        expect((await keys('curated')).some((k) => k.startsWith('curated/customer_scores/dt=2025-03-01/'))).toBe(false);
        await put('curated/customer_scores/dt=2025-03-01/20250302_0', new Uint8Array([2]));
      },
    };
    const store = new CustomerScoresStore({ runner, reader: { rows: async () => [] }, curatedLocation: 's3://curated/', client: client() });
    expect(await store.write('2025-03-01', [score('a', '2025-03-01'), score('b', '2025-03-01')])).toBe('s3://curated/customer_scores/dt=2025-03-01/');
    expect(staged.map((r) => r.customer_key)).toEqual(['a', 'b']);
    expect(staged[0]!.top_reasons).toBe(JSON.stringify(score('a', '2025-03-01').top_reasons));
    expect(statements).toHaveLength(1);
    const run = /like '%\/(run-[0-9a-f-]{36}-)%'/.exec(statements[0]!)![1];
    expect(statements[0]).toMatch(/^unload \(select "customer_key", "member_id", "as_of", .*"scored_at" from customer_scores_load where "\$path" like '%\/run-[0-9a-f-]+-%'\) to 's3:\/\/curated\/customer_scores\/dt=2025-03-01\/' with \(format = 'PARQUET', compression = 'SNAPPY'\)$/);
    expect(run).toBeDefined();
    expect(await keys('curated')).toEqual(['curated/customer_scores/dt=2025-03-01/20250302_0']);
  });

  it('rejects rows of another day', async () => {
    const store = new CustomerScoresStore({ runner: { run: async () => {} }, reader: { rows: async () => [] }, curatedLocation: 's3://curated/', client: client() });
    await expect(store.write('2025-03-01', [score('a', '2025-02-28')])).rejects.toThrow(/a row is as of 2025-02-28/);
  });

  it('finds the previous scoring from the dt= prefixes and reads it back as CustomerScore rows', async () => {
    for (const d of ['2025-02-27', '2025-02-28', '2025-03-01']) await put(`curated/customer_scores/dt=${d}/part`, new Uint8Array([1]));
    // A load-table file beside the partitions is not a scoring.
    await put('curated/customer_scores/_SUCCESS', '');
    const queries: string[] = [];
    const reader = {
      rows: async (sql: string) => (queries.push(sql), [{ ...score('a', '2025-02-28'), top_reasons: JSON.stringify(score('a', '2025-02-28').top_reasons), scored_at: '2025-03-01 03:30:00.000', churn_percentile: '40.0', dt: '2025-02-28' }]),
    };
    const store = new CustomerScoresStore({ runner: { run: async () => {} }, reader, curatedLocation: 's3://curated/', client: client() });
    expect(await store.previousDate('2025-03-01')).toBe('2025-02-28');
    expect(await store.previousDate('2025-02-27')).toBeUndefined();
    expect(await listPartitionDates('s3://curated/customer_scores/', { client: client() })).toEqual(['2025-02-27', '2025-02-28', '2025-03-01']);
    const [row] = await store.read('2025-02-28');
    expect(row).toEqual({ ...score('a', '2025-02-28'), scored_at: '2025-03-01T03:30:00.000Z' });
    expect(queries).toEqual(["select * from customer_scores where dt = date '2025-02-28'"]);
  });
});

describe('LedgeredEventBus', () => {
  const entry = (id: string): BusEntry => ({ Source: 'retail-lake.models', DetailType: 'CustomerChurnRiskRaised', Detail: JSON.stringify({ event_id: id }), EventBusName: 'b', Time: '2025-03-01T00:00:00.000Z' });
  function ledger(): DedupStore & { keys: Set<string> } {
    const keys = new Set<string>();
    return { keys, seen: async (ks) => ks.map((k) => keys.has(k)), remember: async (ks) => void ks.forEach((k) => keys.add(k)) };
  }

  it('remembers the ids of the events EventBridge took, and answers which ids were published', async () => {
    const sent: BusEntry[] = [];
    const l = ledger();
    const bus = new LedgeredEventBus({ putEvents: async (e) => void sent.push(...e) }, l);
    await bus.putEvents([entry('e1'), entry('e2')]);
    expect(sent).toHaveLength(2);
    expect([...l.keys]).toEqual(['event:e1', 'event:e2']);
    expect(await bus.published(['e2', 'e3'])).toEqual(new Set(['e2']));
  });

  it('remembers nothing when EventBridge rejects the entries, so the next run sends them again', async () => {
    const l = ledger();
    const bus = new LedgeredEventBus({ putEvents: async () => Promise.reject(new Error('throttled')) }, l);
    await expect(bus.putEvents([entry('e1')])).rejects.toThrow('throttled');
    expect(l.keys.size).toBe(0);
  });
});
