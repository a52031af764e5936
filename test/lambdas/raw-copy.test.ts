/**
 * The raw copy (lambdas/raw-copy) over the wire on moto_server: the PII key from Secrets Manager, the erased people's
 * digests and the objects in S3, the stream in Kinesis. A batch becomes one object named after its shard and first
 * and last sequence number; the same batch delivered again overwrites it; an erased person's record sent again stays
 * out; a range described in the DLQ is read from the stream again; records a bisected retry wrote twice are read back
 * once by the replay's reader. The cloud day runs the same handler as deployed, through its event source mapping.
 */
import { gunzipSync } from 'node:zlib';
import { CreateStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listKeys, S3RawZone } from '../../src/adapters/aws/s3-raw-zone.ts';
import { S3SuppressionList } from '../../src/adapters/aws/s3-suppression-list.ts';
import { suppressionDigest } from '../../src/cleanse/suppression.ts';
import { hasMoto, MOTO_REGION, startMoto, type MotoServer } from '../helpers/moto.ts';
import { awsConfig, createBuckets, s3Client } from '../helpers/moto-aws.ts';

const PII_KEY = 'raw-copy-test-key-0123456789abcd';
const SHARD = 'shardId-000000000000';
type Handler = (e: KinesisStreamEvent | { KinesisBatchInfo: unknown }) => Promise<{ objects: string[]; records: number; suppressed: number }>;

