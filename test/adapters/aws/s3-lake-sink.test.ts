// Integration: the S3 sink against s3rver, a real S3 API emulator, started on a random loopback port.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3LakeSink } from '../../../src/adapters/aws/s3-lake-sink.ts';
import { s3ClientConfig } from '../../../src/adapters/aws/clients.ts';
import { deletePrefix } from '../../../src/adapters/aws/s3-json.ts';
import { S3WriteError } from '../../../src/adapters/aws/errors.ts';

interface S3rver {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
const S3rverCtor = createRequire(import.meta.url)('s3rver') as new (o: object) => S3rver;

let server: S3rver;
let dir: string;
let endpoint: string;
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 's3rver-'));
  server = new S3rverCtor({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: 'quarantine' }, { name: 'curated' }] });
  const addr = await server.run();
  endpoint = `http://127.0.0.1:${addr.port}`;
});

afterAll(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const client = () => new S3Client({ ...s3ClientConfig({ endpoint, region: 'us-east-1' }), credentials });

async function readAll(bucket: string, prefix: string): Promise<{ key: string; rows: Record<string, unknown>[] }[]> {
  const s3 = client();
  const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return Promise.all(
    (list.Contents ?? []).map(async (o) => {
      const obj = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }));
      const text = gunzipSync(Buffer.from(await obj.Body!.transformToByteArray())).toString('utf8');
      return { key: o.Key!, rows: text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
    }),
  );
}

const q = (id: string, source: string, dt: string) => ({
  quarantine_id: id,
  reason_code: 'json.malformed',
  message: 'not JSON',
  raw_payload: '{oops',
  raw_encoding: 'utf8',
  origin: `kinesis:shardId-0:${id}`,
  received_at: `${dt}T10:00:00.000Z`,
  source,
  dt,
});

describe('S3LakeSink on s3rver', () => {
  it('writes one gzip NDJSON object per Hive partition under the table prefix, readable back row for row', async () => {
    // Arrange
    const sink = new S3LakeSink({ endpoint, region: 'us-east-1', buckets: { quarantine: 'quarantine' }, client: client() });
    const rows = [q('a', 'pos', '2025-03-01'), q('b', 'pos', '2025-03-01'), q('c', 'app', '2025-03-02')];
    // Act
    await sink.append('quarantine_events', rows);
    await sink.flush();
    // Assert
    const objects = await readAll('quarantine', 'events/');
    expect(objects.map((o) => o.key.replace(/part-.*$/, 'part')).sort()).toEqual(['events/source=app/dt=2025-03-02/part', 'events/source=pos/dt=2025-03-01/part']);
    expect(objects.flatMap((o) => o.rows).map((r) => r.quarantine_id).sort()).toEqual(['a', 'b', 'c']);
    expect(objects.every((o) => o.key.endsWith('.json.gz'))).toBe(true);
  });

  it('files a source that partition projection does not list under source=unknown', async () => {
    const sink = new S3LakeSink({ buckets: { quarantine: 'quarantine' }, client: client() });
    await sink.append('quarantine_events', [q('x', 'made_up', '2025-04-01')]);
    const objects = await readAll('quarantine', 'events/source=unknown/dt=2025-04-01/');
    expect(objects).toHaveLength(1);
    expect(objects[0]!.rows[0]!.source).toBe('made_up');
  });

  it('fails with S3WriteError naming the object when the bucket does not exist', async () => {
    const sink = new S3LakeSink({ buckets: { quarantine: 'no-such-bucket' }, client: client() });
    const err = await sink.append('quarantine_events', [q('y', 'pos', '2025-03-01')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(S3WriteError);
    expect((err as Error).message).toMatch(/s3:\/\/no-such-bucket\/events\/source=pos\/dt=2025-03-01\/part-/);
  });

  it('rejects a row without a valid dt instead of hiding it in an invisible partition', async () => {
    const sink = new S3LakeSink({ buckets: { quarantine: 'quarantine' }, client: client() });
    await expect(sink.append('quarantine_events', [{ ...q('z', 'pos', '2025-03-01'), dt: 'yesterday' }])).rejects.toThrow(/partition dt must be YYYY-MM-DD/);
  });
});

describe('deletePrefix on s3rver', () => {
  it('deletes every object under the prefix and nothing beside it', async () => {
    const sink = new S3LakeSink({ buckets: { quarantine: 'quarantine' }, client: client() });
    await sink.append('quarantine_events', [q('d1', 'coupon', '2025-05-01'), q('d2', 'coupon', '2025-05-02')]);
    expect(await deletePrefix('s3://quarantine/events/source=coupon/dt=2025-05-01/', { client: client() })).toBe(1);
    expect(await readAll('quarantine', 'events/source=coupon/dt=2025-05-01/')).toEqual([]);
    expect(await readAll('quarantine', 'events/source=coupon/dt=2025-05-02/')).toHaveLength(1);
  });
});
