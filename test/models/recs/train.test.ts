import { describe, expect, it } from 'vitest';
import { MODEL_JSON, parseRecsModel, recommend, recsArtifacts, trainRecsModel } from '../../../models/recs/index.ts';
import { dayToIso, syntheticShop } from './synthetic.ts';

describe('trainRecsModel', () => {
  const shop = syntheticShop({ customers: 800 });
  const asOf = dayToIso(330);
  const t = trainRecsModel(shop, { asOf, testDays: 60, now: () => new Date('2024-12-01T00:00:00Z') });

  it('puts a backtest hit rate @10 above the popularity baseline on the card', () => {
    expect(t.card.metrics.backtest_hit_rate_at_10).toBeGreaterThan(t.card.metrics.backtest_popularity_hit_rate_at_10! + 0.15);
    expect(t.backtest!.asOf).toBe(dayToIso(270));
    expect(t.card.features).toHaveLength(t.model.items.length);
  });

  it('stores a model.json that gives the same recommendations', () => {
    const model = parseRecsModel(recsArtifacts(t)[MODEL_JSON]!);

    expect(recommend(model, shop)).toEqual(recommend(t.model, shop));
  });

  it('keeps the catalogue to the most-bought products when asked', () => {
    const small = trainRecsModel(shop, { asOf, maxItems: 50 });

    expect(small.model.items).toHaveLength(50);
  });
});
