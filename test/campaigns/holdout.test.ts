// The issuer's randomised holdout: stable per customer and campaign, the configured share, the decision recorded for
// both arms under the event's idempotency, and the budget charged for issued coupons only.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assignArm } from '../../src/campaigns/assign.ts';
import { runQuery } from '../../src/cli/commands/query.ts';
import { LocalCouponStore, issueCoupon, issueCoupons, parseCouponConfig, runLocalCouponIssuer } from '../../src/coupons/index.ts';
import { LocalEventBus } from '../../src/adapters/local/event-bus.ts';
import { toEntry } from '../../src/events/bus.ts';
import { listEvents } from '../../src/events/command.ts';
import { highValueAtRisk } from '../coupons/events.ts';

let lake: string;
const now = () => new Date('2026-01-01T06:00:00Z');

beforeEach(() => {
  lake = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-holdout-'));
});
afterEach(() => fs.rmSync(lake, { recursive: true, force: true }));

/** The arm by hand, from the documented rule: SHA-256("holdout\0<campaign>\0<customer>"), first 48 bits / 2^48 < share. */
function armByHand(customer: string, campaign: string, share: number): string {
  const h = createHash('sha256').update(`holdout\u0000${campaign}\u0000${customer}`).digest('hex');
  return parseInt(h.slice(0, 12), 16) / 2 ** 48 < share ? 'control' : 'treatment';
}

const customers = Array.from({ length: 20_000 }, (_, i) => `ck_${i.toString(16).padStart(8, '0')}`);

describe('campaign holdout assignment', () => {
  it('puts the same customer in the same arm of a campaign every time, as the documented hash says', () => {
    for (const c of customers.slice(0, 2000)) {
      const arm = assignArm(c, 'high-value-win-back', 0.1);
      expect(assignArm(c, 'high-value-win-back', 0.1)).toBe(arm);
      expect(arm).toBe(armByHand(c, 'high-value-win-back', 0.1));
    }
  });

  it('holds out the configured share (within 1 point) and draws each campaign independently', () => {
    for (const share of [0.1, 0.25]) {
      const control = customers.filter((c) => assignArm(c, 'cart-recovery', share) === 'control').length / customers.length;
      expect(Math.abs(control - share)).toBeLessThan(0.01);
    }
    // Independent draws: about 10% x 10% = 1% are control in both campaigns (not 10%, as one shared draw would give).
    const both = customers.filter((c) => assignArm(c, 'a', 0.1) === 'control' && assignArm(c, 'b', 0.1) === 'control').length / customers.length;
    expect(both).toBeGreaterThan(0.005);
    expect(both).toBeLessThan(0.02);
  });
});

