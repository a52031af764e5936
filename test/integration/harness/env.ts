/**
 * One test's AWS: kinesalite + s3rver started here on free loopback ports, or the endpoint in AWS_ENDPOINT_URL
 * (LocalStack) with buckets and streams named uniquely for the test. Either way a test gets endpoints, clients,
 * a fresh pair of buckets, and close().
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { externalEndpoint, startKinesalite, startS3rver, type Emulator } from './emulators.ts';
import { kinesisClient, s3Client, type Buckets } from './stream.ts';

export interface TestEnv {
  readonly kinesisEndpoint: string;
  readonly s3Endpoint: string;
  readonly buckets: Buckets;
  /** A stream name unique to this test. */
  readonly stream: string;
  readonly kinesis: KinesisClient;
  readonly s3: S3Client;
  /** Scratch directory for checkpoints; removed by close(). */
  readonly dir: string;
  close(): Promise<void>;
}

export async function startTestEnv(): Promise<TestEnv> {
  const id = randomUUID().slice(0, 8);
  const buckets = { curated: `rl-curated-${id}`, quarantine: `rl-quarantine-${id}` };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-integration-'));
  const external = externalEndpoint();
  const emulators: Emulator[] = [];
  let kinesisEndpoint: string;
  let s3Endpoint: string;
  if (external) {
    kinesisEndpoint = s3Endpoint = external;
    const s3 = s3Client(external);
    for (const b of Object.values(buckets)) await s3.send(new CreateBucketCommand({ Bucket: b }));
  } else {
    const k = await startKinesalite();
    const s = await startS3rver(Object.values(buckets), path.join(dir, 's3'));
    emulators.push(k, s);
    kinesisEndpoint = k.endpoint;
    s3Endpoint = s.endpoint;
  }
  return {
    kinesisEndpoint,
    s3Endpoint,
    buckets,
    stream: `rl-events-${id}`,
    kinesis: kinesisClient(kinesisEndpoint),
    s3: s3Client(s3Endpoint),
    dir,
    close: async () => {
      for (const e of emulators.reverse()) await e.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
