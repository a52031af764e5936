import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalModelStore, parseCard } from '../../src/models/index.ts';
import { ModelContractError, Predictor, PredictorCache } from '../../src/score/index.ts';
import { customerRows, trainedChurn } from '../lambdas/predictor/fixtures.ts';

let lake: string;
beforeAll(async () => {
  lake = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-predictor-'));
  const { model } = trainedChurn();
  await new LocalModelStore(lake).put('churn', model.version, model.files);
});
afterAll(() => fs.rmSync(lake, { recursive: true, force: true }));

describe('Predictor', () => {
  it('loads a stored version and scores rows through onnxruntime in batches', async () => {
    const p = await Predictor.load(new LocalModelStore(lake), 'churn');
    const rows = customerRows(25, 7).rows;
    const whole = await p.score(rows);
    const batched = await p.score(rows, { batchSize: 4 });
    expect(batched.outputs.probability!.values).toEqual(whole.outputs.probability!.values);
    expect(batched.outputs.contributions!.dims).toEqual([25, 4]);
    await p.release();
  });

  it('refuses a model whose card lists its features in another order than the ONNX file', async () => {
    const { model } = trainedChurn();
    const card = parseCard({ ...model.card, features: [...model.card.features].reverse() });
    await expect(Predictor.fromArtifacts('churn', model.onnxBytes, card)).rejects.toThrow(ModelContractError);
    await expect(Predictor.fromArtifacts('churn', model.onnxBytes, card)).rejects.toThrow(/ONNX feature 0 is "recency_days", the card's is "service_tickets_90d"/);
  });

  it('refuses a card that names another version, input or outputs than the ONNX file', async () => {
    const { model } = trainedChurn();
    const variants = [
      [{ version: 'churn-2025-12-31-ffffffff' }, /ONNX metadata says version churn-2025-12-31-[0-9a-f]{8}, the card churn-2025-12-31-ffffffff/],
      [{ onnx: { ...model.card.onnx, input: 'x' } }, /ONNX feature input is "features", the card says "x"/],
      [{ onnx: { ...model.card.onnx, outputs: ['probability', 'p_alive'] } }, /the card lists outputs p_alive that the ONNX graph does not produce/],
    ] as const;
    for (const [override, message] of variants) {
      await expect(Predictor.fromArtifacts('churn', model.onnxBytes, parseCard({ ...model.card, ...override }))).rejects.toThrow(message);
    }
    await expect(Predictor.fromArtifacts('segments', model.onnxBytes, model.card)).rejects.toThrow(/card names model "churn", expected "segments"/);
  });

  it('caches a loaded version, and retries a load that failed', async () => {
    const cache = new PredictorCache(new LocalModelStore(lake));
    const a = await cache.get('churn');
    expect(await cache.get('churn')).toBe(a);
    await expect(cache.get('clv')).rejects.toThrow(/no trained clv model/);
    expect(cache.size).toBe(1);
  });
});
