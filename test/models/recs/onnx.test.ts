import { describe, expect, it } from 'vitest';
import { historyVector, purchaseDay, RECS_OUTPUT, recsToOnnx, scoreVector, trainRecs } from '../../../models/recs/index.ts';
import { histories } from '../../../models/recs/model.ts';
import { ModelSession } from '../../../src/onnx/index.ts';
import { dayToIso, syntheticShop } from './synthetic.ts';

describe('recommendations ONNX export', () => {
  it('matches the TypeScript scores to 1e-5 for a batch of customers', async () => {
    // Arrange
    const shop = syntheticShop({ customers: 400 });
    const asOf = dayToIso(300);
    const model = trainRecs(shop, { asOf });
    const cut = purchaseDay(asOf);
    const vectors = [...histories(shop, cut).values()].slice(0, 64).map((h) => historyVector(model, h, cut));

    // Act
    const session = await ModelSession.load(recsToOnnx(model));
    const out = await session.run(vectors.map((v) => Array.from(v)));
    await session.release();

    // Assert
    const onnx = out[RECS_OUTPUT]!.data as Float32Array;
    const n = model.items.length;
    let worst = 0;
    vectors.forEach((v, r) => scoreVector(model, v).forEach((s, j) => (worst = Math.max(worst, Math.abs(onnx[r * n + j]! - s)))));
    expect(onnx).toHaveLength(64 * n);
    expect(worst).toBeLessThan(1e-5);
  });
});
