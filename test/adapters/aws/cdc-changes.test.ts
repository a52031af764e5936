/**
 * ERP change data capture in AWS, on moto_server (S3, DynamoDB): Debezium change events on the stream go through the
 * cleanser's batch code (the per-batch Kinesis handler, with its shard checkpoints) to curated_<table>_changes as
 * gzip JSON lines, bad ones to quarantine; an incremental file landed under landing/<table>/ goes to the same change
 * log through the batch load. Checked against hand-computed rows of the fixtures (test/fixtures/cdc, hand-computed in
 * test/ingest/cdc-history.test.ts) and against the local `ingest` / `load-table --incremental` on the same input: the
 * same counts and the same change_ids (a hash of table, op, key, time and row: equal ids, equal rows).
 */
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { DynamoDbDedupStore } from '../../../src/adapters/aws/dynamodb-dedup-store.ts';
import { DynamoDbShardCheckpoints } from '../../../src/adapters/aws/dynamodb-shard-checkpoints.ts';
import { loadLandedBatchTable } from '../../../src/adapters/aws/landed-batch-table.ts';
import { RoutingLakeSink } from '../../../src/adapters/aws/routing-lake-sink.ts';
import { S3LakeSink } from '../../../src/adapters/aws/s3-lake-sink.ts';
import { createCleanser } from '../../../src/cleanse/cleanser.ts';
import { createStreamHandler } from '../../../src/cleanse/stream-handler.ts';
import type { IngestCounts } from '../../../src/cleanse/batch.ts';
import { routeChangeEvent } from '../../../src/ingest/changes.ts';
import { ingestChangeFiles } from '../../../src/ingest/change-load.ts';
import { loadBatchTable } from '../../../src/ingest/batch-tables.ts';
import { hasMoto, useMoto } from '../../helpers/moto.ts';
import { awsConfig, createKeyTable, s3Client } from '../../helpers/moto-aws.ts';
import { FIXTURES, sql, tempDir } from '../../ingest/lake.ts';

const CDC = path.join(FIXTURES, 'cdc');
const tmp = tempDir('cdc-aws');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const BUCKETS = { landing: 'landing', curated: 'curated', quarantine: 'quarantine' };
const DEDUP = 'dedup';

async function jsonRows(s3: S3Client, bucket: string, prefix: string): Promise<Record<string, unknown>[]> {
  const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  const out: Record<string, unknown>[] = [];
  for (const o of list.Contents ?? []) {
    expect(o.Key!).toMatch(/\.json\.gz$/);
    const body = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }))).Body!.transformToByteArray());
    out.push(...gunzipSync(body).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>));
  }
  return out;
}

const localIds = async (lake: string, table: string) =>
  (await sql<{ change_id: string }>(lake, `select change_id from read_parquet('${lake}/curated/${table}_changes/**/*.parquet')`)).map((r) => r.change_id).sort();

/** The counts a function publishes, in the local counts' shape. */
const plain = (c: IngestCounts) => ({ received: c.received, clean: c.clean, quarantined: c.quarantined, duplicates: c.duplicates, suppressed: c.suppressed, byReason: c.byReason });

