/**
 * Next-best products: item-to-item collaborative filtering. Two items are similar when the same customers bought
 * both: cosine over the customer x item purchase matrix, shrunk towards 0 when few customers back it
 * (sim = c_ij / sqrt(n_i n_j) * c_ij / (c_ij + shrinkage)). A customer's candidates are the neighbours of what they
 * bought, weighted by how recently they bought it (half-life), minus what they bought in the last `excludeDays`;
 * the list is topped up with the most popular products when the neighbours run out.
 */
import { RecsInputError } from './errors.ts';

/** One order line, or one purchase event; `at` is `YYYY-MM-DD` or an ISO timestamp. */
export interface Purchase {
  readonly customer_id: string;
  readonly item_id: string;
  readonly at: string;
}

export interface TrainRecsOptions {
  /** Only purchases on or before this date (`YYYY-MM-DD`) are used. @default the last purchase's date */
  readonly asOf?: string;
  /** Neighbours kept per item. @default 50 */
  readonly neighbours?: number;
  /** Co-purchase count at which a similarity keeps half its cosine. @default 5 */
  readonly shrinkage?: number;
  /** Most recent distinct items per customer that count towards co-occurrence (bounds the cost of heavy buyers). @default 100 */
  readonly maxItemsPerCustomer?: number;
  /** Popularity counts customers over this many days before as-of. @default 90 */
  readonly popularityDays?: number;
  /** Keep only the products bought by the most customers (the ONNX scorer is dense in the catalogue size). @default all */
  readonly maxItems?: number;
  /** @default `recs-${asOf}` */
  readonly version?: string;
}

export interface RecsModel {
  readonly kind: 'recs';
  readonly version: string;
  readonly asOf: string;
  readonly items: readonly string[];
  /** neighbours[i]: [item index, similarity] pairs, most similar first. */
  readonly neighbours: readonly (readonly (readonly [number, number])[])[];
  /** Item indices, most popular first. */
  readonly popular: readonly number[];
  readonly params: { readonly maxItems: number | null; readonly neighbours: number; readonly shrinkage: number; readonly maxItemsPerCustomer: number; readonly popularityDays: number };
  /** Distinct (customer, product) pairs, customers and products the similarities were computed from. */
  readonly counts: { readonly customerItems: number; readonly customers: number; readonly items: number };
}

const DAY_MS = 86_400_000;

/** Epoch day of `YYYY-MM-DD` or an ISO timestamp (UTC date). */
export function purchaseDay(at: string): number {
  const ms = Date.parse(at.length === 10 ? `${at}T00:00:00Z` : at);
  if (Number.isNaN(ms)) throw new RecsInputError(`expected a purchase date as YYYY-MM-DD or ISO timestamp, received ${JSON.stringify(at)}`);
  return Math.floor(ms / DAY_MS);
}

function isoDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Per customer: item -> last day bought, for purchases on or before `cut`. */
export function histories(purchases: readonly Purchase[], cut: number): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const p of purchases) {
    const day = purchaseDay(p.at);
    if (day > cut) continue;
    let h = out.get(p.customer_id);
    if (!h) out.set(p.customer_id, (h = new Map()));
    h.set(p.item_id, Math.max(day, h.get(p.item_id) ?? -Infinity));
  }
  return out;
}

