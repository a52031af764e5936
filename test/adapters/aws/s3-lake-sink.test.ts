// The S3 lake sink against S3 on moto_server, with the project's S3 client settings (path-style, checksums only
// when required) at a custom endpoint. A PutObject that fails for one partition is injected by a FaultProxy.
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import { S3LakeSink } from '../../../src/adapters/aws/s3-lake-sink.ts';
import { deletePrefix } from '../../../src/adapters/aws/s3-json.ts';
import { S3WriteError } from '../../../src/adapters/aws/errors.ts';
import { hasMoto, useMoto } from '../../helpers/moto.ts';
import { createBuckets, s3Client } from '../../helpers/moto-aws.ts';

const aws = useMoto();



beforeEach(async () => {
  if (!hasMoto) return;
  await createBuckets(aws.moto, 'quarantine', 'curated');
});

const client = (): S3Client => s3Client(aws.moto.endpoint);

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

describe.skipIf(!hasMoto)('S3LakeSink on moto', () => {
  it('writes one gzip NDJSON object per Hive partition under the table prefix, readable back row for row', async () => {
    // Arrange
    const sink = new S3LakeSink({ buckets: { quarantine: 'quarantine' }, client: client() });
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
    expect((err as Error).message).toMatch(/^PutObject s3:\/\/no-such-bucket\/events\/source=pos\/dt=2025-03-01\/part-\S+ \(1 rows of quarantine_events\) failed: The specified bucket does not exist/);
  });

  it('takes back the partitions it wrote when another partition of the same append fails, so a redelivery writes each row once', async () => {
    // S3 refuses every PutObject under source=app/ (500 until the SDK gives up); source=pos/ goes through.
    aws.proxy.rule = async (req, forward) =>
      req.method === 'PUT' && decodeURIComponent(req.url).includes('/source=app/')
        ? aws.proxy.fault(500, '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>fault proxy</Message></Error>', 'application/xml')
        : forward();
    const sink = new S3LakeSink({ buckets: { quarantine: 'quarantine' }, client: s3Client(aws.proxy.endpoint) });
    const rows = [q('p1', 'pos', '2025-03-01'), q('a1', 'app', '2025-03-01')];
    await expect(sink.append('quarantine_events', rows)).rejects.toThrow(/PutObject s3:\/\/quarantine\/events\/source=app\/.* failed/);
    expect(await readAll('quarantine', 'events/')).toEqual([]);
    // S3 is back; the batch is redelivered.
    aws.proxy.rule = (_req, forward) => forward();
    await sink.append('quarantine_events', rows);
    await sink.flush();
    expect((await readAll('quarantine', 'events/')).flatMap((o) => o.rows).map((r) => r.quarantine_id).sort()).toEqual(['a1', 'p1']);
  });

  it('discard() takes back every object written since the last flush, and nothing flushed before', async () => {
    const sink = new S3LakeSink({ buckets: { quarantine: 'quarantine' }, client: client() });
    await sink.append('quarantine_events', [q('kept', 'pos', '2025-03-01')]);
    await sink.flush();
    await sink.append('quarantine_events', [q('gone1', 'pos', '2025-03-02')]);
    await sink.append('quarantine_events', [q('gone2', 'app', '2025-03-02')]);
    sink.discard();
    await sink.flush();
    expect((await readAll('quarantine', 'events/')).flatMap((o) => o.rows).map((r) => r.quarantine_id)).toEqual(['kept']);
  });

  it('rejects a row without a valid dt instead of hiding it in an invisible partition', async () => {
    const sink = new S3LakeSink({ buckets: { quarantine: 'quarantine' }, client: client() });
    await expect(sink.append('quarantine_events', [{ ...q('z', 'pos', '2025-03-01'), dt: 'yesterday' }])).rejects.toThrow(/partition dt must be YYYY-MM-DD/);
  });
});

describe.skipIf(!hasMoto)('deletePrefix on moto', () => {
  it('deletes every object under the prefix and nothing beside it', async () => {
    const sink = new S3LakeSink({ buckets: { quarantine: 'quarantine' }, client: client() });
    await sink.append('quarantine_events', [q('d1', 'coupon', '2025-05-01'), q('d2', 'coupon', '2025-05-02')]);
    expect(await deletePrefix('s3://quarantine/events/source=coupon/dt=2025-05-01/', { client: client() })).toBe(1);
    expect(await readAll('quarantine', 'events/source=coupon/dt=2025-05-01/')).toEqual([]);
    expect(await readAll('quarantine', 'events/source=coupon/dt=2025-05-02/')).toHaveLength(1);
  });
});
