import { describe, expect, it } from 'vitest';
import { histories, historyVector, purchaseDay, RECS_OUTPUT, recommendFor, recsInputRow, recsToOnnx, repeatVector, scoreVector, trainRecs } from '../../../models/recs/index.ts';
import { ModelSession } from '../../../src/onnx/index.ts';
import { dayToIso, syntheticShop } from './synthetic.ts';

describe('recommendations ONNX export', () => {
  // Arrange
  const shop = syntheticShop({ customers: 400 });
  const asOf = dayToIso(300);
  const model = trainRecs(shop, { asOf });
  const cut = purchaseDay(asOf);
  const customers = [...histories(shop, cut).values()].slice(0, 64);
  const n = model.items.length;

  it('matches the TypeScript blend to 1e-5 for a batch of customers', async () => {
    // Act
    const session = await ModelSession.load(recsToOnnx(model));
    const out = await session.run(customers.map((h) => Array.from(recsInputRow(model, h, cut))));
    await session.release();

    // Assert
    const onnx = out[RECS_OUTPUT]!.data as Float32Array;
    let worst = 0;
    customers.forEach((h, r) => scoreVector(model, historyVector(model, h, cut), repeatVector(model, h, cut)).forEach((s, j) => (worst = Math.max(worst, Math.abs(onnx[r * n + j]! - s)))));
    expect(onnx).toHaveLength(64 * n);
    expect(worst).toBeLessThan(1e-5);
  });

  it('ranks as recommendFor does: the top 10 of the dense scores without recent purchases is its list', () => {
    for (const h of customers) {
      const scores = scoreVector(model, historyVector(model, h, cut), repeatVector(model, h, cut));
      const recent = new Set([...h].filter(([, days]) => cut - Math.max(...days) < 30).map(([it]) => model.items.indexOf(it)));
      const dense = [...scores.keys()].filter((j) => !recent.has(j) && scores[j]! > 0).sort((a, b) => scores[b]! - scores[a]! || model.popular.indexOf(a) - model.popular.indexOf(b)).slice(0, 10);
      expect(recommendFor(model, h, cut).map((r) => r.item_id)).toEqual(dense.map((j) => model.items[j]));
    }
  });
});
