import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshTags, type TagsSummary } from '../../src/tags/index.ts';
import { runQuery } from '../../src/cli/commands/query.ts';
import { buildHandComputedLake } from './hand-computed-lake.ts';

type Row = Record<string, unknown>;
const num = (v: unknown) => (v === null || v === undefined ? v : Number(v));

let lakeDir: string;
let summary: TagsSummary;
let byMember: Map<string, Row>;
let bob: Row;

beforeAll(async () => {
  lakeDir = await buildHandComputedLake();
  summary = await refreshTags({ lakeDir, asOf: '2024-06-30' });
  const rows = await runQuery(lakeDir, "select * from customer_tags where dt = date '2024-06-30'");
  byMember = new Map(rows.filter((r) => r.member_id).map((r) => [String(r.member_id), r]));
  bob = rows.find((r) => r.member_id === null && num(r.orders_total) === 3)!;
});

afterAll(() => fs.rmSync(lakeDir, { recursive: true, force: true }));

describe('customer_tags on a hand-computed lake, as of 2024-06-30', () => {
  it('tags one row per customer first seen by the as-of date, the shared tablet belonging to none', () => {
    // Alice, Bob, the imported C-100, Dora and the four members seen only on the store tablet.
    expect(summary.customers).toBe(8);
    expect(summary.purchasers).toBe(3);
    expect(summary.identity.hubs).toBe(1);
    expect(fs.existsSync(path.join(lakeDir, 'curated', 'customer_tags', 'dt=2024-06-30', 'part-0.parquet'))).toBe(true);
  });

  it('computes the order tags of a member who bought in store and online, returned and cancelled', () => {
    const a = byMember.get('M-A')!;
    expect(a).toMatchObject({
      first_order_at: '2024-01-10 10:00:00',
      last_order_at: '2024-03-10 01:00:00',
      preferred_channel: 'store',
      favourite_category: 'beauty',
      price_sensitivity: 'high',
      is_overdue: true,
      lifecycle_stage: 'cooling',
      active_time_slot: 'morning',
      active_weekday: 'Monday',
      member_tier: null,
      rfm_segment: 'Lost',
    });
    // R1 (2 x 10 + 30) + O1 30 - return R2 10; O2 placed and cancelled nets to 0; R5 is after the as-of date.
    expect(num(a.net_revenue_total)).toBe(70);
    expect(num(a.net_revenue_365d)).toBe(70);
    expect(num(a.orders_total)).toBe(2);
    expect(num(a.orders_90d)).toBe(0);
    expect(num(a.orders_365d)).toBe(2);
    expect(num(a.recency_days)).toBe(112); // 2024-03-10 -> 2024-06-30
    expect(num(a.avg_order_value)).toBe(40); // (50 + 30) / 2
    expect(num(a.repurchase_cycle_days)).toBe(60); // 2024-01-10 -> 2024-03-10
    expect(num(a.promo_share)).toBe(0.75); // promoted line 30 + couponed order 30, of 80
    expect(num(a.return_rate)).toBe(0.125); // 10 of 80
    expect(num(a.category_diversity)).toBe(2);
    expect([num(a.channel_share_store), num(a.channel_share_online), num(a.channel_share_app)]).toEqual([0.5, 0.5, 0]);
    expect([num(a.r_score), num(a.f_score), num(a.m_score)]).toEqual([1, 1, 1]);
  });

  it('stitches a till phone written three ways and a guest checkout into one customer', () => {
    expect(bob).toMatchObject({
      last_order_at: '2024-06-29 02:00:00',
      favourite_category: 'electronics',
      preferred_channel: 'store',
      price_sensitivity: 'low',
      is_overdue: false,
      lifecycle_stage: 'new',
      active_time_slot: 'morning',
      active_weekday: 'Saturday',
      rfm_segment: 'Potential loyalist',
    });
    expect(num(bob.recency_days)).toBe(1);
    expect(num(bob.net_revenue_total)).toBe(220);
    expect(num(bob.avg_order_value)).toBe(73.33);
    expect(num(bob.repurchase_cycle_days)).toBe(14);
    expect(num(bob.channel_share_store)).toBeCloseTo(2 / 3, 12);
    expect([num(bob.r_score), num(bob.f_score), num(bob.m_score)]).toEqual([5, 3, 5]);
  });

  it('tags a customer known only from an imported order export', () => {
    const c = byMember.get('C-100')!;
    expect(c).toMatchObject({
      first_order_at: '2024-02-01 09:00:00',
      favourite_category: null,
      preferred_channel: 'online',
      lifecycle_stage: 'active',
      active_time_slot: 'afternoon', // 09:00 UTC is 17:00 in Asia/Shanghai
      rfm_segment: 'Need attention',
    });
    expect(num(c.orders_total)).toBe(3); // the C invoice is a return, not an order
    expect(num(c.orders_90d)).toBe(1); // 2024-04-01 is exactly 90 days before: outside
    expect(num(c.net_revenue_total)).toBe(70);
    expect(num(c.avg_order_value)).toBe(26.67);
    expect(num(c.repurchase_cycle_days)).toBe(60.5); // median of 60 and 61
    expect(num(c.return_rate)).toBe(0.125);
    expect(num(c.category_diversity)).toBe(0);
    expect([num(c.r_score), num(c.f_score), num(c.m_score)]).toEqual([3, 3, 1]);
  });

  it('tags a member without purchases from loyalty, service and review events up to the as-of date only', () => {
    const d = byMember.get('M-D')!;
    expect(d).toMatchObject({
      lifecycle_stage: 'prospect',
      member_tier: 'gold', // platinum arrives 2024-07-10
      rfm_segment: null,
      r_score: null,
      first_order_at: null,
      active_time_slot: 'morning',
      active_weekday: 'Tuesday',
      review_sentiment: null,
    });
    expect(num(d.orders_total)).toBe(0);
    expect(num(d.net_revenue_total)).toBe(0);
    expect(num(d.service_tickets_90d)).toBe(1); // T2; T1 is 177 days old
    expect(num(d.avg_review_rating)).toBe(4.5); // RV1 4, RV2 edited from 2 to 5; RV3 is after the as-of date
  });

  it('keeps the customer key of a customer in customer_360 and identity_map', async () => {
    const a = byMember.get('M-A')!;
    const ids = await runQuery(lakeDir, `select identity_type from identity_map where customer_key = '${String(a.customer_key)}' order by 1`);
    expect(ids.map((r) => r.identity_type)).toEqual(['device_id', 'email', 'member_id', 'phone']);
    const c360 = await runQuery(lakeDir, `select * from customer_360 where customer_key = '${String(a.customer_key)}'`);
    expect(c360).toHaveLength(1);
    expect(c360[0]).toMatchObject({ member_id: 'M-A', rfm_segment: 'Lost', tags_as_of_date: '2024-06-30' });
    // customer_360 counts all history: R5 on 2024-07-05 is a third order.
    expect(num(c360[0]!.lifetime_orders)).toBe(3);
  });

  it('keeps a customer\'s key between snapshots while new identifiers join, and keeps both snapshots', async () => {
    const early = await refreshTags({ lakeDir, asOf: '2024-02-29' }); // Alice: member id and phone only
    const keys = await runQuery(lakeDir, "select dt, customer_key from customer_tags where member_id = 'M-A' order by dt");

    expect(early.identity.identities).toBe(4); // M-A and Alice's phone, M-D (signed up 2024-01-01), C-100 (imported)
    expect(keys.map((r) => r.dt)).toEqual(['2024-02-29', '2024-06-30']);
    expect(keys[0]!.customer_key).toBe(keys[1]!.customer_key);
  });
});
