/**
 * Next-best products: a blend of three scores per product, each scaled to [0, 1] for the customer, then weighted
 * (`model.weights`, the same wherever the model is applied):
 * - repeat: the customer's own purchases of it, each weighted 0.5 ^ (days ago / half-life) (what a grocery or
 *   gift-shop customer buys again);
 * - similar: item-to-item collaborative filtering. Two items are similar when the same customers bought both:
 *   cosine over the customer x item purchase matrix, shrunk towards 0 when few customers back it
 *   (sim = c_ij / sqrt(n_i n_j) * c_ij / (c_ij + shrinkage)); the score of j is the sum over what they bought of its
 *   recency weight x sim;
 * - popular: customers who bought it in the last `popularityDays`, over the most-bought product's count.
 * Products bought in the last `excludeDays` are left out; the list is topped up with the most popular products.
 * The weights were chosen on time-based holdouts (docs/models.md "Recommendations"): the blend beats both
 * most-popular and repeat-only on the synthetic lake and on UCI Online Retail.
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
  /** Weights of the repeat, similar and popular scores. @default DEFAULT_WEIGHTS */
  readonly weights?: BlendWeights;
  /** @default `recs-${asOf}` */
  readonly version?: string;
}

/** How much each score counts in the blend (each score is first scaled to [0, 1] per customer). */
export interface BlendWeights {
  readonly repeat: number;
  readonly similar: number;
  readonly popular: number;
}

/**
 * Chosen on the backtests before the reported ones (synthetic lake as of 2025-10-31 and 2025-12-01, UCI Online
 * Retail as of 2011-01-31), a flat optimum among repeat 1, similar 0.25..1, popular 0.25..0.5.
 */
export const DEFAULT_WEIGHTS: BlendWeights = { repeat: 1, similar: 0.5, popular: 0.5 };
/** The baselines the card reports, as blends: the customer's own products, and the bestsellers. */
export const REPEAT_ONLY: BlendWeights = { repeat: 1, similar: 0, popular: 0 };
/** What a model.json written before the blend did: similar products, topped up with the bestsellers. */
export const SIMILAR_ONLY: BlendWeights = { repeat: 0, similar: 1, popular: 0 };

