import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMatrix, LocalModelStore, parseCard } from '../../src/models/index.ts';
import { ModelContractError, Predictor, PredictorCache, predictRows, SCORING_SESSION_OPTIONS } from '../../src/score/index.ts';
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

  // Which bugs: a padded batch whose padding rows' outputs leak into the result (or whose kept rows are cut short), a
  // copy that changes a value, a multi-batch concatenation out of order, and a JSON response with a typed array (which
  // serialises as an object, not a list).
  it('gives, batch by batch, exactly what onnxruntime gives each batch padded to 64 rows, and a JSON list per row', async () => {
    const { model, features } = trainedChurn();
    const p = await Predictor.fromArtifacts('churn', model.onnxBytes, model.card);
    const bare = await ort.InferenceSession.create(model.onnxBytes, SCORING_SESSION_OPTIONS);
    try {
      const rows = customerRows(100, 11).rows;
      const X = buildMatrix(rows, features).X;
      const k = X.cols;
      // The reference: bare onnxruntime on batches of 30, 30, 30, 10 rows, each padded by hand with its first row.
      const expected: Record<string, number[]> = { probability: [], margin: [], contributions: [] };
      for (let start = 0; start < 100; start += 30) {
        const n = Math.min(30, 100 - start);
        const data = new Float32Array(64 * k);
        for (let r = 0; r < 64; r++) for (let c = 0; c < k; c++) data[r * k + c] = X.data[(start + (r < n ? r : 0)) * k + c]!;
        const out = await bare.run({ [model.card.onnx.input]: new ort.Tensor('float32', data, [64, k]) });
        for (const name of Object.keys(expected)) {
          const perRow = out[name]!.data.length / 64;
          expected[name]!.push(...Array.from(out[name]!.data as Float32Array).slice(0, n * perRow));
        }
      }
      const scored = await p.score(rows, { batchSize: 30 });
      for (const name of Object.keys(expected)) expect(Array.from<number | string>(scored.outputs[name]!.values), name).toEqual(expected[name]);
      expect(scored.outputs.contributions!.dims).toEqual([100, k]);
      expect(scored.outputs.probability!.dims).toEqual([100]);

      const response = JSON.parse(JSON.stringify(await predictRows(p, { rows }, { batchSize: 30 }))) as { predictions: { probability: number; contributions: number[] }[] };
      expect(response.predictions[99]!.contributions).toEqual(expected.contributions!.slice(99 * k));
      expect(response.predictions[42]!.probability).toBe(expected.probability![42]);
    } finally {
      await Promise.all([p.release(), bare.release()]);
    }
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
