import { describe, expect, it } from 'vitest';
import { evaluateHitRate, recommend, RecsInputError, SIMILAR_ONLY, trainRecs, type Purchase } from '../../../models/recs/index.ts';
import { dayToIso, syntheticShop } from './synthetic.ts';

const SHOP = syntheticShop();
const AS_OF = dayToIso(300);

describe('evaluateHitRate (time-based holdout)', () => {
  it('beats "most popular products" at hit rate @10 on a shop with planted co-purchase groups', () => {
    const r = evaluateHitRate(SHOP, { asOf: AS_OF, testDays: 65, k: 10 });

    expect(r.customers).toBeGreaterThan(500);
    expect(r.hitRate).toBeGreaterThan(r.popularityHitRate + 0.15);
    expect(r.model.map).toBeGreaterThan(r.popularity.map);
    expect(r.model.recall).toBeGreaterThan(r.popularity.recall);
  });

  it('scores the baselines by hand on a toy holdout: most popular and repeat-only lists, hit rate, MAP and recall', () => {
    // Arrange: as of 2024-03-31, 30 test days. Everyone bought p1; a also bought q twice (60 and 40 days back).
    // In the test window a buys q and r, b buys r.
    const shop: Purchase[] = [
      { customer_id: 'a', item_id: 'p1', at: '2024-02-20' },
      { customer_id: 'a', item_id: 'q', at: '2024-01-31' },
      { customer_id: 'a', item_id: 'q', at: '2024-02-20' },
      { customer_id: 'b', item_id: 'p1', at: '2024-02-25' },
      { customer_id: 'c', item_id: 'p1', at: '2024-02-26' },
      { customer_id: 'c', item_id: 'r', at: '2024-02-26' },
      { customer_id: 'a', item_id: 'q', at: '2024-04-10' },
      { customer_id: 'a', item_id: 'r', at: '2024-04-11' },
      { customer_id: 'b', item_id: 'r', at: '2024-04-12' },
    ];

    // Act
    const r = evaluateHitRate(shop, { asOf: '2024-03-31', testDays: 30, k: 2, excludeDays: 30 });

    // Assert. Most popular: p1 (3 customers), q and r (1 each; r ranks after q by name) -> [p1, q] for everyone.
    // a bought {q, r}: hit at rank 2 -> AP = (1/2) / min(2, 2) = 0.25, recall 1/2; b bought {r}: no hit.
    expect(r.customers).toBe(2);
    expect(r.popularity).toEqual({ hitRate: 0.5, map: 0.125, recall: 0.25 });
    // Repeat-only: a -> [q (own), p1 (own)], b -> [p1 (own), q (top-up)]: a hits q at rank 1 -> AP 0.5, recall 0.5.
    expect(r.repeat).toEqual({ hitRate: 0.5, map: 0.25, recall: 0.25 });
  });
});

