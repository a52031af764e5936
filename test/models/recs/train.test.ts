import { describe, expect, it } from 'vitest';
import { MODEL_JSON, parseRecsModel, recommend, recsArtifacts, SIMILAR_ONLY, trainRecsModel } from '../../../models/recs/index.ts';
import type { Purchase } from '../../../models/recs/index.ts';
import { dayToIso, syntheticShop } from './synthetic.ts';

describe('trainRecsModel', () => {
  const shop = syntheticShop({ customers: 800 });
  const asOf = dayToIso(330);
  const t = trainRecsModel(shop, { asOf, testDays: 60, now: () => new Date('2024-12-01T00:00:00Z') });

  it('puts a backtest hit rate @10 above the popularity baseline on the card', () => {
    expect(t.card.metrics.backtest_hit_rate_at_10).toBeGreaterThan(t.card.metrics.backtest_popularity_hit_rate_at_10! + 0.15);
    expect(t.backtest!.asOf).toBe(dayToIso(270));
    // Bought-recency and repeat weight per product: the ONNX scorer's input row.
    expect(t.card.features).toHaveLength(2 * t.model.items.length);
    // The planted groups are found by co-purchases, not by buying the same products again.
    expect(t.card.metrics.backtest_hit_rate_at_10).toBeGreaterThan(t.card.metrics.backtest_repeat_hit_rate_at_10!);
    expect(t.card.metrics.backtest_map_at_10).toBeGreaterThan(t.card.metrics.backtest_popularity_map_at_10!);
    expect(t.card.warnings ?? []).toEqual([]);
  });

  it('stores a model.json that gives the same recommendations', () => {
    const model = parseRecsModel(recsArtifacts(t)[MODEL_JSON]!);

    expect(recommend(model, shop)).toEqual(recommend(t.model, shop));
  });

  it('reads a model.json written before the blend (no weights) as what it did then: similar products, then the bestsellers', () => {
    const { weights: _w, popularity: _p, ...old } = t.model;
    const model = parseRecsModel(new TextEncoder().encode(JSON.stringify(old)));

    const lists = recommend(model, shop);
    expect(lists).toEqual(recommend(t.model, shop, { weights: SIMILAR_ONLY }));
    expect(lists).not.toEqual(recommend(t.model, shop));
  });

  it('keeps the catalogue to the most-bought products when asked', () => {
    const small = trainRecsModel(shop, { asOf, maxItems: 50 });

    expect(small.model.items).toHaveLength(50);
  });
});

describe('trainRecsModel on a shop where nobody buys a product twice and baskets are random bestsellers', () => {
  // Every purchase is a fresh draw from one heavy-tailed popularity: a customer's past says nothing but what they
  // will not buy again, so the bestseller list is the best one can do and the blend (led by repeat) loses to it.
  const shop: Purchase[] = [];
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  const weights = Array.from({ length: 60 }, (_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const draw = () => {
    let u = rand() * total;
    for (let i = 0; i < weights.length; i++) if ((u -= weights[i]!) < 0) return i;
    return weights.length - 1;
  };
  for (let c = 0; c < 600; c++) {
    const owned = new Set<number>();
    for (let o = 0; o < 6; o++) {
      const at = dayToIso(Math.floor(rand() * 365));
      for (let l = 0; l < 2; l++) {
        let it = draw();
        for (let tries = 0; owned.has(it) && tries < 50; tries++) it = draw();
        if (owned.has(it)) continue;
        owned.add(it);
        shop.push({ customer_id: `c${c}`, item_id: `p${it}`, at });
      }
    }
  }
  const t = trainRecsModel(shop, { asOf: dayToIso(364), now: () => new Date('2024-12-31T00:00:00Z') });

  it('says first on the card that the recommendations do not beat most-popular, with both figures', () => {
    const m = t.card.metrics;
    expect(m.backtest_hit_rate_at_10).toBeLessThan(m.backtest_popularity_hit_rate_at_10!);
    expect(t.card.warnings).toEqual([
      `Recommendations do not beat most-popular on the backtest: hit rate @10 ${m.backtest_hit_rate_at_10!.toFixed(3)} against ` +
        `${m.backtest_popularity_hit_rate_at_10!.toFixed(3)} for the most popular products (${m.backtest_customers} customers). ` +
        "Neither the customers' own repeat purchases nor co-purchases help on this lake yet; treat next_best_products as a bestseller list.",
    ]);
  });
});

