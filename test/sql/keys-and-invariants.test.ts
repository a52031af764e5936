/**
 * On lakes with data (the hand-computed one and a small synthetic retailer, both after a tag refresh): every view's
 * key, read from its "grain:" header line, is unique and never null, and the tag library's invariants hold.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSqlViews, openLakeCatalog, type LakeCatalog } from '../../src/lake/local-catalog.ts';
import { queryRows } from '../../src/adapters/local/duckdb.ts';
import { parseViewDoc } from '../../src/tags/sql-docs.ts';
import { refreshTags } from '../../src/tags/index.ts';
import { buildHandComputedLake } from '../tags/hand-computed-lake.ts';
import { buildSyntheticLake } from './synthetic-lake.ts';

/** Key columns of a grain line: "one row per (a, b) ..." or "one row per a ..."; [] for "exactly one row". */
function keyOf(grain: string): string[] {
  if (grain.startsWith('exactly one row')) return [];
  const m = /^one row per (?:\(([^)]+)\)|([a-z_]+))/.exec(grain);
  if (!m) throw new Error(`grain line not understood: ${grain}`);
  return (m[1] ?? m[2]!).split(',').map((s) => s.trim());
}

/** Each invariant is a query for the rows that break it. */
const INVARIANTS: Record<string, string> = {
  'rfm scores are 1..5, present exactly for customers with a purchase': `
    select customer_key from customer_tags
    where (orders_total > 0) <> (r_score is not null and f_score is not null and m_score is not null and rfm_segment is not null)
       or r_score not between 1 and 5 or f_score not between 1 and 5 or m_score not between 1 and 5`,
  'channel shares are 0..1 and sum to 1 for customers with a purchase': `
    select customer_key from customer_tags
    where orders_total > 0 and (abs(channel_share_store + channel_share_online + channel_share_app - 1) > 1e-9
       or least(channel_share_store, channel_share_online, channel_share_app) < 0
       or abs(channel_mix['store'] - channel_share_store) > 1e-12)`,
  'monetary tags that cannot be negative are not': `
    select customer_key from customer_tags where avg_order_value < 0`,
  'order counts nest: 90 days <= 365 days <= all history': `
    select customer_key from customer_tags where not (0 <= orders_90d and orders_90d <= orders_365d and orders_365d <= orders_total)`,
  'shares and rates are 0..1': `
    select customer_key from customer_tags
    where promo_share not between 0 and 1 or return_rate not between 0 and 1`,
  'recency, first and last order agree with the as-of date': `
    select customer_key from customer_tags
    where recency_days < 0 or first_order_at > last_order_at or cast(last_order_at as date) > as_of_date
       or recency_days <> date_diff('day', cast(last_order_at as date), as_of_date)`,
  'labels come from their closed lists': `
    select customer_key from customer_tags
    where lifecycle_stage not in ('prospect', 'new', 'active', 'cooling', 'lapsed', 'churned')
       or price_sensitivity not in ('low', 'medium', 'high')
       or rfm_segment not in ('Champions', 'Loyal', 'New', 'Potential loyalist', 'Promising', 'Need attention',
                              'Cannot lose them', 'At risk', 'Hibernating', 'Lost')
       or active_time_slot not in ('morning', 'afternoon', 'evening', 'night')
       or member_tier not in ('basic', 'silver', 'gold', 'platinum')
       or preferred_channel not in ('store', 'online', 'app')`,
  'review ratings are 1..5 and counts are not negative': `
    select customer_key from customer_tags
    where avg_review_rating not between 1 and 5 or service_tickets_90d < 0 or category_diversity < 0 or is_overdue is null`,
  'repurchase cycle exists exactly for customers with two purchase days or more': `
    select customer_key from customer_tags where repurchase_cycle_days < 0 or (repurchase_cycle_days is not null and orders_total < 2)`,
  'order revenue: gross and promotional revenue are not negative, promotional within gross': `
    select order_key from int_orders where gross_revenue < 0 or promo_revenue < 0 or promo_revenue > gross_revenue`,
  'returned revenue is not negative': `select order_key from tag_orders where returned_revenue < 0`,
  'every identifier belongs to exactly one customer and no over-merged identifier is in the map': `
    select m.identity_value from identity_map as m join identity_hubs as h
      on h.identity_type = m.identity_type and h.identity_value = m.identity_value`,
  'every tagged customer is in identity_map, and customer_360 has one row per customer': `
    select customer_key from customer_tags where customer_key not in (select customer_key from identity_map)
    union all
    select 'count mismatch' from (select count(*) as n from customer_360) as c, (select count(distinct customer_key) as n from identity_map) as m
    where c.n <> m.n`,
  'consent names all five scopes, and its channel count and profiling flag agree with the map': `
    select customer_key from tag_consent
    where cardinality(consent) <> 5
        or has_profiling_consent <> consent['profiling']
        or marketing_channel_count <> (case when consent['marketing_sms'] then 1 else 0 end + case when consent['marketing_email'] then 1 else 0 end
            + case when consent['marketing_app_push'] then 1 else 0 end + case when consent['marketing_wechat'] then 1 else 0 end)`,
};

const LAKES = {
  'hand-computed lake': async () => {
    const lakeDir = await buildHandComputedLake();
    await refreshTags({ lakeDir, asOf: '2024-06-30' });
    return { lakeDir, root: lakeDir };
  },
  'synthetic retailer': async () => {
    const lake = await buildSyntheticLake(400, 60);
    await refreshTags({ lakeDir: lake.lakeDir });
    return lake;
  },
};

describe.each(Object.keys(LAKES))('%s', (lakeName) => {
  let root: string;
  let cat: LakeCatalog;

  beforeAll(async () => {
    const lake = await LAKES[lakeName as keyof typeof LAKES]();
    root = lake.root;
    cat = await openLakeCatalog(lake.lakeDir);
  });
  afterAll(() => {
    cat?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('has rows in the views that matter', async () => {
    for (const v of ['stg_order_lines', 'int_order_lines', 'int_orders', 'identity_map', 'customer_tags', 'customer_360']) {
      const [{ n }] = (await queryRows(cat.conn, `select count(*) as n from ${v}`)) as [{ n: unknown }];
      expect(Number(n), v).toBeGreaterThan(0);
    }
  });

  it.each(listSqlViews().map((v) => [v.name, parseViewDoc(v).grain!] as const))('%s: key is unique and not null', async (name, grain) => {
    const columns = (await queryRows(cat.conn, `describe select * from ${name}`)).map((r) => String(r.column_name));
    const key = keyOf(grain);
    // A materialised snapshot holds one copy of the view per as-of date.
    if (columns.includes('as_of_date') && !key.includes('as_of_date')) key.unshift('as_of_date');
    if (!key.length) {
      const [{ n }] = (await queryRows(cat.conn, `select count(*) as n from ${name}`)) as [{ n: unknown }];
      expect(Number(n)).toBe(1);
      return;
    }
    const nulls = key.map((k) => `${k} is null`).join(' or ');
    const [r] = await queryRows(
      cat.conn,
      `select count(*) as n, count(distinct (${key.join(', ')})) as distinct_keys, count(case when ${nulls} then 1 end) as null_keys from ${name}`,
    );
    expect({ duplicates: Number(r!.n) - Number(r!.distinct_keys), nullKeys: Number(r!.null_keys) }).toEqual({ duplicates: 0, nullKeys: 0 });
  });

  it.each(Object.entries(INVARIANTS))('%s', async (_name, sql) => {
    expect(await queryRows(cat.conn, `${sql} limit 5`)).toEqual([]);
  });
});
