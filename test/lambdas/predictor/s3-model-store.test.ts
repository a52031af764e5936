import { S3Client } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import { S3ModelStore } from '../../../src/adapters/aws/s3-model-store.ts';
import { ModelStoreError, readArtifacts } from '../../../src/models/index.ts';
import { memoryBucket, trainedChurn } from './fixtures.ts';

let bucket: ReturnType<typeof memoryBucket>;
const store = (prefix?: string) => new S3ModelStore({ bucket: 'models', client: new S3Client({ region: 'eu-west-1' }), ...(prefix ? { prefix } : {}) });

beforeEach(() => {
  bucket?.s3.restore();
  bucket = memoryBucket();
});

describe('S3ModelStore', () => {
  it('writes a version with the same keys as the local store, then moves latest to it', async () => {
    const { model } = trainedChurn();
    await store('lake').put('churn', model.version, model.files);
    expect([...bucket.objects.keys()]).toEqual([
      `lake/models/churn/${model.version}/model.onnx`,
      `lake/models/churn/${model.version}/card.json`,
      `lake/models/churn/${model.version}/card.md`,
      'lake/models/churn/latest',
    ]);
    expect(new TextDecoder().decode(bucket.objects.get('lake/models/churn/latest'))).toBe(`${model.version}\n`);
  });

  it('reads back latest or a named version, and lists versions', async () => {
    const { model } = trainedChurn();
    await store().put('churn', 'churn-2025-11-30-00000000', { 'model.onnx': model.onnxBytes, 'card.json': new TextEncoder().encode('{}') }, { setLatest: false });
    await store().put('churn', model.version, model.files);
    const latest = await store().get('churn', 'latest');
    expect(latest.version).toBe(model.version);
    expect(readArtifacts(latest).card).toEqual(model.card);
    expect(Object.keys((await store().get('churn', 'churn-2025-11-30-00000000')).files).sort()).toEqual(['card.json', 'model.onnx']);
    expect(await store().versions('churn')).toEqual(['churn-2025-11-30-00000000', model.version].sort());
  });

  it('fails naming the S3 location when a model was never trained', async () => {
    await expect(store().get('segments', 'latest')).rejects.toThrow(ModelStoreError);
    await expect(store().get('segments', 'latest')).rejects.toThrow('s3://models/models/segments/latest is missing');
    await expect(store().get('segments', 'segments-2025-12-31-00000000')).rejects.toThrow(/has no version segments-2025-12-31-00000000 in s3:\/\/models\/models\/segments\//);
  });
});
