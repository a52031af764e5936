import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalEventBus } from '../../src/adapters/local/event-bus.ts';
import { runQuery } from '../../src/cli/commands/query.ts';
import { LocalCouponStore, issueCoupon, issueCoupons, parseCouponConfig, runLocalCouponIssuer, CouponConfigError } from '../../src/coupons/index.ts';
import { publishNew } from '../../src/events/index.ts';
import { highValueAtRisk } from './events.ts';

let lake: string;
const now = () => new Date('2026-01-01T06:00:00Z');
const config = parseCouponConfig({ value: 50, monthlyBudget: 120 });

beforeEach(() => {
  lake = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-coupons-'));
});
afterEach(() => fs.rmSync(lake, { recursive: true, force: true }));

describe('coupon issuer', () => {
  it('issues one coupon per HighValueCustomerAtRisk event, with the reasons and model version of the event', async () => {
    const store = await LocalCouponStore.open(lake);
    const outcome = await issueCoupon(highValueAtRisk('a'), { store, config, now });
    expect(outcome.status).toBe('issued');
    expect(outcome.coupon).toMatchObject({
      event_id: highValueAtRisk('a').detail.event_id,
      customer_key: 'a',
      member_id: 'M-a',
      value: 50,
      currency: 'CNY',
      budget_period: '2026-01',
      valid_until: '2026-01-31',
      churn_model_version: 'churn-2025-12-31-00000000',
      reasons: [{ feature: 'recency_days' }],
    });
    expect(outcome.coupon!.code).toMatch(/^WB[A-Z2-9]{10}$/);
  });

  it('never issues two coupons for one event, within a run and after the store is reopened', async () => {
    const first = await LocalCouponStore.open(lake);
    const run1 = await issueCoupons([highValueAtRisk('a'), highValueAtRisk('a')], { store: first, config, now });
    await first.flush();
    const second = await LocalCouponStore.open(lake);
    const run2 = await issueCoupons([highValueAtRisk('a')], { store: second, config, now });
    await second.flush();
    expect([run1.issued, run1.duplicates, run2.issued, run2.duplicates]).toEqual([1, 1, 0, 1]);
    const rows = await runQuery(lake, 'select event_id, count(*) as n from coupons group by 1');
    expect(rows).toEqual([{ event_id: highValueAtRisk('a').detail.event_id, n: 1 }]);
  });

  it('refuses coupons beyond the monthly budget', async () => {
    const store = await LocalCouponStore.open(lake);
    const r = await issueCoupons(['a', 'b', 'c'].map((c) => highValueAtRisk(c)), { store, config, now });
    expect([r.issued, r.overBudget, r.value]).toEqual([2, 1, 100]);
    // A later month has its own budget.
    const feb = await issueCoupon(highValueAtRisk('c'), { store, config, now: () => new Date('2026-02-01T00:00:00Z') });
    expect(feb.status).toBe('issued');
  });

  it('issues no coupon for an event that names no marketing channel, and charges nothing to the budget', async () => {
    // a and b: no marketing channel on the event (as from before consent existed); c: e-mail. The budget fits two.
    const store = await LocalCouponStore.open(lake);
    const r = await issueCoupons([highValueAtRisk('a', '2025-12-31', null), highValueAtRisk('b', '2025-12-31', null), highValueAtRisk('c')], { store, config, now });
    expect([r.issued, r.noConsent, r.overBudget, r.value]).toEqual([1, 2, 0, 50]);
    expect(r.coupons.map((c) => c.customer_key)).toEqual(['c']);
    expect(store.spentIn('2026-01')).toBe(50);
    // An empty list is not a valid event: the rules never emit one.
    await expect(issueCoupon(highValueAtRisk('d', '2025-12-31', []), { store, config, now })).rejects.toThrow(/marketing_channels/);
  });

  it('ignores other detail types', async () => {
    const store = await LocalCouponStore.open(lake);
    const e = { ...highValueAtRisk('a'), detailType: 'CustomerSegmentChanged' } as never;
    expect((await issueCoupon(e, { store, config, now })).status).toBe('ignored');
  });

  it('runs on the local bus: events published there become coupons in curated/coupons/ once, however often it runs', async () => {
    const bus = new LocalEventBus(lake);
    await publishNew([highValueAtRisk('a'), highValueAtRisk('b')], { bus, ledger: bus, now });
    const first = await runLocalCouponIssuer({ lakeDir: lake, config, now });
    const again = await runLocalCouponIssuer({ lakeDir: lake, config, now });
    expect([first.issued, again.issued, again.duplicates, again.totalCoupons, again.spentThisPeriod]).toEqual([2, 0, 2, 2, 100]);
    expect(fs.readdirSync(path.join(lake, 'curated', 'coupons'))).toEqual(['dt=2026-01-01']);
  });

  it('rejects a config with a negative budget, naming the field', () => {
    expect(() => parseCouponConfig({ monthlyBudget: -1 })).toThrow(CouponConfigError);
    expect(() => parseCouponConfig({ monthlyBudget: -1 })).toThrow(/coupon config: monthlyBudget: Too small/);
  });
});
