import { describe, expect, it } from 'vitest';
import { evaluateHitRate, recommend, RecsInputError, trainRecs, type Purchase } from '../../../models/recs/index.ts';
import { dayToIso, syntheticShop } from './synthetic.ts';

const SHOP = syntheticShop();
const AS_OF = dayToIso(300);

describe('evaluateHitRate (time-based holdout)', () => {
  it('beats "most popular products" at hit rate @10 on a shop with planted co-purchase groups', () => {
    const r = evaluateHitRate(SHOP, { asOf: AS_OF, testDays: 65, k: 10 });

    expect(r.customers).toBeGreaterThan(500);
    expect(r.hitRate).toBeGreaterThan(r.popularityHitRate + 0.15);
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

  it('tops up with popular products for a customer whose products have no neighbours', () => {
    const tiny = trainRecs([
      { customer_id: 'a', item_id: 'x', at: '2024-01-01' },
      { customer_id: 'b', item_id: 'y', at: '2024-01-02' },
      { customer_id: 'b', item_id: 'z', at: '2024-01-02' },
    ]);

    const list = recommend(tiny, [{ customer_id: 'a', item_id: 'x', at: '2024-01-01' }], { excludeDays: 0 }).get('a')!;

    expect(list.map((x) => x.source)).toEqual(['popular', 'popular', 'popular']);
  });

  it('fails when nothing was bought on or before as-of', () => {
    expect(() => trainRecs(SHOP, { asOf: '2020-01-01' })).toThrow(RecsInputError);
  });
});
