// `retail-lake models push` (issue 20): the lake's trained models land in the S3 model bucket (moto_server) where and
// as the deployed functions read them: read back through the S3 store the scorer uses, byte for byte the local ones.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { S3ModelStore } from '../../src/adapters/aws/s3-model-store.ts';
import { modelsPushCommand } from '../../src/cli/commands/models.ts';
import { LocalModelStore, modelArtifacts, ModelStoreError } from '../../src/models/index.ts';
import { hasMoto, MOTO_CREDENTIALS, MOTO_REGION, useMoto } from '../helpers/moto.ts';
import { sampleCard } from '../models/sample-card.ts';

describe.skipIf(!hasMoto)('retail-lake models push', () => {
  const aws = useMoto();
  let lake: string;
  let s3: S3Client;
  const bucket = 'retail-lake-models';
  const keys = async () => ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!).sort();
  const copyModels = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-push-'));
    fs.cpSync(path.join(lake, 'models'), path.join(dir, 'models'), { recursive: true });
    return dir;
  };

  // A lake with three trained models (ONNX bytes of their own, cards naming their versions), one of them with an
  // older version as well: only the latest of each is pushed.
  beforeAll(async () => {
    lake = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-push-lake-'));
    const store = new LocalModelStore(lake);
    for (const [i, name] of ['churn', 'clv', 'segments'].entries()) {
      const version = `${name}-2025-12-31-0000000${i}`;
      if (name === 'churn') await store.put(name, 'churn-2025-11-30-0000000f', modelArtifacts(new Uint8Array([1, 1]), sampleCard({ version: 'churn-2025-11-30-0000000f' })));
      await store.put(name, version, modelArtifacts(new Uint8Array([8, 8, i, 2, 5]), sampleCard({ version })));
    }
  });
  afterAll(() => fs.rmSync(lake, { recursive: true, force: true }));
  beforeAll(() => {
    vi.stubEnv('AWS_ENDPOINT_URL_S3', aws.moto.endpoint);
    vi.stubEnv('AWS_REGION', MOTO_REGION);
    vi.stubEnv('AWS_ACCESS_KEY_ID', MOTO_CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', MOTO_CREDENTIALS.secretAccessKey);
    s3 = new S3Client({ ...aws.moto.clientConfig, forcePathStyle: true });
  });
  afterAll(() => vi.unstubAllEnvs());
  const createBucket = () => s3.send(new CreateBucketCommand({ Bucket: bucket }));

  it('uploads every trained model as the deployed functions read it: each latest version, under the prefix', async () => {
    await createBucket();
    const local = new LocalModelStore(lake);
    const names = local.names();
    expect(names).toEqual(['churn', 'clv', 'segments']);
    const r = await modelsPushCommand({ lake, json: false, bucket, prefix: '/team-a/' });
    expect(r.pushed.map((p) => p.model)).toEqual(names);
    const remote = new S3ModelStore({ bucket, prefix: 'team-a', endpoint: aws.moto.endpoint });
    for (const name of names) {
      const mine = await local.get(name, 'latest');
      const theirs = await remote.get(name, 'latest');
      expect(theirs.version).toBe(mine.version);
      expect(Object.keys(theirs.files).sort()).toEqual(Object.keys(mine.files).sort());
      for (const [file, bytes] of Object.entries(mine.files)) expect(Buffer.from(theirs.files[file]!).equals(Buffer.from(bytes)), `${name}/${file}`).toBe(true);
    }
    const all = await keys();
    expect(all.every((k) => k.startsWith('team-a/models/'))).toBe(true);
    expect(all.some((k) => k.includes('churn-2025-11-30'))).toBe(false);
    expect(all.filter((k) => k.endsWith('/latest'))).toEqual(names.map((n) => `team-a/models/${n}/latest`));
  });

  it('pushes only the models named, and rejects a model the lake has not trained, naming the ones it has', async () => {
    await createBucket();
    const r = await modelsPushCommand({ lake, json: false, bucket, models: ['churn'] });
    expect(r.pushed.map((p) => p.model)).toEqual(['churn']);
    expect((await keys()).filter((k) => k.endsWith('/latest'))).toEqual(['models/churn/latest']);
    await expect(modelsPushCommand({ lake, json: false, bucket, models: ['uplift'] })).rejects.toThrow(/no trained uplift model in .*trained: churn, clv/);
  });

  it('fails on a model whose card does not match its files before anything is uploaded', async () => {
    await createBucket();
    const dir = copyModels();
    try {
      const version = fs.readFileSync(path.join(dir, 'models', 'segments', 'latest'), 'utf8').trim();
      const card = path.join(dir, 'models', 'segments', version, 'card.json');
      fs.writeFileSync(card, fs.readFileSync(card, 'utf8').replace(`"version": "${version}"`, '"version": "segments-1999-01-01-00000000"'));
      await expect(modelsPushCommand({ lake: dir, json: false, bucket })).rejects.toThrow(ModelStoreError);
      await expect(modelsPushCommand({ lake: dir, json: false, bucket })).rejects.toThrow(/segments: stored under version .* but its card says segments-1999/);
      expect(await keys()).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
