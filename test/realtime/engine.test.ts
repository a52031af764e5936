/**
 * The stream rules' state machine through processBatch, with an in-memory state store and a recording publisher
 * (ledger semantics as publishNew's: an id published before is not sent again). Expectations are hand-worked from
 * the window (30 min), the allowed lateness (2 min) and the prices below.
 */
import { describe, expect, it } from 'vitest';
import type { ModelEvent } from '../../src/events/schemas.ts';
import type { RealtimeStateStore } from '../../src/ports/index.ts';
import { parseRealtimeConfig } from '../../src/realtime/config.ts';
import { ruleContext } from '../../src/realtime/context.ts';
import type { CustomerState } from '../../src/realtime/engine.ts';
import { processBatch, type StateChange } from '../../src/realtime/process.ts';
import type { StreamAction, StreamEvent } from '../../src/realtime/stream-event.ts';
import { NO_CONSENT_RECORDED } from '../../src/consent/index.ts';

const MIN = 60_000;
const T0 = Date.parse('2025-12-01T10:00:00.000Z');
const config = parseRealtimeConfig({});

class MemoryStore implements RealtimeStateStore {
  wm = -Infinity;
  readonly states = new Map<string, { state: CustomerState; due: number | null; live: StateChange['live'] }>();
  async watermark() {
    return this.wm;
  }
  async load(keys: readonly string[]) {
    return new Map(keys.filter((k) => this.states.has(k)).map((k) => [k, structuredClone(this.states.get(k)!.state)]));
  }
  async dueBy(t: number) {
    return [...this.states.values()].filter((s) => s.due !== null && s.due <= t).map((s) => s.state.customer_key);
  }
  async save(changes: readonly StateChange[], wm: number) {
    for (const c of changes) this.states.set(c.state.customer_key, { state: c.state, due: c.dueAt, live: c.live });
    this.wm = Math.max(this.wm, wm);
  }
}

function harness(o: { vip?: string[]; refused?: string[]; sentiment?: Record<string, number> } = {}) {
  const store = new MemoryStore();
  const ledger = new Set<string>();
  const bus: ModelEvent[] = [];
  const scores = ['ck_a', 'ck_b', 'ck_vip', 'ck_other'].map((k, i) => ({ customer_key: k, as_of: '2025-11-30', clv_365d: (o.vip ?? []).includes(k) ? 10_000 : 100 + i, churn_probability: 0.1 }));
  // Ten more ordinary customers, so the VIP alone is in the top decile.
  for (let i = 0; i < 10; i++) scores.push({ customer_key: `ck_filler${i}`, as_of: '2025-11-30', clv_365d: 50 + i, churn_probability: 0.1 });
  const consent = new Map((o.refused ?? []).map((k) => [k, { profiling: false, marketingChannels: [] }]));
  const ctx = ruleContext({ scores, consent, prices: new Map([['SKU1', 99], ['SKU2', 20]]), sentiment: new Map(Object.entries(o.sentiment ?? {})), now: () => new Date('2026-01-01T00:00:00Z') }, config);
  const run = (events: StreamEvent[]) =>
    processBatch(events, {
      store,
      config,
      ctx,
      publish: async (d) => {
        const fresh = d.filter((e) => !ledger.has(e.detail.event_id));
        for (const e of fresh) {
          ledger.add(e.detail.event_id);
          bus.push(e);
        }
        return { published: fresh, alreadyPublished: d.length - fresh.length };
      },
    });
  return { store, bus, run, ledger };
}

let seq = 0;
const ev = (customerKey: string, at: number, ...actions: StreamAction[]): StreamEvent => ({ eventId: `e${++seq}`, customerKey, memberId: null, at, actions });
const add = (k: string, at: number, sku = 'SKU1', quantity = 1) => ev(k, at, { kind: 'cart_add', sku, quantity });
const remove = (k: string, at: number, sku = 'SKU1', quantity = 1) => ev(k, at, { kind: 'cart_remove', sku, quantity });
const order = (k: string, at: number) => ev(k, at, { kind: 'order' });
/** Another customer's page view: moves the stream's event time (and so the watermark) to `at`. */
const tick = (at: number) => ev('ck_other', at, { kind: 'other' });
const carts = (bus: readonly ModelEvent[]) => bus.filter((e) => e.detailType === 'CartAbandoned').map((e) => e.detail as { skus: string[]; cart_value: number; last_added_at: string; event_id: string; lines: { sku: string; quantity: number }[] });