describe.skipIf(!hasMoto)('raw copy, on moto', () => {
  let moto: MotoServer;
  let handler: Handler;
  const saved = { ...process.env };
  const erased = '{"event_id":"e1","event_type":"pos.sale","identities":{"member_id":"M0042"}}';
  const lines = [erased, '{"event_id":"e2","event_type":"pos.sale","identities":{"member_id":"M0043"}}', 'not json at all, M0042 in the text', '{"event_id":"e4"}'];
  let landed: { seq: string; at: number }[] = [];

  const event = (from: number, to: number): KinesisStreamEvent => ({
    Records: landed.slice(from, to).map((l, n) => ({
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${SHARD}:${l.seq}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::123456789012:role/r',
      awsRegion: MOTO_REGION,
      eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/events',
      kinesis: { kinesisSchemaVersion: '1.0', partitionKey: 'k', sequenceNumber: l.seq, data: Buffer.from(lines[from + n]!).toString('base64'), approximateArrivalTimestamp: l.at / 1000 },
    })),
  });
  const envelopes = async (key: string) => {
    const body = await s3Client(moto.endpoint).send(new GetObjectCommand({ Bucket: 'raw', Key: key }));
    return gunzipSync(Buffer.from(await body.Body!.transformToByteArray())).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { origin: string; received_at: number; data: string });
  };

  beforeAll(async () => {
    moto = await startMoto();
    await createBuckets(moto, 'curated', 'raw');
    const { ARN } = await new SecretsManagerClient(awsConfig(moto.endpoint)).send(new CreateSecretCommand({ Name: 'pii', SecretString: PII_KEY }));
    // The erasure's entry: the member id's keyed digest (what src/privacy writes), not the id itself.
    await new S3SuppressionList({ bucket: 'curated', client: s3Client(moto.endpoint) }).add('erasure-1', [suppressionDigest(PII_KEY, 'member_id', 'M0042')]);
    const kinesis = new KinesisClient({ ...awsConfig(moto.endpoint), requestHandler: new NodeHttpHandler() });
    await kinesis.send(new CreateStreamCommand({ StreamName: 'events', ShardCount: 1 }));
    const put = await kinesis.send(new PutRecordsCommand({ StreamName: 'events', Records: lines.map((l) => ({ Data: Buffer.from(l), PartitionKey: 'k' })) }));
    // Arrival times as Lambda reports them (seconds with milliseconds); moto does not return them on PutRecords.
    landed = put.Records!.map((r, i) => ({ seq: r.SequenceNumber!, at: Date.parse('2025-12-07T10:00:00.000Z') + i }));
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: MOTO_REGION,
      AWS_ACCESS_KEY_ID: moto.clientConfig.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: moto.clientConfig.credentials.secretAccessKey,
      RAW_BUCKET: 'raw',
      RAW_PREFIX: 'stream/',
      STREAM_NAME: 'events',
      SUPPRESSION_BUCKET: 'curated',
      PII_SECRET_ID: ARN,
      PHONE_REGION: 'CN',
    });
    ({ handler } = (await import('../../lambdas/raw-copy/handler.ts')) as { handler: Handler });
  });
  afterAll(async () => {
    process.env = saved;
    await moto?.close();
  });

  it('writes a batch as one object named after its shard and sequence range, keeps the erased member out, and overwrites it when the batch comes again', async () => {
    const res = await handler(event(0, 4));
    const key = `stream/dt=2025-12-07/${SHARD}-${landed[1]!.seq}-${landed[3]!.seq}.jsonl.gz`;
    expect(res).toEqual({ objects: [key], records: 3, suppressed: 1 });
    const stored = await envelopes(key);
    expect(stored.map((e) => [e.origin, e.received_at, Buffer.from(e.data, 'base64').toString('utf8')])).toEqual([1, 2, 3].map((i) => [`kinesis:${SHARD}:${landed[i]!.seq}`, landed[i]!.at, lines[i]]));
    // Lambda delivers the batch again (a failure after the write): the same object, nothing added.
    expect(await handler(event(0, 4))).toEqual(res);
    expect(await listKeys(s3Client(moto.endpoint), 'raw', 'stream/')).toEqual([key]);
    expect(await envelopes(key)).toEqual(stored);
  });

  it('copies a range described in its DLQ again from the stream, exactly that range', async () => {
    const message = {
      requestContext: { condition: 'RecordAgeExceeded' },
      KinesisBatchInfo: {
        shardId: SHARD,
        startSequenceNumber: landed[1]!.seq,
        endSequenceNumber: landed[2]!.seq,
        approximateArrivalOfFirstRecord: new Date(landed[1]!.at).toISOString(),
        approximateArrivalOfLastRecord: new Date(landed[2]!.at).toISOString(),
        batchSize: 2,
        streamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/events',
      },
    };
    const res = await handler(message);
    expect(res.records).toBe(2);
    const stored = (await Promise.all(res.objects.map(envelopes))).flat();
    expect(stored.map((e) => Buffer.from(e.data, 'base64').toString('utf8'))).toEqual([lines[1], lines[2]]);
    expect(stored.map((e) => e.origin)).toEqual([1, 2].map((i) => `kinesis:${SHARD}:${landed[i]!.seq}`));
  });

  it('reads each record back once for a replay, though a bisected retry wrote it twice', async () => {
    // The whole batch was written above; its halves are written too (as after a bisected retry).
    await handler(event(0, 2));
    await handler(event(2, 4));
    const back = [];
    for await (const chunk of new S3RawZone({ bucket: 'raw', prefix: 'stream/', client: s3Client(moto.endpoint) }).read(landed[0]!.at, landed[3]!.at)) back.push(...chunk);
    expect(back.map((r) => r.origin).sort()).toEqual([1, 2, 3].map((i) => `kinesis:${SHARD}:${landed[i]!.seq}`).sort());
    expect(back.map((r) => Buffer.from(r.data).toString('utf8')).sort()).toEqual([lines[1], lines[2], lines[3]].sort());
  });

  it('rejects a DLQ message without the sequence range, naming the field', async () => {
    await expect(handler({ KinesisBatchInfo: { shardId: SHARD, approximateArrivalOfFirstRecord: '2025-12-07T10:00:00Z', approximateArrivalOfLastRecord: '2025-12-07T10:00:01Z' } })).rejects.toThrow(/KinesisBatchInfo\.startSequenceNumber must be a string/);
  });
});