describe('coupon issuer with a holdout', () => {
  const keys = Array.from({ length: 60 }, (_, i) => `cust-${i}`);

  it('records a CouponHeldOut decision for the control arm, issues to the rest, and a second delivery is a duplicate in either arm', async () => {
    const config = parseCouponConfig({ value: 10, monthlyBudget: 10_000, holdoutShare: 0.3 });
    const control = keys.filter((k) => armByHand(k, 'high-value-win-back', 0.3) === 'control');
    expect(control.length).toBeGreaterThan(5); // the test needs both arms
    const first = await LocalCouponStore.open(lake);
    const r = await issueCoupons(keys.map((k) => highValueAtRisk(k)), { store: first, config, now });
    await first.flush();
    expect([r.issued, r.heldOut]).toEqual([keys.length - control.length, control.length]);
    expect(first.spentIn('2026-01')).toBe(10 * (keys.length - control.length));
    const held = await runQuery(lake, 'select customer_key, campaign, holdout_share, source_event_id from coupon_holdouts order by customer_key');
    expect(held.map((h) => h.customer_key)).toEqual([...control].sort());
    expect(held[0]).toMatchObject({ campaign: 'high-value-win-back', holdout_share: 0.3 });
    const issuedTo = await runQuery(lake, 'select customer_key from coupons');
    expect(issuedTo.some((c) => control.includes(String(c.customer_key)))).toBe(false);
    // Redelivered after the store is reopened: nothing new in either arm.
    const again = await issueCoupons(keys.map((k) => highValueAtRisk(k)), { store: await LocalCouponStore.open(lake), config, now });
    expect([again.issued, again.heldOut, again.duplicates]).toEqual([0, 0, keys.length]);
  });

  it('charges only issued coupons to the budget, and stops both arms when the budget has no room', async () => {
    // Budget for 5 coupons of 10; the held-out customers in the first part of the list do not use it up.
    const config = parseCouponConfig({ value: 10, monthlyBudget: 50, holdoutShare: 0.3 });
    const store = await LocalCouponStore.open(lake);
    const outcomes: string[] = [];
    for (const k of keys) outcomes.push((await issueCoupon(highValueAtRisk(k), { store, config, now })).status);
    const fifthIssued = keys.map((k, i) => (armByHand(k, 'high-value-win-back', 0.3) === 'treatment' ? i : -1)).filter((i) => i >= 0)[4]!;
    const expected = keys.map((k, i) => (i > fifthIssued ? 'over_budget' : armByHand(k, 'high-value-win-back', 0.3) === 'control' ? 'held_out' : 'issued'));
    expect(outcomes).toEqual(expected);
    expect(outcomes.filter((o) => o === 'issued')).toHaveLength(5);
    expect(store.spentIn('2026-01')).toBe(50);
  });

  it('publishes each control decision on the local bus as CouponHeldOut (retail-lake events), once, however often the issuer runs', async () => {
    const config = parseCouponConfig({ value: 10, monthlyBudget: 10_000, holdoutShare: 0.3 });
    const control = keys.filter((k) => armByHand(k, 'high-value-win-back', 0.3) === 'control');
    await new LocalEventBus(lake).putEvents(keys.map((k) => toEntry(highValueAtRisk(k), { time: new Date('2026-01-01T03:00:00Z') })));
    const first = await runLocalCouponIssuer({ lakeDir: lake, config, now });
    expect([first.heldOut, first.heldOutPublished]).toEqual([control.length, control.length]);
    const listed = () => listEvents({ lake, json: true, type: 'CouponHeldOut' });
    expect(listed().map((e) => (e.detail as { customer_key: string }).customer_key).sort()).toEqual([...control].sort());
    // The detail is the decision recorded in coupon_holdouts, field for field.
    const recorded = await runQuery(lake, 'select event_id, source_event_id, customer_key, campaign, holdout_share, value, decided_at from coupon_holdouts order by event_id');
    expect(listed().map((e) => e.detail).sort((a, b) => a.event_id.localeCompare(b.event_id)).map((d) => ({ ...d, decided_at: new Date((d as { decided_at: string }).decided_at).getTime() }))).toEqual(
      recorded.map((r) => expect.objectContaining({ ...r, decided_at: new Date(String(r.decided_at)).getTime() })),
    );
    const again = await runLocalCouponIssuer({ lakeDir: lake, config, now });
    expect([again.heldOut, again.heldOutPublished, again.duplicates]).toEqual([0, 0, keys.length]);
    expect(listed()).toHaveLength(control.length);
  });

  it('a share of 0 holds out nobody', async () => {
    const config = parseCouponConfig({ value: 10, monthlyBudget: 10_000, holdoutShare: 0 });
    const r = await issueCoupons(keys.map((k) => highValueAtRisk(k)), { store: await LocalCouponStore.open(lake), config, now });
    expect([r.issued, r.heldOut]).toEqual([keys.length, 0]);
  });

  it('rejects a holdout share above one half, naming the field', () => {
    expect(() => parseCouponConfig({ holdoutShare: 0.9 })).toThrow(/coupon config: holdoutShare: Too big/);
  });
});