export function trainRecs(purchases: readonly Purchase[], options: TrainRecsOptions = {}): RecsModel {
  const cut = options.asOf !== undefined ? purchaseDay(options.asOf) : Math.max(...purchases.map((p) => purchaseDay(p.at)));
  const asOf = isoDate(cut);
  const params = {
    maxItems: options.maxItems ?? null,
    neighbours: options.neighbours ?? 50,
    shrinkage: options.shrinkage ?? 5,
    maxItemsPerCustomer: options.maxItemsPerCustomer ?? 100,
    popularityDays: options.popularityDays ?? 90,
  };
  const byCustomer = histories(purchases, cut);
  if (byCustomer.size === 0) throw new RecsInputError(`no purchase on or before as-of ${asOf}`);
  const buyers = new Map<string, number>();
  for (const h of byCustomer.values()) for (const it of h.keys()) buyers.set(it, (buyers.get(it) ?? 0) + 1);
  let items = [...buyers.keys()].sort();
  if (options.maxItems !== undefined && items.length > options.maxItems) {
    const kept = new Set([...items].sort((a, b) => buyers.get(b)! - buyers.get(a)! || (a < b ? -1 : 1)).slice(0, options.maxItems));
    items = items.filter((it) => kept.has(it));
    for (const h of byCustomer.values()) for (const it of [...h.keys()]) if (!kept.has(it)) h.delete(it);
  }
  const index = new Map(items.map((it, i) => [it, i]));
  const n = new Float64Array(items.length);
  const recentBuyers = new Float64Array(items.length);
  // Baskets as item indices, and the inverted index item -> baskets holding it.
  const baskets: Int32Array[] = [];
  const holders: number[][] = items.map(() => []);
  let lines = 0;
  for (const h of byCustomer.values()) {
    lines += h.size;
    const basket = [...h].sort((a, b) => b[1] - a[1]).slice(0, params.maxItemsPerCustomer);
    const ids = Int32Array.from(basket, ([it]) => index.get(it)!);
    basket.forEach(([, day], k) => {
      n[ids[k]!]!++;
      if (cut - day < params.popularityDays) recentBuyers[ids[k]!]!++;
      holders[ids[k]!]!.push(baskets.length);
    });
    baskets.push(ids);
  }
  // Co-purchase counts one item at a time in a dense scratch row: memory O(items), no pair map.
  const counts = new Float64Array(items.length);
  const touched: number[] = [];
  const neighbours = items.map((_, i) => {
    for (const b of holders[i]!) {
      for (const j of baskets[b]!) {
        if (j === i) continue;
        if (counts[j] === 0) touched.push(j);
        counts[j]!++;
      }
    }
    const list = touched.map((j) => {
      const c = counts[j]!;
      return [j, (c / Math.sqrt(n[i]! * n[j]!)) * (c / (c + params.shrinkage))] as const;
    });
    for (const j of touched) counts[j] = 0;
    touched.length = 0;
    return list.sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, params.neighbours);
  });
  // Popular = most customers in the recent window; all-time customers break ties.
  const popular = items.map((_, i) => i).sort((a, b) => recentBuyers[b]! - recentBuyers[a]! || n[b]! - n[a]! || a - b);
  return {
    kind: 'recs',
    version: options.version ?? `recs-${asOf}`,
    asOf,
    items,
    neighbours,
    popular,
    params,
    counts: { customerItems: lines, customers: byCustomer.size, items: items.length },
  };
}

export interface RecommendOptions {
  /** @default 10 */
  readonly k?: number;
  /** Products bought this many days before the as-of date (or later) are not recommended. @default 30 */
  readonly excludeDays?: number;
  /** Half-life of a purchase's weight, in days: recent purchases say more about the next one. @default 90 */
  readonly halfLifeDays?: number;
  /** History cut-off. @default the model's as-of */
  readonly asOf?: string;
}

export interface Recommendation {
  readonly item_id: string;
  readonly score: number;
  readonly rank: number;
  /** 'similar' from co-purchases, 'popular' where the list was topped up. */
  readonly source: 'similar' | 'popular';
}

const indexes = new WeakMap<RecsModel, Map<string, number>>();

function itemIndex(model: RecsModel): Map<string, number> {
  let index = indexes.get(model);
  if (!index) indexes.set(model, (index = new Map(model.items.map((it, i) => [it, i]))));
  return index;
}

/**
 * A customer's purchases as one weight per product (model.items order): 0.5 ^ (days since last bought / half-life).
 * The input row of the ONNX scorer.
 */
export function historyVector(model: RecsModel, history: ReadonlyMap<string, number>, cut: number, halfLifeDays = 90): Float64Array {
  const index = itemIndex(model);
  const v = new Float64Array(model.items.length);
  for (const [item, day] of history) {
    const i = index.get(item);
    if (i !== undefined) v[i] = 0.5 ** (Math.max(0, cut - day) / halfLifeDays);
  }
  return v;
}

/** Score of every product for one purchase vector: sum over bought products of weight x similarity. */
export function scoreVector(model: RecsModel, weights: ArrayLike<number>): Float64Array {
  const scores = new Float64Array(model.items.length);
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    if (w === 0) continue;
    for (const [j, sim] of model.neighbours[i]!) scores[j]! += w * sim;
  }
  return scores;
}

