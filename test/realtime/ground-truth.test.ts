/**
 * How the bench judges the stream rules against the generator's ground truth (src/realtime/ground-truth.ts), on
 * hand-made truth lines: session carts chained into the customer's cart the rule sees, carts with a quarantined event
 * out of the judgement both ways, tickets not decidable by the end of the run pending.
 */
import { describe, expect, it } from 'vitest';
import type { CartAbandoned, ServiceRecoveryNeeded } from '../../src/events/schemas.ts';
import { chainCarts, evaluateCarts, evaluateFeedback, type TruthCart, type TruthFeedback } from '../../src/realtime/ground-truth.ts';

const session = (id: string, first: string, last: string, skus: string[], next: string | null, clean = true, person = 'P1'): TruthCart => ({
  person_id: person,
  session_id: id,
  first_added_at: `2025-12-01T${first}:00.000Z`,
  last_added_at: `2025-12-01T${last}:00.000Z`,
  skus,
  next_order_at: next === null ? null : `2025-12-01T${next}:00.000Z`,
  clean,
  late: false,
});
const published = (last: string, skus: string[]) => ({ last_added_at: `2025-12-01T${last}:00.000Z`, skus }) as unknown as CartAbandoned;
const judge = (truth: TruthCart[], events: CartAbandoned[]) =>
  evaluateCarts({ truth, published: events, windowMinutes: 30, from: -Infinity, until: Date.parse('2025-12-02T00:00:00Z'), refusedProfiling: () => false });

describe('carts', () => {
  it('chains a session whose first add comes within the window of the previous one\'s last add into one cart', () => {
    // 10:00-10:05, then 10:30 (25 min later): one cart; 11:10 (40 min after 10:30): a cart of its own.
    const carts = chainCarts([session('s1', '10:00', '10:05', ['A'], null), session('s2', '10:30', '10:32', ['B', 'A'], null), session('s3', '11:10', '11:10', ['C'], null)], 30);
    expect(carts.map((c) => [c.session_id, c.first_added_at.slice(11, 16), c.last_added_at.slice(11, 16), c.skus])).toEqual([
      ['s1+s2', '10:00', '10:32', ['A', 'B']],
      ['s3', '11:10', '11:10', ['C']],
    ]);
  });

  it('does not chain across an order, nor across people', () => {
    const carts = chainCarts([session('s1', '10:00', '10:05', ['A'], '10:20'), session('s2', '10:25', '10:25', ['B'], null), session('q1', '10:26', '10:26', ['Q'], null, true, 'P2')], 30);
    expect(carts.map((c) => c.session_id).sort()).toEqual(['q1', 's1', 's2']);
  });

  it('expects the chained cart, not each session: the rule\'s one event for it matches', () => {
    // Bug caught: two sessions 19 min apart were expected as two abandoned carts; the rule's one event for the
    // customer's cart was a false positive and both sessions misses (CartAbandoned precision 0.989 on the demo).
    const truth = [session('s1', '04:32', '04:32', ['A'], null), session('s2', '04:51', '04:52', ['B'], null)];
    const r = judge(truth, [published('04:52', ['A', 'B'])]);
    expect([r.expected, r.published, r.matched, r.precision, r.recall, r.chained]).toEqual([1, 1, 1, 1, 1, 1]);
    // Published per session instead: neither event is the customer's cart.
    const perSession = judge(truth, [published('04:32', ['A']), published('04:52', ['B'])]);
    expect([perSession.matched, perSession.falsePositives.length]).toEqual([0, 2]);
  });

  it('judges nothing the rule says about a cart with a quarantined event, and still counts a cart it invents', () => {
    const truth = [session('s1', '10:00', '10:05', ['A', 'B'], null, false), session('s2', '12:00', '12:00', ['C'], null)];
    const r = judge(truth, [published('10:00', ['A']), published('12:00', ['C']), published('15:00', ['D'])]);
    expect([r.dirty, r.expected, r.published, r.matched, r.falsePositives.length]).toEqual([1, 1, 2, 1, 1]);
    expect(r.precision).toBe(0.5);
  });
});

describe('reviews and tickets', () => {
  const ticket = (id: string, opened: string, resolved: string | null, satisfaction: number | null, negative: boolean): TruthFeedback => ({
    kind: 'ticket',
    id,
    person_id: 'P1',
    occurred_at: `${opened}T10:00:00.000Z`,
    negative,
    rating: null,
    satisfaction,
    resolved_at: resolved === null ? null : `${resolved}T10:00:00.000Z`,
    clean: true,
  });
  const event = (id: string) => ({ kind: 'ticket', reference_id: id }) as ServiceRecoveryNeeded;

  it('leaves a ticket pending when the run ended before its resolution and before its deadline', () => {
    // Until 12-31: T1 opened 12-20, unresolved (deadline 12-27: decidable); T2 opened 12-28, unresolved (deadline
    // 01-04: pending); T3 opened 12-28, resolved 12-30 with satisfaction 1 (decidable).
    const truth = [ticket('T1', '2025-12-20', null, null, true), ticket('T2', '2025-12-28', null, null, true), ticket('T3', '2025-12-28', '2025-12-30', 1, true)];
    const r = evaluateFeedback({ truth, published: [event('T1'), event('T3')], personKey: new Map([['P1', 'ck_1']]), hasValue: () => true, refusedProfiling: () => false, from: -Infinity, until: Date.parse('2025-12-31T00:00:00Z'), ticketOpenDays: 7 });
    expect([r.pending, r.expected, r.matched, r.precision, r.recall]).toEqual([1, 2, 2, 1, 1]);
  });
});