export interface RecsModel {
  readonly kind: 'recs';
  readonly version: string;
  readonly asOf: string;
  readonly items: readonly string[];
  /** neighbours[i]: [item index, similarity] pairs, most similar first. */
  readonly neighbours: readonly (readonly (readonly [number, number])[])[];
  /** Item indices, most popular first. */
  readonly popular: readonly number[];
  /** popularity[i]: customers who bought item i in the last popularityDays, over the largest such count (0..1). */
  readonly popularity: readonly number[];
  readonly weights: BlendWeights;
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

/** A customer's purchases: item -> the day of each purchase of it (one per order), on or before the cut. */
export type History = ReadonlyMap<string, readonly number[]>;

/** Per customer: item -> days bought, for purchases on or before `cut`. */
export function histories(purchases: readonly Purchase[], cut: number): Map<string, Map<string, number[]>> {
  const out = new Map<string, Map<string, number[]>>();
  for (const p of purchases) {
    const day = purchaseDay(p.at);
    if (day > cut) continue;
    let h = out.get(p.customer_id);
    if (!h) out.set(p.customer_id, (h = new Map()));
    const days = h.get(p.item_id);
    if (days) days.push(day);
    else h.set(p.item_id, [day]);
  }
  return out;
}

function lastDay(days: readonly number[]): number {
  let last = -Infinity;
  for (const d of days) last = Math.max(last, d);
  return last;
}

/** Sum over the purchases of 0.5 ^ (days before the cut / half-life): how often, and how lately, it was bought. */
function repeatWeight(days: readonly number[], cut: number, halfLifeDays: number): number {
  let w = 0;
  for (const d of days) w += 0.5 ** (Math.max(0, cut - d) / halfLifeDays);
  return w;
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
  const weights = options.weights ?? DEFAULT_WEIGHTS;
  const byCustomer = new Map<string, Map<string, number>>();
  for (const [customer, h] of histories(purchases, cut)) byCustomer.set(customer, new Map([...h].map(([it, days]) => [it, lastDay(days)])));
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
  // Popularity counts every customer, not only each one's maxItemsPerCustomer most recent products.
  const recentBuyers = new Float64Array(items.length);
  const everBuyers = new Float64Array(items.length);
  for (const h of byCustomer.values()) {
    for (const [it, day] of h) {
      const i = index.get(it)!;
      everBuyers[i]!++;
      if (cut - day < params.popularityDays) recentBuyers[i]!++;
    }
  }
  // Baskets as item indices, and the inverted index item -> baskets holding it.
  const baskets: Int32Array[] = [];
  const holders: number[][] = items.map(() => []);
  let lines = 0;
  for (const h of byCustomer.values()) {
    lines += h.size;
    const basket = [...h].sort((a, b) => b[1] - a[1]).slice(0, params.maxItemsPerCustomer);
    const ids = Int32Array.from(basket, ([it]) => index.get(it)!);
    basket.forEach((_, k) => {
      n[ids[k]!]!++;
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
  const popular = items.map((_, i) => i).sort((a, b) => recentBuyers[b]! - recentBuyers[a]! || everBuyers[b]! - everBuyers[a]! || a - b);
  let top = 0;
  for (const c of recentBuyers) top = Math.max(top, c);
  return {
    kind: 'recs',
    version: options.version ?? `recs-${asOf}`,
    asOf,
    items,
    neighbours,
    popular,
    popularity: Array.from(recentBuyers, (c) => (top > 0 ? c / top : 0)),
    weights,
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
  /** Blend weights. @default the model's */
  readonly weights?: BlendWeights;
}

export interface Recommendation {
  readonly item_id: string;
  readonly score: number;
  readonly rank: number;
  /**
   * The largest part of the score: 'repeat' (the customer bought it before), 'similar' (bought with what they
   * bought), 'popular' (a bestseller, including the top-up).
   */
  readonly source: 'repeat' | 'similar' | 'popular';
}

interface Lookup {
  readonly index: Map<string, number>;
  /** popularRank[i]: position of item i in model.popular (ties of the blend go to the more popular product). */
  readonly popularRank: Int32Array;
}

const lookups = new WeakMap<RecsModel, Lookup>();

function lookup(model: RecsModel): Lookup {
  let l = lookups.get(model);
  if (!l) {
    const popularRank = new Int32Array(model.items.length);
    model.popular.forEach((j, r) => (popularRank[j] = r));
    lookups.set(model, (l = { index: new Map(model.items.map((it, i) => [it, i])), popularRank }));
  }
  return l;
}

/**
 * A customer's purchases as one weight per product (model.items order): 0.5 ^ (days since last bought / half-life).
 * The `history` input of the ONNX scorer (multiplied by the similarity matrix).
 */
export function historyVector(model: RecsModel, history: History, cut: number, halfLifeDays = 90): Float64Array {
  const { index } = lookup(model);
  const v = new Float64Array(model.items.length);
  for (const [item, days] of history) {
    const i = index.get(item);
    if (i !== undefined) v[i] = 0.5 ** (Math.max(0, cut - lastDay(days)) / halfLifeDays);
  }
  return v;
}

/** Sum over each purchase of a product of 0.5 ^ (days ago / half-life): the `repeat` input of the ONNX scorer. */
export function repeatVector(model: RecsModel, history: History, cut: number, halfLifeDays = 90): Float64Array {
  const { index } = lookup(model);
  const v = new Float64Array(model.items.length);
  for (const [item, days] of history) {
    const i = index.get(item);
    if (i !== undefined) v[i] = repeatWeight(days, cut, halfLifeDays);
  }
  return v;
}

/** Item-to-item score of every product for one purchase vector: sum over bought products of weight x similarity. */
export function similarVector(model: RecsModel, weights: ArrayLike<number>): Float64Array {
  const scores = new Float64Array(model.items.length);
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    if (w === 0) continue;
    for (const [j, sim] of model.neighbours[i]!) scores[j]! += w * sim;
  }
  return scores;
}

/**
 * The blended score of every product, what the ONNX scorer outputs:
 * w.repeat x repeat / max(repeat) + w.similar x similar / max(similar) + w.popular x popularity.
 */
export function scoreVector(model: RecsModel, history: ArrayLike<number>, repeat: ArrayLike<number>, weights: BlendWeights = model.weights): Float64Array {
  const similar = similarVector(model, history);
  const maxS = Math.max(0, ...similar);
  let maxR = 0;
  for (let i = 0; i < repeat.length; i++) maxR = Math.max(maxR, repeat[i]!);
  return Float64Array.from(similar, (s, j) => (maxR > 0 ? (weights.repeat * repeat[j]!) / maxR : 0) + (maxS > 0 ? (weights.similar * s) / maxS : 0) + weights.popular * model.popularity[j]!);
}

/** Top-k products for one customer, from their purchase history (item -> days bought). */
export function recommendFor(model: RecsModel, history: History, cut: number, options: RecommendOptions = {}): Recommendation[] {
  const k = options.k ?? 10;
  const excludeDays = options.excludeDays ?? 30;
  const halfLife = options.halfLifeDays ?? 90;
  const w = options.weights ?? model.weights;
  const { index, popularRank } = lookup(model);
  const excluded = new Set<number>();
  // The same sums as scoreVector(historyVector(...), repeatVector(...)), over the products actually reached only.
  const repeat = new Map<number, number>();
  const similar = new Map<number, number>();
  let maxR = 0;
  for (const [item, days] of history) {
    const i = index.get(item);
    if (i === undefined) continue;
    const last = lastDay(days);
    if (cut - last < excludeDays) excluded.add(i);
    const r = repeatWeight(days, cut, halfLife);
    repeat.set(i, r);
    maxR = Math.max(maxR, r);
    if (w.similar === 0) continue;
    const recency = 0.5 ** (Math.max(0, cut - last) / halfLife);
    for (const [j, sim] of model.neighbours[i]!) similar.set(j, (similar.get(j) ?? 0) + recency * sim);
  }
  let maxS = 0;
  for (const v of similar.values()) maxS = Math.max(maxS, v);
  // Any product outside these candidates scores only its popularity, so only the top k + |excluded| bestsellers can place.
  const candidates = new Set<number>([...repeat.keys(), ...similar.keys()]);
  if (w.popular > 0) for (const j of model.popular.slice(0, k + excluded.size)) candidates.add(j);
  const scored: { j: number; score: number; source: Recommendation['source'] }[] = [];
  for (const j of candidates) {
    if (excluded.has(j)) continue;
    const parts = [
      ['repeat', maxR > 0 ? (w.repeat * (repeat.get(j) ?? 0)) / maxR : 0],
      ['similar', maxS > 0 ? (w.similar * (similar.get(j) ?? 0)) / maxS : 0],
      ['popular', w.popular * model.popularity[j]!],
    ] as const;
    const score = parts[0][1] + parts[1][1] + parts[2][1];
    if (score <= 0) continue;
    const source = parts.reduce((a, b) => (b[1] > a[1] ? b : a))[0];
    scored.push({ j, score, source });
  }
  const ranked = scored.sort((a, b) => b.score - a.score || popularRank[a.j]! - popularRank[b.j]!).slice(0, k);
  const out: Recommendation[] = ranked.map((x, r) => ({ item_id: model.items[x.j]!, score: x.score, rank: r + 1, source: x.source }));
  const taken = new Set(ranked.map((x) => x.j));
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
export function popularFor(model: RecsModel, history: History, cut: number, options: RecommendOptions = {}): string[] {
  const k = options.k ?? 10;
  const excludeDays = options.excludeDays ?? 30;
  const excluded = new Set([...history].filter(([, days]) => cut - lastDay(days) < excludeDays).map(([it]) => it));
  return model.popular.map((j) => model.items[j]!).filter((it) => !excluded.has(it)).slice(0, k);
}

/** Hit rate, MAP and recall @k of one way of recommending, over the customers of a backtest. */
export interface RankingMetrics {
  /** Share of customers with at least one product of their top k bought in the test window. */
  readonly hitRate: number;
  /** Mean over customers of average precision @k (precision at each hit's rank, over min(bought, k)). */
  readonly map: number;
  /** Mean over customers of (products of the top k they bought) / (products they bought). */
  readonly recall: number;
}

export interface HitRateReport {
  readonly asOf: string;
  readonly k: number;
  /** Customers with a purchase on or before as-of and a new (not excluded) product bought in the test window. */
  readonly customers: number;
  readonly hitRate: number;
  readonly popularityHitRate: number;
  readonly model: RankingMetrics;
  /** The most popular products, the same for everyone (minus recent purchases). */
  readonly popularity: RankingMetrics;
  /** The customer's own products by recency-weighted purchase count, topped up with the most popular. */
  readonly repeat: RankingMetrics;
}

function rankingMetrics(lists: readonly (readonly string[])[], bought: readonly ReadonlySet<string>[], k: number): RankingMetrics {
  let hits = 0;
  let ap = 0;
  let recall = 0;
  lists.forEach((list, c) => {
    const target = bought[c]!;
    let found = 0;
    let precisions = 0;
    list.forEach((it, r) => {
      if (!target.has(it)) return;
      found++;
      precisions += found / (r + 1);
    });
    if (found > 0) hits++;
    ap += precisions / Math.min(target.size, k);
    recall += found / target.size;
  });
  const n = lists.length;
  return n === 0 ? { hitRate: 0, map: 0, recall: 0 } : { hitRate: hits / n, map: ap / n, recall: recall / n };
}

/**
 * Time-based holdout: train on purchases up to `asOf`, then for each customer who bought before it, check whether
 * any product they bought in the next `testDays` (other than those excluded as recent purchases) is in their top k;
 * the same for the most popular products and for the customer's own products (repeat-purchase baseline).
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
    const days = h.get(p.item_id);
    if (days !== undefined && cut - lastDay(days) < excludeDays) continue;
    let s = next.get(p.customer_id);
    if (!s) next.set(p.customer_id, (s = new Set()));
    s.add(p.item_id);
  }
  const customers = [...next.keys()];
  const bought = customers.map((c) => next.get(c)!);
  const opts = options;
  const listsOf = (f: (h: History) => string[]) => customers.map((c) => f(before.get(c)!));
  const ids = (rs: Recommendation[]) => rs.map((r) => r.item_id);
  const modelMetrics = rankingMetrics(listsOf((h) => ids(recommendFor(model, h, cut, { ...opts, k }))), bought, k);
  const popularity = rankingMetrics(listsOf((h) => popularFor(model, h, cut, { ...opts, k })), bought, k);
  const repeat = rankingMetrics(listsOf((h) => ids(recommendFor(model, h, cut, { ...opts, k, weights: REPEAT_ONLY }))), bought, k);
  return { asOf: model.asOf, k, customers: customers.length, hitRate: modelMetrics.hitRate, popularityHitRate: popularity.hitRate, model: modelMetrics, popularity, repeat };
}
