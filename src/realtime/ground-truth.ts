/**
 * The stream rules against the generator's ground truth (ground_truth/carts.jsonl, visits.jsonl and feedback.jsonl,
 * see src/generate/realtime-truth.ts): precision and recall of CartAbandoned, VipArrived and ServiceRecoveryNeeded
 * over a time range.
 *
 * Like is compared with like:
 * - the truth records a cart per app session; the rule's cart is the customer's (as an app's cart is): a person's
 *   sessions whose first add comes within the window after the previous one's last add, with no order in between,
 *   are one cart (chainCarts), with the SKUs of both and the later last add. Such a cart is expected abandoned when
 *   every cart event reached the stream clean (a quarantined add changes the cart the rule sees; such carts are
 *   counted apart, and what the rule publishes about them is neither a match nor a false positive), no identified
 *   order of the person followed within the window, its window ended before the stream's last watermark, and the
 *   person did not refuse profiling; an event matches a truth cart on the exact time of the last add and the set of
 *   SKUs, so identity, timing and content must all agree;
 * - a visit is expected when the till transaction named the customer and reached the stream clean, and the person is a
 *   VIP by the rule's own definition (src/realtime/context.ts vipTable) applied to the scores the run used; the person
 *   is the customer_key holding most of their identifiers in identity_map. One expected event per (customer, store,
 *   UTC day). So VipArrived recall measures the stream side (identification at the till, identity, store, dedup),
 *   not the models' notion of value, which the churn and CLV evaluations measure;
 * - a review or ticket is expected to need recovery when the generator made it unhappy (a review rated 1 or 2; a
 *   ticket unresolved in the data, or resolved with satisfaction 1 or 2), every event of it reached the stream clean,
 *   and its person (the customer_key as above) has value by the rule's own definition applied to the run's scores
 *   (CLV percentile at least serviceRecovery.minClvPercentile) and did not refuse profiling; an event matches on its
 *   kind and reference id. A ticket the rule could not have decided by the end of the run (not resolved by then and
 *   opened less than serviceRecovery.ticketOpenDays before it) is pending, counted apart, as a cart whose window has
 *   not ended. Value is the rule's, unhappiness the generator's: precision and recall measure how the rule reads an
 *   unhappy customer (stars, satisfaction, the open-ticket deadline, the text model) and the identity of the author.
 */
import fs from 'node:fs';
import type { CartAbandoned, ServiceRecoveryNeeded, VipArrived } from '../events/schemas.ts';

export interface TruthCart {
  readonly person_id: string;
  readonly session_id: string;
  readonly first_added_at: string;
  readonly last_added_at: string;
  readonly skus: readonly string[];
  readonly next_order_at: string | null;
  readonly clean: boolean;
  readonly late: boolean;
}

export interface TruthVisit {
  readonly person_id: string;
  readonly store_id: string;
  readonly occurred_at: string;
  readonly clean: boolean;
}

export interface TruthFeedback {
  readonly kind: 'review' | 'ticket';
  readonly id: string;
  readonly person_id: string;
  readonly occurred_at: string;
  readonly negative: boolean;
  readonly rating: number | null;
  readonly satisfaction: number | null;
  readonly resolved_at: string | null;
  readonly clean: boolean;
}

export function readJsonl<T>(file: string): T[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

export interface Score {
  readonly expected: number;
  readonly published: number;
  readonly matched: number;
  readonly precision: number;
  readonly recall: number;
}

const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);

