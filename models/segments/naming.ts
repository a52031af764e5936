/**
 * Readable segment names from centroid profiles. A centroid in standardised units says how far, in standard
 * deviations, a segment sits from the average customer on each feature. Archetypes describe a profile
 * ("recent, frequent, high spend" = High-value loyal); each one scores against every centroid, and names are handed
 * out greedily, best match first, each name to one segment. A segment no archetype fits is named after its two
 * most distinctive traits ("Promo-driven, long inactive"). Nothing depends on a cluster's index.
 */

/** One condition of an archetype: the feature's z-score should be above (+1) or below (-1) zero by a margin. */
interface Condition {
  readonly feature: string;
  readonly direction: 1 | -1;
}

export interface Archetype {
  readonly name: string;
  readonly conditions: readonly Condition[];
}

const up = (feature: string): Condition => ({ feature, direction: 1 });
const down = (feature: string): Condition => ({ feature, direction: -1 });

/** Marketing archetypes over the customer features; an archetype whose features are not all in the model is skipped. */
export const ARCHETYPES: readonly Archetype[] = [
  { name: 'High-value loyal', conditions: [up('net_revenue_365d'), up('orders_365d'), down('recency_days')] },
  { name: 'Lapsed big spenders', conditions: [up('recency_days'), up('avg_order_value')] },
  { name: 'Lapsed big spenders', conditions: [up('recency_days'), up('net_revenue_total')] },
  { name: 'New', conditions: [down('tenure_days'), down('recency_days')] },
  { name: 'New', conditions: [down('orders_total'), down('recency_days')] },
  { name: 'Lapsed', conditions: [up('recency_days'), down('orders_365d'), down('net_revenue_365d')] },
  { name: 'Lapsed', conditions: [up('recency_days'), down('orders_365d')] },
  { name: 'Bargain hunters', conditions: [up('promo_share')] },
  { name: 'Frequent returners', conditions: [up('return_rate')] },
  { name: 'Steady regulars', conditions: [up('orders_365d'), down('recency_days')] },
  { name: 'Big-basket occasionals', conditions: [up('avg_order_value'), down('orders_365d')] },
  { name: 'Category explorers', conditions: [up('category_diversity')] },
  { name: 'In-store regulars', conditions: [up('share_store')] },
  { name: 'Digital shoppers', conditions: [down('share_store')] },
  { name: 'Digital shoppers', conditions: [up('share_online')] },
  { name: 'App-first', conditions: [up('share_app')] },
  { name: 'Needs care', conditions: [up('service_tickets_90d')] },
  { name: 'Unhappy reviewers', conditions: [down('avg_review_rating')] },
  { name: 'Low-value occasionals', conditions: [down('net_revenue_365d'), down('orders_365d')] },
];

/** Words for a feature far below / far above average, used when no archetype fits. */
const TRAIT_WORDS: Readonly<Record<string, readonly [string, string]>> = {
  recency_days: ['recent', 'long inactive'],
  tenure_days: ['new', 'long-standing'],
  orders_total: ['few orders', 'many orders'],
  orders_90d: ['quiet lately', 'busy lately'],
  orders_365d: ['infrequent', 'frequent'],
  net_revenue_total: ['low lifetime spend', 'high lifetime spend'],
  net_revenue_365d: ['low spend', 'high spend'],
  avg_order_value: ['small baskets', 'big baskets'],
  repurchase_cycle_days: ['short cycle', 'long cycle'],
  category_diversity: ['focused', 'broad range'],
  promo_share: ['full-price', 'promo-driven'],
  return_rate: ['rarely return', 'frequent returners'],
  service_tickets_90d: ['no service contact', 'frequent service contact'],
  avg_review_rating: ['critical reviewers', 'happy reviewers'],
  share_store: ['digital', 'in-store'],
  share_online: ['offline', 'web shop'],
  share_app: ['no app', 'app users'],
};

/** |z| a centroid must exceed on every condition of an archetype (and for a trait to be named). */
export const TRAIT_THRESHOLD = 0.25;

function trait(feature: string, z: number): string {
  const words = TRAIT_WORDS[feature] ?? [`low ${feature}`, `high ${feature}`];
  return z < 0 ? words[0] : words[1];
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Fallback name from the two features furthest from average. */
export function traitName(featureNames: readonly string[], z: ArrayLike<number>): string {
  const ranked = featureNames
    .map((f, i) => ({ f, z: z[i]! }))
    .filter((t) => Math.abs(t.z) >= TRAIT_THRESHOLD)
    .sort((a, b) => Math.abs(b.z) - Math.abs(a.z) || a.f.localeCompare(b.f))
    .slice(0, 2);
  if (ranked.length === 0) return 'Average customers';
  return capitalise(ranked.map((t) => trait(t.f, t.z)).join(', '));
}

/** A single extreme feature counts at most this much towards an archetype's score. */
const CONDITION_CAP = 2;

/**
 * How well a centroid fits an archetype: the sum over its conditions of the signed z (capped at 2), or -Infinity if
 * any condition fails. Summing prefers the more specific archetype when all its conditions hold: a recent, frequent,
 * high-spending segment that also buys many categories is High-value loyal before it is Category explorers.
 */
export function archetypeScore(a: Archetype, featureNames: readonly string[], z: ArrayLike<number>): number {
  let s = 0;
  for (const c of a.conditions) {
    const j = featureNames.indexOf(c.feature);
    if (j < 0) return -Infinity;
    const v = c.direction * z[j]!;
    if (v < TRAIT_THRESHOLD) return -Infinity;
    s += Math.min(v, CONDITION_CAP);
  }
  return s;
}

/**
 * One distinct name per centroid (rows of `centroids`, standardised). Greedy: the best-fitting (centroid,
 * archetype) pair is named first; every name is used at most once; unmatched centroids get a trait name.
 */
export function nameSegments(centroids: readonly ArrayLike<number>[], featureNames: readonly string[], archetypes: readonly Archetype[] = ARCHETYPES): string[] {
  const pairs: { c: number; a: number; score: number }[] = [];
  centroids.forEach((z, c) =>
    archetypes.forEach((a, ai) => {
      const score = archetypeScore(a, featureNames, z);
      if (score > -Infinity) pairs.push({ c, a: ai, score });
    }),
  );
  pairs.sort((x, y) => y.score - x.score || x.c - y.c || x.a - y.a);
  const names: (string | undefined)[] = new Array(centroids.length).fill(undefined);
  const used = new Set<string>();
  for (const p of pairs) {
    const name = archetypes[p.a]!.name;
    if (names[p.c] !== undefined || used.has(name)) continue;
    names[p.c] = name;
    used.add(name);
  }
  return names.map((n, c) => {
    if (n !== undefined) return n;
    let name = traitName(featureNames, centroids[c]!);
    for (let i = 2; used.has(name); i++) name = `${traitName(featureNames, centroids[c]!)} (${i})`;
    used.add(name);
    return name;
  });
}