describe.skipIf(!hasMoto)('ERP changes in AWS', () => {
  const aws = useMoto();
  const setup = async () => {
    const s3 = s3Client(aws.moto.endpoint);
    for (const b of Object.values(BUCKETS)) await s3.send(new CreateBucketCommand({ Bucket: b }));
    await createKeyTable(aws.moto, DEDUP);
    const ddb = new DynamoDBClient(awsConfig(aws.moto.endpoint));
    return { s3, dedup: new DynamoDbDedupStore({ tableName: DEDUP, ttlDays: 7, client: ddb }), ddb };
  };

  it('writes Debezium change events from Kinesis to the change logs as the local ingest does, and a change sent again is a duplicate', async () => {
    const { s3, dedup, ddb } = await setup();
    const sink = new S3LakeSink({ buckets: { curated: BUCKETS.curated, quarantine: BUCKETS.quarantine }, client: s3 });
    const tables = ['curated_products_changes', 'curated_stores_changes', 'curated_members_changes', 'curated_stock_snapshots_changes', 'quarantine_events'];
    const counts: IngestCounts[] = [];
    // The cleanser's ports as lambdas/shared/cleanser-deps.ts builds them, with moto behind them.
    const handle = createStreamHandler(
      async () => ({
        cleanser: createCleanser({ piiKey: 'cdc-test-key-0123456789abcdef0123' }),
        sink: new RoutingLakeSink(Object.fromEntries(tables.map((t) => [t, sink]))),
        dedup,
        checkpoints: new DynamoDbShardCheckpoints({ tableName: DEDUP, client: ddb }),
        route: routeChangeEvent,
      }),
      (c) => counts.push(c),
    );
    const lines = fs.readFileSync(path.join(CDC, 'changes.jsonl'), 'utf8').split('\n').filter(Boolean);
    let seq = 1000;
    const kinesis = (batch: string[]): KinesisStreamEvent => ({
      Records: batch.map((l) => {
        const s = String(seq++);
        return { eventSource: 'aws:kinesis', eventID: `shardId-000000000000:${s}`, kinesis: { data: Buffer.from(l).toString('base64'), sequenceNumber: s, approximateArrivalTimestamp: Date.now() / 1000 } } as unknown as KinesisStreamEvent['Records'][number];
      }),
    });
    expect(await handle(kinesis(lines))).toEqual({ batchItemFailures: [] });

    // Locally: the same lines as a file through `retail-lake ingest`.
    const file = path.join(tmp, 'changes.jsonl');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const lake = path.join(tmp, 'stream-lake');
    const local = await ingestChangeFiles([file], { lakeDir: lake });
    // 12 records: 6 changes (the wrapped copy of SKU1's update is a duplicate), 5 bad ones (test/ingest/changes.test.ts).
    expect(plain(counts[0]!)).toEqual({ received: 12, clean: 6, quarantined: 5, duplicates: 1, suppressed: 0, byReason: local.byReason });
    expect(local).toMatchObject({ received: 12, clean: 6, quarantined: 5, duplicates: 1 });

    // By hand: SKU1 beauty, then skincare from 2024-04-01 08:00; SKU2 food, deleted on 2024-05-01 (its key only).
    const products = await jsonRows(s3, BUCKETS.curated, 'products_changes/');
    expect(products.map((r) => [r.op, r.sku, r.category ?? null, r.changed_at]).sort()).toEqual([
      ['d', 'SKU2', null, '2024-05-01T00:00:00.000Z'],
      ['r', 'SKU1', 'beauty', '2024-01-01T00:00:00.000Z'],
      ['r', 'SKU2', 'food', '2024-01-01T00:00:00.000Z'],
      ['u', 'SKU1', 'skincare', '2024-04-01T08:00:00.000Z'],
    ]);
    const members = await jsonRows(s3, BUCKETS.curated, 'members_changes/');
    expect(members.map((r) => [r.op, r.member_id, r.tier, r.joined_at]).sort()).toEqual([
      ['r', 'M-A', 'silver', '2022-01-08'],
      ['u', 'M-A', 'gold', '2022-01-08'],
    ]);
    expect(products.every((r) => String(r.origin).startsWith('kinesis:shardId-000000000000:'))).toBe(true);
    // The same changes as the local lake's, id for id.
    expect(products.map((r) => r.change_id).sort()).toEqual(await localIds(lake, 'products'));
    expect(members.map((r) => r.change_id).sort()).toEqual(await localIds(lake, 'members'));

    // Quarantined naming field and value, as locally (the line that is not JSON goes through the event cleanser).
    const bad = await jsonRows(s3, BUCKETS.quarantine, 'events/');
    const localBad = await sql<Record<string, unknown>>(lake, `select reason_code, field_path, message, raw_payload from read_parquet('${lake}/quarantine/events/**/*.parquet', hive_partitioning = true) where reason_code <> 'json.malformed'`);
    // The messages differ only in when the record was received (the bound of a plausible change time).
    const key = (r: Record<string, unknown>) => `${String(r.reason_code)} ${String(r.field_path)} ${String(r.message).replace(/received \(\S+Z\)/, 'received (then)')} ${String(r.raw_payload)}`;
    expect(bad.filter((r) => r.reason_code !== 'json.malformed').map(key).sort()).toEqual(localBad.map(key).sort());
    expect(bad.map((r) => [r.reason_code, r.field_path ?? null]).sort()).toEqual([
      ['json.malformed', null], // the event cleanser's: not JSON, so not told apart from a broken lake event
      ['schema.unknown_type', 'source.table'],
      ['timestamp.implausible', 'source.ts_ms'],
      ['value.invalid_format', 'after.list_price'],
      ['value.not_allowed', 'op'],
    ]);
    expect(bad.find((r) => r.reason_code === 'value.invalid_format')!.message).toContain('"abc"');

    // The connector sends its good changes again (at least once): new records, the same changes, all duplicates.
    const good = lines.slice(0, 7);
    expect(await handle(kinesis(good))).toEqual({ batchItemFailures: [] });
    expect(plain(counts[1]!)).toEqual({ received: 7, clean: 0, quarantined: 0, duplicates: 7, suppressed: 0, byReason: {} });
    expect(await jsonRows(s3, BUCKETS.curated, 'products_changes/')).toHaveLength(4);
  });

  it('appends an incremental file landed under landing/stores/ to the change log as load-table --incremental does; the same file again adds nothing', async () => {
    const { s3, dedup } = await setup();
    const csv = fs.readFileSync(path.join(CDC, 'stores.csv'));
    const key = 'landing/stores/stores.csv';
    await s3.send(new PutObjectCommand({ Bucket: BUCKETS.landing, Key: key, Body: csv }));
    const runner = { run: () => Promise.reject(new Error('no Athena statement expected for changes')) };
    const load = () => loadLandedBatchTable({ bucket: BUCKETS.landing, key }, { runner, dedup, curatedBucket: BUCKETS.curated, quarantineBucket: BUCKETS.quarantine, client: s3 });
    const first = await load();

    const lake = path.join(tmp, 'file-lake');
    const file = path.join(tmp, 'stores.csv');
    fs.writeFileSync(file, csv);
    const local = await loadBatchTable('stores', file, { lakeDir: lake, mode: 'incremental' });
    expect(plain(first.counts)).toEqual(plain({ ...local, suppressed: local.suppressed ?? 0 }));

    // By hand: S1 and S2 opened (upserts), s1 closed on 04-15 (deleted: the key standardised to S1); S3's country
    // CHN and S4's updated_at "yesterday" are refused, naming the field and the value.
    const rows = await jsonRows(s3, BUCKETS.curated, 'stores_changes/');
    expect(rows.map((r) => [r.op, r.store_id, r.changed_at, r.origin]).sort()).toEqual([
      ['d', 'S1', '2024-04-15T00:00:00.000Z', 'file:stores.csv:4'],
      ['u', 'S1', '2024-01-01T00:00:00.000Z', 'file:stores.csv:2'],
      ['u', 'S2', '2024-01-01T00:00:00.000Z', 'file:stores.csv:3'],
    ]);
    expect(rows.map((r) => r.change_id).sort()).toEqual(await localIds(lake, 'stores'));
    const bad = await jsonRows(s3, BUCKETS.quarantine, 'events/source=batch_stores/');
    const localBad = await sql<Record<string, unknown>>(lake, `select reason_code, field_path, message, raw_payload, origin from read_parquet('${lake}/quarantine/events/**/*.parquet', hive_partitioning = true)`);
    const k = (r: Record<string, unknown>) => `${String(r.reason_code)} ${String(r.field_path)} ${String(r.message)} ${String(r.raw_payload)} ${String(r.origin)}`;
    expect(bad.map(k).sort()).toEqual(localBad.map(k).sort());
    expect(bad.map((r) => [r.field_path, r.origin]).sort()).toEqual([
      ['country', 'file:stores.csv:5'],
      ['updated_at', 'file:stores.csv:6'],
    ]);
    expect(bad.find((r) => r.field_path === 'updated_at')!.message).toContain('"yesterday"');

    // Dropped again (a retried event, the same export again): every row a duplicate, as the local load counts it.
    const again = await load();
    const localAgain = await loadBatchTable('stores', file, { lakeDir: lake, mode: 'incremental' });
    expect(plain(again.counts)).toEqual({ received: 5, clean: 0, quarantined: 0, duplicates: 5, suppressed: 0, byReason: {} });
    expect(plain(again.counts)).toEqual(plain({ ...localAgain, suppressed: localAgain.suppressed ?? 0 }));
    expect(await jsonRows(s3, BUCKETS.curated, 'stores_changes/')).toHaveLength(3);
  });

  it('refuses an incremental file without the dedup table, and one without the key column, writing nothing', async () => {
    const { s3, dedup } = await setup();
    const key = 'landing/stores/changes-0415.csv';
    const runner = { run: () => Promise.reject(new Error('no statement expected')) };
    await s3.send(new PutObjectCommand({ Bucket: BUCKETS.landing, Key: key, Body: 'store_id,name,city,region,country,is_online,updated_at,deleted\nS1,One,Shanghai,East,CN,false,2024-04-15T00:00:00Z,true\n' }));
    await expect(loadLandedBatchTable({ bucket: BUCKETS.landing, key }, { runner, curatedBucket: BUCKETS.curated, quarantineBucket: BUCKETS.quarantine, client: s3 })).rejects.toThrow(/needs the dedup table.*nothing was written/);
    await s3.send(new PutObjectCommand({ Bucket: BUCKETS.landing, Key: key, Body: 'name,city,region,country,is_online,updated_at\nOne,Shanghai,East,CN,false,2024-04-15T00:00:00Z\n' }));
    await expect(loadLandedBatchTable({ bucket: BUCKETS.landing, key }, { runner, dedup, curatedBucket: BUCKETS.curated, quarantineBucket: BUCKETS.quarantine, client: s3 })).rejects.toThrow(/no column "store_id".*Nothing was written/);
    for (const b of [BUCKETS.curated, BUCKETS.quarantine]) expect((await s3.send(new ListObjectsV2Command({ Bucket: b }))).KeyCount).toBe(0);
  });
});
