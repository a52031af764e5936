import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalModelStore, modelArtifacts, modelKey, latestKey, readArtifacts } from '../../src/models/store.ts';
import { Fingerprint, modelVersion } from '../../src/models/version.ts';
import { sampleCard } from './sample-card.ts';

let lake: string;
beforeEach(async () => {
  lake = await mkdtemp(path.join(tmpdir(), 'retail-lake-models-'));
});
afterEach(async () => {
  await rm(lake, { recursive: true, force: true });
});

describe('LocalModelStore', () => {
  const v1 = 'churn-2024-01-31-0badf00d';
  const v2 = 'churn-2024-02-29-feedface';
  const onnx = new Uint8Array([8, 8, 1, 2]);

  it('writes model.onnx, card.json and card.md under models/<name>/<version> and moves latest', async () => {
    const store = new LocalModelStore(lake);
    await store.put('churn', v1, modelArtifacts(onnx, sampleCard({ version: v1 })));
    const dir = path.join(lake, 'models', 'churn', v1);
    expect(new Uint8Array(await readFile(path.join(dir, 'model.onnx')))).toEqual(onnx);
    expect(JSON.parse(await readFile(path.join(dir, 'card.json'), 'utf8')).version).toBe(v1);
    expect(await readFile(path.join(dir, 'card.md'), 'utf8')).toContain(`# Model card: churn \`${v1}\``);
    expect((await readFile(path.join(lake, 'models', 'churn', 'latest'), 'utf8')).trim()).toBe(v1);
  });

  it('returns the latest version, or a named one, with its card validated', async () => {
    const store = new LocalModelStore(lake);
    await store.put('churn', v1, modelArtifacts(onnx, sampleCard({ version: v1 })));
    await store.put('churn', v2, modelArtifacts(onnx, sampleCard({ version: v2 })));
    expect(readArtifacts(await store.get('churn', 'latest')).card.version).toBe(v2);
    expect(readArtifacts(await store.get('churn', v1)).onnx).toEqual(onnx);
    expect(await store.versions('churn')).toEqual([v1, v2]);
  });

  it('leaves latest alone when asked to (a backtest must not redirect the predictor)', async () => {
    const store = new LocalModelStore(lake);
    await store.put('churn', v2, modelArtifacts(onnx, sampleCard({ version: v2 })));
    await store.put('churn', v1, modelArtifacts(onnx, sampleCard({ version: v1 })), { setLatest: false });
    expect((await store.get('churn', 'latest')).version).toBe(v2);
  });

  it('fails to get a model that was never trained, saying what to run', async () => {
    await expect(new LocalModelStore(lake).get('churn', 'latest')).rejects.toThrow(/no trained churn model .* run `retail-lake train churn` first/);
  });

  it('rejects names that could escape the model zone', async () => {
    const store = new LocalModelStore(lake);
    await expect(store.put('../etc', v1, { 'model.onnx': onnx })).rejects.toThrow(/model name must be/);
    await expect(store.put('churn', 'latest', { 'model.onnx': onnx })).rejects.toThrow(/model version must be/);
  });

  it('rejects a card stored under another version', () => {
    expect(() => readArtifacts({ name: 'churn', version: v2, files: modelArtifacts(onnx, sampleCard({ version: v1 })) })).toThrow(/stored under version .* but its card says/);
  });

  it('names the same keys the S3 store will use', () => {
    expect(modelKey('churn', v1, 'model.onnx')).toBe(`models/churn/${v1}/model.onnx`);
    expect(latestKey('churn')).toBe('models/churn/latest');
  });
});

describe('modelVersion', () => {
  const X = new Float64Array([1, 2, 3]);

  it('is <name>-<as_of>-<8 hex>, the same for the same data and parameters', () => {
    const a = modelVersion('churn', '2024-01-31', new Fingerprint().update(X).update({ b: 1, a: 2 }));
    const b = modelVersion('churn', '2024-01-31', new Fingerprint().update(new Float64Array([1, 2, 3])).update({ a: 2, b: 1 }));
    expect(a).toMatch(/^churn-2024-01-31-[0-9a-f]{8}$/);
    expect(b).toBe(a);
  });

  it('changes when the data or a parameter changes', () => {
    const base = new Fingerprint().update(X).update({ lr: 0.05 }).hex();
    expect(new Fingerprint().update(new Float64Array([1, 2, 4])).update({ lr: 0.05 }).hex()).not.toBe(base);
    expect(new Fingerprint().update(X).update({ lr: 0.1 }).hex()).not.toBe(base);
  });

  it('rejects an as-of date that is not YYYY-MM-DD', () => {
    expect(() => modelVersion('churn', '20240131', 'abcd1234')).toThrow(/as-of must be YYYY-MM-DD/);
  });
});