describe('CartAbandoned', () => {
  it('is published once the watermark passes the window after the last add, with the SKUs and value', async () => {
    const h = harness();
    await h.run([add('ck_a', T0, 'SKU1', 2), add('ck_a', T0 + 5 * MIN, 'SKU2')]);
    // Window ends at T0+35 min; the watermark is 2 min behind the newest event time.
    await h.run([tick(T0 + 36 * MIN)]);
    expect(carts(h.bus)).toEqual([]);
    await h.run([tick(T0 + 37 * MIN)]);
    const [c] = carts(h.bus);
    expect(carts(h.bus)).toHaveLength(1);
    expect(c!.skus).toEqual(['SKU1', 'SKU2']);
    expect(c!.cart_value).toBe(218); // 2 x 99 + 1 x 20
    expect(c!.last_added_at).toBe('2025-12-01T10:05:00.000Z');
  });

  it('publishes nothing when the order comes within the window, even arriving after later events (late, out of order)', async () => {
    const h = harness();
    await h.run([add('ck_a', T0)]);
    await h.run([tick(T0 + 31 * MIN)]); // window ended at T0+30, but the watermark (T0+29) has not passed it
    await h.run([order('ck_a', T0 + 20 * MIN)]); // the order arrives late, before the watermark passes the window
    await h.run([tick(T0 + 60 * MIN)]);
    expect(carts(h.bus)).toEqual([]);
  });

  it('counts an order exactly at the end of the window as within it, and one a millisecond later as too late', async () => {
    const onEdge = harness();
    await onEdge.run([add('ck_a', T0), order('ck_a', T0 + 30 * MIN), tick(T0 + 60 * MIN)]);
    expect(carts(onEdge.bus)).toEqual([]);
    const after = harness();
    await after.run([add('ck_a', T0), order('ck_a', T0 + 30 * MIN + 1), tick(T0 + 60 * MIN)]);
    expect(carts(after.bus)).toHaveLength(1);
  });

  it('publishes nothing for a cart emptied by removes', async () => {
    const h = harness();
    await h.run([add('ck_a', T0, 'SKU1', 2), remove('ck_a', T0 + MIN, 'SKU1', 2), tick(T0 + 60 * MIN)]);
    expect(carts(h.bus)).toEqual([]);
  });

  it('decides nothing again when the same events are replayed, and ignores a late add to a cart already decided', async () => {
    const h = harness();
    const batch1 = [add('ck_a', T0), add('ck_a', T0 + MIN, 'SKU2')];
    const batch2 = [tick(T0 + 40 * MIN)];
    await h.run(batch1);
    await h.run(batch2);
    expect(carts(h.bus)).toHaveLength(1);
    const r1 = await h.run(batch1);
    const r2 = await h.run(batch2);
    expect(r1.decided.length + r2.decided.length).toBe(0);
    await h.run([add('ck_a', T0 + 30 * 1000, 'SKU2')]); // arrives after the cart was published, from before its last add
    await h.run([tick(T0 + 80 * MIN)]);
    expect(carts(h.bus)).toHaveLength(1);
  });

  it('gives the same event ids whatever the arrival order within the allowed lateness', async () => {
    const events = [add('ck_a', T0), add('ck_b', T0 + 10_000), order('ck_b', T0 + 20 * MIN), add('ck_a', T0 + 60_000, 'SKU2'), add('ck_b', T0 + 50 * MIN), tick(T0 + 100 * MIN)];
    const inOrder = harness();
    for (const e of events) await inOrder.run([e]);
    const shuffled = harness();
    // Swap neighbours less than 2 min apart: what a late phone upload does within the lateness.
    for (const e of [events[1]!, events[0]!, events[3]!, events[2]!, events[4]!, events[5]!]) await shuffled.run([e]);
    const ids = (bus: ModelEvent[]) => carts(bus).map((c) => c.event_id).sort();
    expect(ids(inOrder.bus)).toHaveLength(2); // ck_a's cart; ck_b's second cart (its first was ordered)
    expect(ids(shuffled.bus)).toEqual(ids(inOrder.bus));
  });

  it('publishes nothing about a customer who refused profiling', async () => {
    const h = harness({ refused: ['ck_a'] });
    await h.run([add('ck_a', T0), tick(T0 + 60 * MIN)]);
    expect(carts(h.bus)).toEqual([]);
    expect(NO_CONSENT_RECORDED.profiling).toBe(true); // customers without a consent record are not refusers
  });
});

