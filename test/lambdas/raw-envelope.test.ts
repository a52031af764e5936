/**
 * The raw copy's record transformation (lambdas/raw-envelope) with a suppression list, over the wire on moto_server:
 * the PII key from Secrets Manager, the erased people's digests from S3. An erased person's record sent again after
 * the erasure is answered `Dropped` (kept out of the raw copy, as the local ingest keeps it out of its raw zone); any
 * other record becomes its envelope with the exact bytes. The cloud day runs the same handler as deployed.
 */
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3SuppressionList } from '../../src/adapters/aws/s3-suppression-list.ts';
import { suppressionDigest } from '../../src/cleanse/suppression.ts';
import { hasMoto, MOTO_REGION, startMoto, type MotoServer } from '../helpers/moto.ts';
import { awsConfig, createBuckets, s3Client } from '../helpers/moto-aws.ts';

const PII_KEY = 'raw-envelope-test-key-0123456789';

describe.skipIf(!hasMoto)('raw-envelope with a suppression list, on moto', () => {
  let moto: MotoServer;
  let handler: (e: FirehoseTransformationEvent) => Promise<FirehoseTransformationResult>;
  const saved = { ...process.env };

  beforeAll(async () => {
    moto = await startMoto();
    await createBuckets(moto, 'curated');
    const { ARN } = await new SecretsManagerClient(awsConfig(moto.endpoint)).send(new CreateSecretCommand({ Name: 'pii', SecretString: PII_KEY }));
    // The erasure's entry: the member id's keyed digest (what src/privacy writes), not the id itself.
    await new S3SuppressionList({ bucket: 'curated', client: s3Client(moto.endpoint) }).add('erasure-1', [suppressionDigest(PII_KEY, 'member_id', 'M0042')]);
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: MOTO_REGION,
      AWS_ACCESS_KEY_ID: moto.clientConfig.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: moto.clientConfig.credentials.secretAccessKey,
      SUPPRESSION_BUCKET: 'curated',
      PII_SECRET_ID: ARN,
      PHONE_REGION: 'CN',
    });
    ({ handler } = await import('../../lambdas/raw-envelope/handler.ts'));
  });
  afterAll(async () => {
    process.env = saved;
    await moto?.close();
  });

  const record = (n: number, text: string, metadata = true): FirehoseTransformationEvent['records'][number] => ({
    recordId: String(n),
    approximateArrivalTimestamp: 1_765_000_000_000 + n,
    data: Buffer.from(text).toString('base64'),
    ...(metadata ? { kinesisRecordMetadata: { shardId: 'shardId-000000000000', partitionKey: 'k', approximateArrivalTimestamp: 1_765_000_000_000 + n, sequenceNumber: `4960${n}`, subsequenceNumber: '0' } } : {}),
  });

  it('drops the erased member\'s record, copies the others byte for byte, and fails a record without its Kinesis metadata', async () => {
    const erased = '{"event_id":"e1","event_type":"pos.sale","identities":{"member_id":"M0042"}}';
    const other = '{"event_id":"e2","event_type":"pos.sale","identities":{"member_id":"M0043"}}';
    const notJson = 'not json at all, M0042 in the text';
    const res = await handler({ invocationId: 'i', deliveryStreamArn: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/raw', region: MOTO_REGION, records: [record(1, erased), record(2, other), record(3, notJson), record(4, other, false)] });
    expect(res.records.map((r) => [r.recordId, r.result])).toEqual([['1', 'Dropped'], ['2', 'Ok'], ['3', 'Ok'], ['4', 'ProcessingFailed']]);
    const envelope = (r: FirehoseTransformationResult['records'][number]) => JSON.parse(Buffer.from(r.data ?? '', 'base64').toString('utf8')) as { origin: string; received_at: number; data: string };
    expect(envelope(res.records[1]!)).toEqual({ origin: 'kinesis:shardId-000000000000:49602', received_at: 1_765_000_000_002, data: Buffer.from(other).toString('base64') });
    // A line the suppression check cannot read identities from is kept, as the local raw zone keeps it (skipRaw).
    expect(Buffer.from(envelope(res.records[2]!).data, 'base64').toString('utf8')).toBe(notJson);
  });
});