/** person_id -> the customer_key holding most of the person's identifiers (ties: the smallest key). */
export function personKeys(truthRows: readonly (readonly [string, string, string])[], identityMap: Iterable<{ identity_type: string; identity_value: string; customer_key: string }>): Map<string, string> {
  const keyOf = new Map<string, string>();
  for (const r of identityMap) keyOf.set(`${r.identity_type}\u0000${r.identity_value}`, r.customer_key);
  const votes = new Map<string, Map<string, number>>();
  for (const [type, value, person] of truthRows) {
    const k = keyOf.get(`${type}\u0000${value}`);
    if (!k) continue;
    let m = votes.get(person);
    if (!m) votes.set(person, (m = new Map()));
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  const out = new Map<string, string>();
  for (const [person, m] of votes) out.set(person, [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0]);
  return out;
}

/**
 * The truth's session carts chained into the rule's carts (see the module comment): sorted by first add per person,
 * a session joins the cart before it when its first add is at most the window after that cart's last add and the
 * person ordered nothing in between (an order there bought the cart, and the rule starts a new one).
 */
export function chainCarts(truth: readonly TruthCart[], windowMinutes: number): TruthCart[] {
  const w = windowMinutes * 60_000;
  const byPerson = new Map<string, TruthCart[]>();
  for (const c of truth) {
    let list = byPerson.get(c.person_id);
    if (!list) byPerson.set(c.person_id, (list = []));
    list.push(c);
  }
  const out: TruthCart[] = [];
  for (const list of byPerson.values()) {
    list.sort((a, b) => Date.parse(a.first_added_at) - Date.parse(b.first_added_at));
    let cur: TruthCart | undefined;
    for (const c of list) {
      const first = Date.parse(c.first_added_at);
      const orderedBefore = cur !== undefined && cur.next_order_at !== null && Date.parse(cur.next_order_at) < first;
      if (cur && first <= Date.parse(cur.last_added_at) + w && !orderedBefore) {
        const later = Date.parse(c.last_added_at) >= Date.parse(cur.last_added_at) ? c : cur;
        cur = {
          person_id: cur.person_id,
          session_id: `${cur.session_id}+${c.session_id}`,
          first_added_at: cur.first_added_at,
          last_added_at: later.last_added_at,
          skus: [...new Set([...cur.skus, ...c.skus])],
          next_order_at: later.next_order_at,
          clean: cur.clean && c.clean,
          late: cur.late || c.late,
        };
        out[out.length - 1] = cur;
      } else {
        cur = c;
        out.push(c);
      }
    }
  }
  return out;
}

const cartKey = (lastAddedAt: string, skus: readonly string[]) => `${new Date(lastAddedAt).toISOString()}|${[...skus].sort().join(',')}`;

export interface CartEvaluationInput {
  readonly truth: readonly TruthCart[];
  readonly published: readonly CartAbandoned[];
  readonly windowMinutes: number;
  /** Only carts whose last add is at or after this (the events the run read). */
  readonly from: number;
  /** Only carts whose window ended at or before this (the run's final watermark). */
  readonly until: number;
  /** Whether the person refused profiling (the rule publishes nothing about them). */
  readonly refusedProfiling: (personId: string) => boolean;
}

export interface CartEvaluation extends Score {
  /** Truth carts left out because one of their events was quarantined (the rule cannot see the cart as it was). */
  readonly dirty: number;
  /** Sessions the rule sees as part of a cart of several (chainCarts): truth carts before chaining minus after. */
  readonly chained: number;
  readonly refused: number;
  readonly falsePositives: readonly CartAbandoned[];
  readonly missed: readonly TruthCart[];
}

export function evaluateCarts(i: CartEvaluationInput): CartEvaluation {
  const w = i.windowMinutes * 60_000;
  let dirty = 0;
  let refused = 0;
  const expected = new Map<string, TruthCart>();
  const carts = chainCarts(i.truth, i.windowMinutes);
  // Carts with a quarantined event: what the rule publishes about them (the same person's SKUs in their time span)
  // cannot be judged.
  const dirtyCarts: TruthCart[] = [];
  for (const c of carts) {
    const last = Date.parse(c.last_added_at);
    if (last < i.from || last + w > i.until) continue;
    if (c.next_order_at !== null && Date.parse(c.next_order_at) <= last + w) continue;
    if (!c.clean) {
      dirty++;
      dirtyCarts.push(c);
      continue;
    }
    if (i.refusedProfiling(c.person_id)) {
      refused++;
      continue;
    }
    expected.set(cartKey(c.last_added_at, c.skus), c);
  }
  const aboutDirty = (e: CartAbandoned) => {
    const last = Date.parse(e.last_added_at);
    return dirtyCarts.some((c) => Date.parse(c.first_added_at) <= last && last <= Date.parse(c.last_added_at) && e.skus.some((s) => c.skus.includes(s)));
  };
  const published = i.published.filter((e) => {
    const last = Date.parse(e.last_added_at);
    return last >= i.from && last + w <= i.until && !aboutDirty(e);
  });
  const seen = new Set<string>();
  const falsePositives: CartAbandoned[] = [];
  for (const e of published) {
    const k = cartKey(e.last_added_at, e.skus);
    if (expected.has(k)) seen.add(k);
    else falsePositives.push(e);
  }
  const missed = [...expected].filter(([k]) => !seen.has(k)).map(([, c]) => c);
  return {
    expected: expected.size,
    published: published.length,
    matched: seen.size,
    precision: ratio(published.length - falsePositives.length, published.length),
    recall: ratio(seen.size, expected.size),
    dirty,
    chained: i.truth.length - carts.length,
    refused,
    falsePositives,
    missed,
  };
}

export interface VisitEvaluationInput {
  readonly truth: readonly TruthVisit[];
  readonly published: readonly VipArrived[];
  readonly personKey: ReadonlyMap<string, string>;
  readonly isVip: (customerKey: string) => boolean;
  readonly refusedProfiling: (customerKey: string) => boolean;
  readonly from: number;
  readonly until: number;
}

export interface VisitEvaluation extends Score {
  readonly dirty: number;
  /** Identified visits of persons identity_map does not know (no customer key to judge them by). */
  readonly unmapped: number;
  readonly falsePositives: readonly VipArrived[];
  readonly missed: readonly string[];
}

export function evaluateVisits(i: VisitEvaluationInput): VisitEvaluation {
  const expected = new Set<string>();
  let dirty = 0;
  let unmapped = 0;
  const inRange = (t: string) => Date.parse(t) >= i.from && Date.parse(t) <= i.until;
  for (const v of i.truth) {
    if (!inRange(v.occurred_at)) continue;
    const key = i.personKey.get(v.person_id);
    if (!key) {
      unmapped++;
      continue;
    }
    if (!i.isVip(key) || i.refusedProfiling(key)) continue;
    if (!v.clean) {
      dirty++;
      continue;
    }
    expected.add(`${key}|${v.store_id}|${v.occurred_at.slice(0, 10)}`);
  }
  // A VIP's day at a store with one clean and one quarantined transaction is still expected (the clean one is seen).
  const published = i.published.filter((e) => inRange(e.arrived_at));
  const seen = new Set<string>();
  const falsePositives: VipArrived[] = [];
  for (const e of published) {
    const k = `${e.customer_key}|${e.store_id}|${e.arrived_at.slice(0, 10)}`;
    if (expected.has(k)) seen.add(k);
    else falsePositives.push(e);
  }
  return {
    expected: expected.size,
    published: published.length,
    matched: seen.size,
    precision: ratio(published.length - falsePositives.length, published.length),
    recall: ratio(seen.size, expected.size),
    dirty,
    unmapped,
    falsePositives,
    missed: [...expected].filter((k) => !seen.has(k)),
  };
}

export interface FeedbackEvaluationInput {
  readonly truth: readonly TruthFeedback[];
  readonly published: readonly ServiceRecoveryNeeded[];
  readonly personKey: ReadonlyMap<string, string>;
  /** The rule's notion of value (CLV percentile at least the threshold) for a customer key. */
  readonly hasValue: (customerKey: string) => boolean;
  readonly refusedProfiling: (customerKey: string) => boolean;
  /** Only reviews submitted / tickets opened in [from, until] (the events the run read). */
  readonly from: number;
  readonly until: number;
  /** The rule's deadline for an open ticket (serviceRecovery.ticketOpenDays). */
  readonly ticketOpenDays: number;
}

export interface FeedbackEvaluation extends Score {
  /** Unhappy reviews and tickets of valued customers with an event quarantined (the rule may not see them). */
  readonly dirty: number;
  readonly unmapped: number;
  /** Unhappy ones left out because their author has no value by the rule's definition (or refused profiling). */
  readonly notValued: number;
  /** Tickets neither resolved nor past their deadline at the end of the run: not decidable yet. */
  readonly pending: number;
  /** Per kind: expected, published, matched. */
  readonly byKind: Record<'review' | 'ticket', { expected: number; published: number; matched: number }>;
  readonly falsePositives: readonly ServiceRecoveryNeeded[];
  readonly missed: readonly TruthFeedback[];
}

export function evaluateFeedback(i: FeedbackEvaluationInput): FeedbackEvaluation {
  const inRange = (t: string) => Date.parse(t) >= i.from && Date.parse(t) <= i.until;
  const id = (kind: string, ref: string) => `${kind}|${ref}`;
  const expected = new Map<string, TruthFeedback>();
  // Items the run could not judge (outside the range, an event quarantined, nobody to map to): published events about
  // them are neither matches nor false positives.
  const outOfScope = new Set<string>();
  let dirty = 0;
  let unmapped = 0;
  let notValued = 0;
  let pending = 0;
  for (const f of i.truth) {
    const k = id(f.kind, f.id);
    if (!inRange(f.occurred_at)) {
      outOfScope.add(k);
      continue;
    }
    const resolvedBy = f.resolved_at !== null && Date.parse(f.resolved_at) <= i.until;
    if (f.kind === 'ticket' && !resolvedBy && Date.parse(f.occurred_at) + i.ticketOpenDays * 86_400_000 > i.until) {
      pending++;
      outOfScope.add(k);
      continue;
    }
    const key = i.personKey.get(f.person_id);
    if (!key) {
      unmapped++;
      outOfScope.add(k);
      continue;
    }
    if (!f.negative) continue;
    if (!i.hasValue(key) || i.refusedProfiling(key)) {
      notValued++;
      continue;
    }
    if (!f.clean) {
      dirty++;
      outOfScope.add(k);
      continue;
    }
    expected.set(k, f);
  }
  const published = i.published.filter((e) => !outOfScope.has(id(e.kind, e.reference_id)));
  const byKind: FeedbackEvaluation['byKind'] = { review: { expected: 0, published: 0, matched: 0 }, ticket: { expected: 0, published: 0, matched: 0 } };
  for (const f of expected.values()) byKind[f.kind].expected++;
  const seen = new Set<string>();
  const falsePositives: ServiceRecoveryNeeded[] = [];
  for (const e of published) {
    byKind[e.kind].published++;
    const k = id(e.kind, e.reference_id);
    if (expected.has(k) && !seen.has(k)) {
      seen.add(k);
      byKind[e.kind].matched++;
    } else falsePositives.push(e);
  }
  return {
    expected: expected.size,
    published: published.length,
    matched: seen.size,
    precision: ratio(published.length - falsePositives.length, published.length),
    recall: ratio(seen.size, expected.size),
    dirty,
    unmapped,
    notValued,
    pending,
    byKind,
    falsePositives,
    missed: [...expected].filter(([k]) => !seen.has(k)).map(([, f]) => f),
  };
}