describe('VipArrived', () => {
  const visit = (k: string, at: number, storeId = 'SH01') => ev(k, at, { kind: 'visit', storeId, identifiedBy: 'till' }, { kind: 'order' });

  it('is published once per VIP, store and day, and never for a customer who is not a VIP', async () => {
    const h = harness({ vip: ['ck_vip'] });
    await h.run([visit('ck_vip', T0), visit('ck_vip', T0 + 60 * MIN), visit('ck_a', T0 + MIN), visit('ck_vip', T0 + 2 * MIN, 'BJ01')]);
    await h.run([visit('ck_vip', T0 + 24 * 60 * MIN)]);
    const vips = h.bus.filter((e) => e.detailType === 'VipArrived').map((e) => e.detail as { customer_key: string; store_id: string; arrived_at: string });
    expect(vips.map((v) => `${v.customer_key} ${v.store_id} ${v.arrived_at.slice(0, 10)}`)).toEqual(['ck_vip SH01 2025-12-01', 'ck_vip BJ01 2025-12-01', 'ck_vip SH01 2025-12-02']);
  });
});

describe('ServiceRecoveryNeeded', () => {
  const DAY = 24 * 60 * MIN;
  const review = (k: string, stars: number, id: string, at = T0) => ev(k, at, { kind: 'feedback', feedback: 'review', referenceId: id, stars, status: null });
  const opened = (k: string, id: string, at: number) => ev(k, at, { kind: 'feedback', feedback: 'ticket', referenceId: id, stars: null, status: 'opened' });
  const resolved = (k: string, id: string, at: number, satisfaction: number | null) => ev(k, at, { kind: 'feedback', feedback: 'ticket', referenceId: id, stars: satisfaction, status: 'resolved' });
  type Srn = { reference_id: string; kind: string; sentiment: number | null; sentiment_from: string; occurred_at: string; event_id: string; reasons: { rule: string; meaning: string }[] };
  const srn = (bus: readonly ModelEvent[]) => bus.filter((e) => e.detailType === 'ServiceRecoveryNeeded').map((e) => e.detail as Srn);

  it('is published for a low review from a customer with value, once per review', async () => {
    const h = harness({ vip: ['ck_vip'] });
    await h.run([review('ck_vip', 1, 'R1'), review('ck_vip', 5, 'R2'), review('ck_filler0', 1, 'R3')]);
    await h.run([review('ck_vip', 1, 'R1')]);
    expect(srn(h.bus)).toEqual([expect.objectContaining({ reference_id: 'R1', sentiment: 0, sentiment_from: 'rating' })]); // (1 - 1) / 4
  });

  it('reads a review by the lower of its stars and the text model: 2 stars the model reads as positive still count, and so does text it reads as negative', async () => {
    // Bug caught: the model's score was taken before the stars, so a 2-star review scored 0.31 by a model trained on
    // other texts was never published (recall 0.006 on the demo).
    const h = harness({ vip: ['ck_vip'], sentiment: { R2: 0.71, R4: 0.12, R5: 0.9 } });
    await h.run([review('ck_vip', 2, 'R2'), review('ck_vip', 4, 'R4'), review('ck_vip', 5, 'R5'), review('ck_vip', 3, 'R3')]);
    expect(srn(h.bus).map((e) => [e.reference_id, e.sentiment, e.sentiment_from])).toEqual([
      ['R2', 0.25, 'rating'], // (2 - 1) / 4, below 0.3 though the model says 0.71
      ['R4', 0.12, 'model'],
    ]);
  });

  it('reads a resolved ticket by its satisfaction, and by the text model only when none was given', async () => {
    const h = harness({ vip: ['ck_vip'], sentiment: { T1: 0.7, T2: 0.05, T3: 0.1, T4: 0.6 } });
    await h.run([opened('ck_vip', 'T1', T0), opened('ck_vip', 'T2', T0), opened('ck_vip', 'T3', T0), opened('ck_vip', 'T4', T0)]);
    expect(srn(h.bus)).toEqual([]); // opening a ticket is not yet a failure to serve
    await h.run([resolved('ck_vip', 'T1', T0 + DAY, 2), resolved('ck_vip', 'T2', T0 + DAY, 4), resolved('ck_vip', 'T3', T0 + DAY, null), resolved('ck_vip', 'T4', T0 + DAY, null)]);
    expect(srn(h.bus).map((e) => [e.reference_id, e.sentiment, e.sentiment_from])).toEqual([
      ['T1', 0.25, 'rating'], // satisfaction 2, whatever the model says of the text
      ['T3', 0.1, 'model'], // no satisfaction: the model's 0.1
    ]);
    // Resolved in time: nothing more once the deadline passes.
    await h.run([tick(T0 + 30 * DAY)]);
    expect(srn(h.bus).map((e) => e.reference_id)).toEqual(['T1', 'T3']);
  });

  it('is published for a ticket still open 7 days after it was opened, by the watermark, once, and a later resolution adds nothing', async () => {
    const h = harness({ vip: ['ck_vip'] });
    await h.run([opened('ck_vip', 'T9', T0)]);
    // Deadline T0 + 7 days; the watermark runs 2 min behind the newest event (another customer's).
    await h.run([tick(T0 + 7 * DAY + MIN)]);
    expect(srn(h.bus)).toEqual([]);
    await h.run([tick(T0 + 7 * DAY + 2 * MIN)]);
    const [e] = srn(h.bus);
    expect(srn(h.bus)).toHaveLength(1);
    expect(e).toMatchObject({ kind: 'ticket', reference_id: 'T9', sentiment: null, sentiment_from: 'unresolved', occurred_at: '2025-12-01T10:00:00.000Z' });
    expect(e!.reasons[0]).toEqual({ rule: 'unresolved_ticket', meaning: 'ticket opened 2025-12-01T10:00:00.000Z and not resolved within 7 days' });
    await h.run([resolved('ck_vip', 'T9', T0 + 8 * DAY, 1), opened('ck_vip', 'T9', T0)]);
    await h.run([tick(T0 + 20 * DAY)]);
    expect(srn(h.bus)).toHaveLength(1);
  });

  it('decides a ticket resolved after its deadline as unresolved whether the resolution or the watermark comes first', async () => {
    // The resolution (satisfaction 5, 8 days on) in the very batch that carries the watermark past the deadline, or
    // after another batch did: the same decision and id.
    const same = harness({ vip: ['ck_vip'] });
    await same.run([opened('ck_vip', 'T5', T0)]);
    await same.run([resolved('ck_vip', 'T5', T0 + 8 * DAY, 5)]);
    const timer = harness({ vip: ['ck_vip'] });
    await timer.run([opened('ck_vip', 'T5', T0)]);
    await timer.run([tick(T0 + 8 * DAY - MIN)]);
    await timer.run([resolved('ck_vip', 'T5', T0 + 8 * DAY, 5)]);
    const decided = (bus: ModelEvent[]) => srn(bus).map((e) => [e.event_id, e.sentiment_from]);
    expect(decided(same.bus)).toEqual([[expect.any(String), 'unresolved']]);
    expect(decided(timer.bus)).toEqual(decided(same.bus));
  });

  it('publishes nothing about a ticket or review of a customer below the value cut, or who refused profiling', async () => {
    const h = harness({ vip: ['ck_vip'], refused: ['ck_vip'] });
    await h.run([opened('ck_vip', 'T1', T0), opened('ck_filler0', 'T2', T0), review('ck_vip', 1, 'R1'), review('ck_filler0', 1, 'R2')]);
    await h.run([tick(T0 + 10 * DAY)]);
    expect(srn(h.bus)).toEqual([]);
  });
});

describe('live counters', () => {
  it('count the distinct events of the newest day and show the open cart', async () => {
    const h = harness();
    const batch = [ev('ck_a', T0 - 24 * 60 * MIN, { kind: 'other' }), add('ck_a', T0, 'SKU1', 2), ev('ck_a', T0 + MIN, { kind: 'other' })];
    await h.run(batch);
    await h.run(batch); // replayed: counted once
    const live = h.store.states.get('ck_a')!.live;
    expect(live.events_today).toBe(2);
    expect(live.events_day).toBe('2025-12-01');
    expect(live.last_event_at).toBe('2025-12-01T10:01:00.000Z');
    expect(live.open_cart_skus).toEqual(['SKU1']);
    expect(live.open_cart_value).toBe(198);
    expect(live.open_cart_since).toBe('2025-12-01T10:00:00.000Z');
  });
});