describe('trainRecs + recommend', () => {
  const model = trainRecs(SHOP, { asOf: AS_OF });
  const recs = recommend(model, SHOP);

  it('finds the planted neighbours: the most similar products of a product are from its group', () => {
    const i = model.items.indexOf('p010');
    const top = model.neighbours[i]!.slice(0, 5).map(([j]) => model.items[j]!);
    for (const item of top) expect(Math.floor(Number(item.slice(1)) / 10)).toBe(1);
  });

  it('gives every customer k distinct products, none bought in the last 30 days', () => {
    const since = dayToIso(300 - 29);
    const recent = new Map<string, Set<string>>();
    for (const p of SHOP) {
      if (p.at < since || p.at > AS_OF) continue;
      recent.set(p.customer_id, (recent.get(p.customer_id) ?? new Set()).add(p.item_id));
    }
    for (const [customer, list] of recs) {
      const items = list.map((x) => x.item_id);
      expect(items).toHaveLength(10);
      expect(new Set(items).size).toBe(10);
      expect(items.filter((it) => recent.get(customer)?.has(it))).toEqual([]);
    }
    expect(recent.size).toBeGreaterThan(100);
  });

  it('uses nothing after as-of', () => {
    const later: Purchase[] = [...SHOP, { customer_id: 'c1', item_id: 'p999', at: dayToIso(340) }];

    expect(trainRecs(later, { asOf: AS_OF })).toEqual(model);
  });

  it('tops up with popular products for a customer whose products have no neighbours (similar-only weights, as a pre-blend model.json)', () => {
    const tiny = trainRecs([
      { customer_id: 'a', item_id: 'x', at: '2024-01-01' },
      { customer_id: 'b', item_id: 'y', at: '2024-01-02' },
      { customer_id: 'b', item_id: 'z', at: '2024-01-02' },
    ]);

    const list = recommend(tiny, [{ customer_id: 'a', item_id: 'x', at: '2024-01-01' }], { excludeDays: 0, weights: SIMILAR_ONLY }).get('a')!;

    expect(list.map((x) => x.source)).toEqual(['popular', 'popular', 'popular']);
  });

  it('blends repeat, similar and popular as worked by hand on four products', () => {
    // Arrange: as of 2024-06-30 (day c). a bought x at c-90 and c-45, y at c-90; b bought x and z at c-5; c bought z
    // at c-5; d bought w at c-200.
    const day = (back: number) => new Date(Date.UTC(2024, 5, 30) - back * 86_400_000).toISOString().slice(0, 10);
    const shop: Purchase[] = [
      { customer_id: 'a', item_id: 'x', at: day(90) },
      { customer_id: 'a', item_id: 'y', at: day(90) },
      { customer_id: 'a', item_id: 'x', at: day(45) },
      { customer_id: 'b', item_id: 'x', at: day(5) },
      { customer_id: 'b', item_id: 'z', at: day(5) },
      { customer_id: 'c', item_id: 'z', at: day(5) },
      { customer_id: 'd', item_id: 'w', at: day(200) },
    ];
    const m = trainRecs(shop, { asOf: day(0) });
    // Bought in the last 90 days: x by a and b, z by b and c, y (exactly 90 days ago) and w by nobody.
    expect(m.popularity).toEqual([0, 1, 0, 1]); // items w, x, y, z
    expect(m.popular.map((j) => m.items[j])).toEqual(['x', 'z', 'w', 'y']); // ties: more customers ever, then name

    // Act
    const list = recommend(m, shop, { k: 4 }).get('a')!;

    // Assert. repeat: x 0.5 + 0.5^(45/90) = 1.2071, y 0.5 -> over the max: x 1, y 0.4142.
    // similar: sim(x,y) = 1/sqrt(2*1) * 1/(1+5) = 0.11785, sim(x,z) = 1/sqrt(2*2) * 1/6 = 0.08333;
    // y gets 0.7071 x 0.11785 (from x, last bought 45 days ago) = 0.08333, z 0.7071 x 0.08333 = 0.05893,
    // x 0.5 x 0.11785 (from y) = 0.05893 -> over the max: y 1, z 0.7071, x 0.7071.
    // blend (1, 0.5, 0.5): x 1 + 0.3536 + 0.5 = 1.8536; y 0.4142 + 0.5 = 0.9142; z 0.3536 + 0.5 = 0.8536; w topped up.
    expect(list.map((r) => [r.item_id, r.source])).toEqual([['x', 'repeat'], ['y', 'similar'], ['z', 'popular'], ['w', 'popular']]);
    expect(list.map((r) => r.score)).toEqual([expect.closeTo(1.8536, 4), expect.closeTo(0.9142, 4), expect.closeTo(0.8536, 4), 0]);
  });

  it('fails when nothing was bought on or before as-of', () => {
    expect(() => trainRecs(SHOP, { asOf: '2020-01-01' })).toThrow(RecsInputError);
  });
});
