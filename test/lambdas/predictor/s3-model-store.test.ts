// The S3 model store against S3 on moto_server, with the project's S3 client settings (path-style, checksums only
// when required) at a custom endpoint. The layout is checked against the local store's, written beside it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { S3ModelStore } from '../../../src/adapters/aws/s3-model-store.ts';
import { LocalModelStore, ModelStoreError, readArtifacts } from '../../../src/models/index.ts';
import { hasMoto, startMoto, type MotoServer } from '../../helpers/moto.ts';
import { createBuckets, s3Client } from '../../helpers/moto-aws.ts';
import { trainedChurn } from './fixtures.ts';

/** Every file under dir, relative, with / separators. */
/** The local lake's files, without its commit records (`_commits/`: the local lake's bookkeeping, src/lake/commit.ts). */
function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)).split(path.sep).join('/'))
    .filter((f) => !f.startsWith('_commits/'));
}

describe.skipIf(!hasMoto)('S3ModelStore on moto', () => {
  let moto: MotoServer;
  const store = (o: { prefix?: string; bucket?: string } = {}) => new S3ModelStore({ bucket: o.bucket ?? 'models', client: s3Client(moto.endpoint), ...(o.prefix ? { prefix: o.prefix } : {}) });
  const keys = async () => ((await s3Client(moto.endpoint).send(new ListObjectsV2Command({ Bucket: 'models' }))).Contents ?? []).map((o) => o.Key!).sort();
  const local = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-model-store-'));

  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto?.close();
    fs.rmSync(local, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await moto.reset();
    await createBuckets(moto, 'models');
  });

  it('writes a version under the same keys as the local store, then moves latest to it', async () => {
    const { model } = trainedChurn();
    await store({ prefix: 'lake' }).put('churn', model.version, model.files);
    await new LocalModelStore(local).put('churn', model.version, model.files);
    expect(await keys()).toEqual(filesUnder(local).map((f) => `lake/${f}`).sort());
    expect(await keys()).toContain(`lake/models/churn/${model.version}/model.onnx`);
    expect((await store({ prefix: 'lake' }).get('churn', 'latest')).version).toBe(model.version);
  });

  it('reads back latest or a named version byte for byte, and lists versions', async () => {
    const { model } = trainedChurn();
    const older = 'churn-2025-11-30-00000000';
    await store().put('churn', older, { 'model.onnx': model.onnxBytes, 'card.json': new TextEncoder().encode('{}') }, { setLatest: false });
    await store().put('churn', model.version, model.files);
    const latest = await store().get('churn', 'latest');
    expect(latest.version).toBe(model.version);
    expect(readArtifacts(latest).card).toEqual(model.card);
    expect(Buffer.from(latest.files['model.onnx']!).equals(Buffer.from(model.onnxBytes))).toBe(true);
    expect(Object.keys((await store().get('churn', older)).files).sort()).toEqual(['card.json', 'model.onnx']);
    expect(await store().versions('churn')).toEqual([older, model.version].sort());
  });

  it('lists every version of a model with more than 1,000 (S3 answers 1,000 a page)', async () => {
    const s3 = s3Client(moto.endpoint);
    // Daily retraining for two years and nine months: 1,001 version folders (moto takes ~25 ms a put, so no more).
    const versions = Array.from({ length: 1001 }, (_, i) => `churn-${new Date(Date.UTC(2023, 0, 1 + i)).toISOString().slice(0, 10)}-00000000`);
    for (let i = 0; i < versions.length; i += 50) {
      await Promise.all(versions.slice(i, i + 50).map((v) => s3.send(new PutObjectCommand({ Bucket: 'models', Key: `models/churn/${v}/card.json`, Body: '{}' }))));
    }
    expect(await store().versions('churn')).toEqual(versions);
  });

  it('fails naming the S3 location when a model was never trained', async () => {
    await expect(store().get('segments', 'latest')).rejects.toThrow(ModelStoreError);
    await expect(store().get('segments', 'latest')).rejects.toThrow('s3://models/models/segments/latest is missing');
    await expect(store().get('segments', 'segments-2025-12-31-00000000')).rejects.toThrow(/has no version segments-2025-12-31-00000000 in s3:\/\/models\/models\/segments\//);
  });

  it('fails naming the object when the bucket does not exist', async () => {
    const { model } = trainedChurn();
    const err = await store({ bucket: 'no-such-bucket' }).put('churn', model.version, model.files).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelStoreError);
    expect((err as Error).message).toMatch(new RegExp(`^could not write s3://no-such-bucket/models/churn/${model.version}/\\S+: The specified bucket does not exist`));
    await expect(store({ bucket: 'no-such-bucket' }).get('churn', 'latest')).rejects.toThrow(/^could not read s3:\/\/no-such-bucket\/models\/churn\/latest: The specified bucket does not exist/);
  });
});
