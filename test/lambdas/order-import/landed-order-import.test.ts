// The order-import Lambda's core end to end against s3rver (a real S3 API on a loopback port): an export dropped
// under landing/orders/ comes out as curated order lines and quarantine rows with reasons, counts reconcile, and the
// same file dropped again imports nothing twice.
import fs from 'node:fs';
import { createPii } from '../../../src/cleanse/pii.ts';
import os from 'node:os';
import path from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3ClientConfig } from '../../../src/adapters/aws/clients.ts';
import { importLandedObject, keyCandidates } from '../../../src/adapters/aws/landed-order-import.ts';
import { S3LakeSink } from '../../../src/adapters/aws/s3-lake-sink.ts';
import { parseColumnMap } from '../../../src/ingest/order-import-core.ts';
import type { DedupStore } from '../../../src/ports/index.ts';

interface S3rver {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
const S3rverCtor = createRequire(import.meta.url)('s3rver') as new (o: object) => S3rver;

let server: S3rver;
let dir: string;
let endpoint: string;
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const client = () => new S3Client({ ...s3ClientConfig({ endpoint, region: 'us-east-1' }), credentials });

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 's3rver-import-'));
  server = new S3rverCtor({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: 'raw' }, { name: 'curated' }, { name: 'quarantine' }] });
  endpoint = `http://127.0.0.1:${(await server.run()).port}`;
});

afterAll(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A dedup store in memory (the DynamoDB one has its own adapter tests). */
function memoryDedup(): DedupStore {
  const keys = new Set<string>();
  return { seen: async (ks) => ks.map((k) => keys.has(k)), remember: async (ks) => void ks.forEach((k) => keys.add(k)) };
}

async function rowsUnder(bucket: string, prefix: string): Promise<Record<string, unknown>[]> {
  const s3 = client();
  const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  const out: Record<string, unknown>[] = [];
  for (const o of list.Contents ?? []) {
    const body = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }))).Body!.transformToByteArray());
    const text = o.Key!.endsWith('.gz') ? gunzipSync(body).toString('utf8') : body.toString('utf8');
    if (o.Key!.endsWith('.json.gz')) out.push(...text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>));
  }
  return out;
}

const CSV = [
  'order,customer,sku,qty,price,time',
  'R-1,M1,SKU-1,2,19.90,2025-03-01 10:00:00',
  'R-1,M1,SKU-2,1,5.00,2025-03-01 10:00:00',
  'R-2,M2,SKU-1,1,19.90,2025-03-02 11:30:00',
  'R-3,M3,SKU-3,two,1.00,2025-03-02 12:00:00',
  'R-4,M4,SKU-4,1,3.00,not a date',
  '',
].join('\n');
const MAP = parseColumnMap('order_id=order,customer_id=customer,sku=sku,quantity=qty,unit_price=price,ordered_at=time');

const pii = createPii({ piiKey: 'landed-import-test-key-0123456789' });

describe('order export landed in S3', () => {
  it('imports a gzip export into curated order lines and quarantines bad rows with reasons; counts reconcile', async () => {
    const key = 'landing/orders/2025-03-02 export.csv.gz';
    await client().send(new PutObjectCommand({ Bucket: 'raw', Key: key, Body: gzipSync(CSV) }));
    const dedup = memoryDedup();
    const options = {
      map: MAP,
      currency: 'CNY',
      timeZone: 'Asia/Shanghai',
      dedup,
      pii,
      specBucket: 'quarantine',
      client: client(),
      now: new Date('2025-03-03T00:00:00Z'),
    };
    const sink = () => new S3LakeSink({ buckets: { curated: 'curated', quarantine: 'quarantine' }, client: client() });

    // S3 notifications URL-encode keys; the importer finds the object either way.
    const first = await importLandedObject({ bucket: 'raw', key: 'landing/orders/2025-03-02+export.csv.gz' }, { ...options, sink: sink() });

    expect(first.counts).toMatchObject({ received: 5, clean: 3, quarantined: 2, duplicates: 0 });
    expect(first.counts.byReason).toEqual({ 'value.invalid_format': 1, 'timestamp.invalid': 1 });
    const lines = await rowsUnder('curated', 'order_lines/');
    expect(lines.map((l) => [l.order_id, l.sku, l.quantity, l.line_amount, l.source]).sort()).toEqual([
      ['R-1', 'SKU-1', 2, 39.8, 'import'],
      ['R-1', 'SKU-2', 1, 5, 'import'],
      ['R-2', 'SKU-1', 1, 19.9, 'import'],
    ]);
    const quarantined = await rowsUnder('quarantine', 'events/');
    expect(quarantined.map((q) => [q.reason_code, q.field_path]).sort()).toEqual([
      ['timestamp.invalid', 'ordered_at'],
      ['value.invalid_format', 'quantity'],
    ]);
    expect(quarantined.every((q) => String(q.origin).includes(':2025-03-02 export.csv.gz:'))).toBe(true);
    const specs = await client().send(new ListObjectsV2Command({ Bucket: 'quarantine', Prefix: 'import_specs/' }));
    expect(specs.Contents).toHaveLength(1);

    const again = await importLandedObject({ bucket: 'raw', key }, { ...options, sink: sink() });

    expect(again.counts).toMatchObject({ received: 5, clean: 0, quarantined: 0, duplicates: 5 });
    expect(await rowsUnder('curated', 'order_lines/')).toHaveLength(3);
  });

  it('fails naming the object when it does not exist', async () => {
    await expect(
      importLandedObject({ bucket: 'raw', key: 'landing/orders/missing.csv' }, { map: MAP, sink: new S3LakeSink({ buckets: {}, client: client() }), dedup: memoryDedup(), pii, specBucket: 'quarantine', client: client() }),
    ).rejects.toThrow(/s3:\/\/raw\/landing\/orders\/missing\.csv/);
  });

  it('tries a URL-encoded key as given first, then decoded', () => {
    expect(keyCandidates('landing/orders/a+b%2Bc.csv')).toEqual(['landing/orders/a+b%2Bc.csv', 'landing/orders/a b+c.csv']);
    expect(keyCandidates('landing/orders/plain.csv')).toEqual(['landing/orders/plain.csv']);
  });
});
