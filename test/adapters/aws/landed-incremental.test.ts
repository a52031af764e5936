/**
 * The landing prefix in AWS loads whole tables. An incremental file (changed rows with updated_at) dropped there must
 * not replace the table with its few rows: it is refused, naming the column, before anything is written. (Applying
 * it as changes in AWS is not built yet; locally `load-table --incremental` does.) S3 on moto_server.
 */
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { loadLandedBatchTable } from '../../../src/adapters/aws/landed-batch-table.ts';
import { hasMoto, useMoto } from '../../helpers/moto.ts';
import { s3Client } from '../../helpers/moto-aws.ts';

describe.skipIf(!hasMoto)('an incremental file in the landing prefix', () => {
  const aws = useMoto();

  it('rejects it naming updated_at, and writes nothing to the curated or quarantine bucket', async () => {
    const s3 = s3Client(aws.moto.endpoint);
    for (const b of ['landing', 'curated', 'quarantine']) await s3.send(new CreateBucketCommand({ Bucket: b }));
    const key = 'landing/stores/changes-0415.csv';
    await s3.send(new PutObjectCommand({ Bucket: 'landing', Key: key, Body: 'store_id,name,city,region,country,is_online,updated_at,deleted\nS1,One,Shanghai,East,CN,false,2024-04-15T00:00:00Z,true\n' }));
    const runner = { run: () => Promise.reject(new Error('no statement expected')) };
    await expect(
      loadLandedBatchTable({ bucket: 'landing', key }, { runner, curatedBucket: 'curated', quarantineBucket: 'quarantine', client: s3 }),
    ).rejects.toThrow(/updated_at column, so it is an incremental file.*Nothing was written/);
    for (const b of ['curated', 'quarantine']) expect((await s3.send(new ListObjectsV2Command({ Bucket: b }))).KeyCount).toBe(0);
  });
});