/** Top-k products for one customer, from their purchase history (item -> last day bought). */
export function recommendFor(model: RecsModel, history: ReadonlyMap<string, number>, cut: number, options: RecommendOptions = {}): Recommendation[] {
  const k = options.k ?? 10;
  const excludeDays = options.excludeDays ?? 30;
  const index = itemIndex(model);
  const excluded = new Set<number>();
  for (const [item, day] of history) {
    const i = index.get(item);
    if (i !== undefined && cut - day < excludeDays) excluded.add(i);
  }
  // The same sums as scoreVector(historyVector(...)), over the neighbours actually reached only.
  const halfLife = options.halfLifeDays ?? 90;
  const scores = new Map<number, number>();
  for (const [item, day] of history) {
    const i = index.get(item);
    if (i === undefined) continue;
    const w = 0.5 ** (Math.max(0, cut - day) / halfLife);
    for (const [j, sim] of model.neighbours[i]!) scores.set(j, (scores.get(j) ?? 0) + w * sim);
  }
  const ranked = [...scores]
    .filter(([j, score]) => score > 0 && !excluded.has(j))
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, k);
  const out: Recommendation[] = ranked.map(([j, score], r) => ({ item_id: model.items[j]!, score, rank: r + 1, source: 'similar' }));
  const taken = new Set(ranked.map(([j]) => j));
  for (const j of model.popular) {
    if (out.length >= k) break;
    if (excluded.has(j) || taken.has(j)) continue;
    out.push({ item_id: model.items[j]!, score: 0, rank: out.length + 1, source: 'popular' });
  }
  return out;
}

/** Top-k products for every customer in `purchases` (history up to as-of). */
export function recommend(model: RecsModel, purchases: readonly Purchase[], options: RecommendOptions = {}): Map<string, Recommendation[]> {
  const cut = purchaseDay(options.asOf ?? model.asOf);
  const out = new Map<string, Recommendation[]>();
  for (const [customer, h] of histories(purchases, cut)) out.set(customer, recommendFor(model, h, cut, options));
  return out;
}

/** The "most popular products" baseline: the same list for everyone, minus what the customer bought recently. */
export function popularFor(model: RecsModel, history: ReadonlyMap<string, number>, cut: number, options: RecommendOptions = {}): string[] {
  const k = options.k ?? 10;
  const excludeDays = options.excludeDays ?? 30;
  const excluded = new Set([...history].filter(([, day]) => cut - day < excludeDays).map(([it]) => it));
  return model.popular.map((j) => model.items[j]!).filter((it) => !excluded.has(it)).slice(0, k);
}

export interface HitRateReport {
  readonly asOf: string;
  readonly k: number;
  /** Customers with a purchase on or before as-of and a new (not excluded) product bought in the test window. */
  readonly customers: number;
  readonly hitRate: number;
  readonly popularityHitRate: number;
}

/**
 * Time-based holdout: train on purchases up to `asOf`, then for each customer who bought before it, check whether
 * any product they bought in the next `testDays` (other than those excluded as recent purchases) is in their top k.
 */
export function evaluateHitRate(
  purchases: readonly Purchase[],
  options: TrainRecsOptions & RecommendOptions & { readonly asOf: string; readonly testDays?: number },
): HitRateReport {
  const model = trainRecs(purchases, options);
  const cut = purchaseDay(options.asOf);
  const testDays = options.testDays ?? 30;
  const excludeDays = options.excludeDays ?? 30;
  const k = options.k ?? 10;
  const before = histories(purchases, cut);
  const next = new Map<string, Set<string>>();
  for (const p of purchases) {
    const day = purchaseDay(p.at);
    if (day <= cut || day > cut + testDays) continue;
    const h = before.get(p.customer_id);
    if (!h) continue;
    const last = h.get(p.item_id);
    if (last !== undefined && cut - last < excludeDays) continue;
    let s = next.get(p.customer_id);
    if (!s) next.set(p.customer_id, (s = new Set()));
    s.add(p.item_id);
  }
  let hits = 0;
  let popularHits = 0;
  for (const [customer, bought] of next) {
    const h = before.get(customer)!;
    if (recommendFor(model, h, cut, { ...options, k }).some((r) => bought.has(r.item_id))) hits++;
    if (popularFor(model, h, cut, { ...options, k }).some((it) => bought.has(it))) popularHits++;
  }
  const customers = next.size;
  return { asOf: model.asOf, k, customers, hitRate: hits / customers, popularityHitRate: popularHits / customers };
}
