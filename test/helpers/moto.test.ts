import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { hasMoto, startMoto, type MotoServer } from './moto.ts';

describe.skipIf(!hasMoto)('moto_server harness', () => {
  let moto: MotoServer;
  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto?.close();
  });

  it('serves S3 over the real wire protocol and forgets everything on reset', async () => {
    const s3 = new S3Client({ ...moto.clientConfig, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'harness-bucket' }));
    await s3.send(new PutObjectCommand({ Bucket: 'harness-bucket', Key: 'k', Body: 'hello' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'harness-bucket', Key: 'k' }));
    expect(await got.Body?.transformToString()).toBe('hello');
    await moto.reset();
    await expect(s3.send(new GetObjectCommand({ Bucket: 'harness-bucket', Key: 'k' }))).rejects.toThrow(/bucket/i);
  });
});
