-- campaign_outcomes: every campaign decision (a coupon issued, a customer held out as control, an assignment
-- imported with import-campaign) with what the customer did afterwards: orders, revenue and margin in a short and a
-- long window (campaign_settings: 14 and 30 days by default), coupon redemption, and retention. Windows start at the
-- decision and end at most at the lake's last order; a window not yet over is flagged, so measurement can leave it
-- out. Outcomes the export reports (import-campaign) are passed through as JSON. Input of `retail-lake campaigns`.
--
-- grain: one row per decision_id
-- columns:
--   decision_id: the coupon id, the CouponHeldOut event id, or campaign and customer of an imported assignment
--   campaign_id: the issuer's campaign name, or the imported campaign id
--   decision_source: issuer or import
--   arm: treatment or control for the issuer; the export's arm label for imports
--   is_control: the decision is in the campaign's control arm
--   customer_key: the stitched customer (null for an imported customer the lake does not know)
--   customer_id: the customer's member id (issuer) or id in the export (import)
--   decided_at: when the coupon was issued, the customer held out, or assigned (UTC)
--   segment: lifecycle stage of the customer's tags as of the decision's scores (issuer), the export's segment (import)
--   coupon_code: the code sent (null in control)
--   coupon_value: face value of the coupon sent or withheld (null when unknown)
--   observed_days: days of order data after the decision (0 when the lake has no orders)
--   is_short_window_complete: observed_days >= short_window_days
--   is_long_window_complete: observed_days >= long_window_days
--   is_retention_complete: observed_days >= retention_days
--   short_window_days: length of the short window (campaign_settings)
--   long_window_days: length of the long window (campaign_settings)
--   orders_short: placed orders in the short window
--   orders_long: placed orders in the long window
--   revenue_short: net revenue (after line discounts) of placed lines in the short window
--   revenue_long: the same in the long window
--   margin_short: revenue_short x gross_margin_rate
--   margin_long: revenue_long x gross_margin_rate
--   has_ordered_short: at least one placed order in the short window
--   has_ordered_long: at least one placed order in the long window
--   has_redeemed: the coupon code was used on an order or redeemed (coupon event) in the long window
--   is_retained: at least one placed order within retention_days after the decision
--   reported_outcomes: JSON of the outcomes the export reports (import-campaign), null otherwise

with

settings as (
    select short_window_days, long_window_days, retention_days, gross_margin_rate
    from campaign_settings
),

coupons_issued as (
    select coupon_id, campaign, customer_key, member_id, issued_at, as_of, code, value
    from coupons
),

held_out as (
    select event_id, campaign, customer_key, member_id, decided_at, as_of, value
    from coupon_holdouts
),

assignments as (
    select campaign_id, customer_id, arm, is_control, assigned_at, segment, coupon_code, outcomes
    from campaign_assignments
),

members as (
    select identity_value, customer_key
    from identity_map
    where identity_type = 'member_id'
),

tags as (
    select as_of_date, customer_key, lifecycle_stage
    from customer_tags
),

order_lines as (
    select order_key, customer_key, ordered_at, order_status, line_amount, coupon_code
    from int_order_lines
    where customer_key is not null
),

redemptions as (
    select coupon_id, occurred_at
    from stg_coupon_events
    where event_type = 'coupon.redeemed'
),

last_order as (
    select max(ordered_at) as last_ordered_at
    from order_lines
),

issuer_decisions as (
    select
        c.coupon_id as decision_id,
        c.campaign as campaign_id,
        'issuer' as decision_source,
        'treatment' as arm,
        false as is_control,
        c.customer_key,
        c.member_id as customer_id,
        c.issued_at as decided_at,
        c.as_of,
        c.code as coupon_code,
        cast(c.value as double) as coupon_value
    from coupons_issued as c
    union all
    select
        h.event_id as decision_id,
        h.campaign as campaign_id,
        'issuer' as decision_source,
        'control' as arm,
        true as is_control,
        h.customer_key,
        h.member_id as customer_id,
        h.decided_at,
        h.as_of,
        cast(null as varchar) as coupon_code,
        cast(h.value as double) as coupon_value
    from held_out as h
),

issuer_segmented as (
    select
        d.decision_id, d.campaign_id, d.decision_source, d.arm, d.is_control, d.customer_key, d.customer_id,
        d.decided_at, t.lifecycle_stage as segment, d.coupon_code, d.coupon_value
    from issuer_decisions as d
    left join tags as t
        on t.customer_key = d.customer_key and t.as_of_date = cast(d.as_of as date)
),

imported_decisions as (
    select
        a.campaign_id || '|' || a.customer_id as decision_id,
        a.campaign_id,
        'import' as decision_source,
        a.arm,
        a.is_control,
        m.customer_key,
        a.customer_id,
        a.assigned_at as decided_at,
        a.segment,
        a.coupon_code,
        cast(null as double) as coupon_value
    from assignments as a
    left join members as m
        on m.identity_value = a.customer_id
),

decisions as (
    select
        decision_id, campaign_id, decision_source, arm, is_control, customer_key, customer_id, decided_at, segment,
        coupon_code, coupon_value
    from issuer_segmented
    union all
    select
        decision_id, campaign_id, decision_source, arm, is_control, customer_key, customer_id, decided_at, segment,
        coupon_code, coupon_value
    from imported_decisions
),

observed as (
    select
        d.decision_id,
        coalesce(greatest(date_diff('day', d.decided_at, l.last_ordered_at), 0), 0) as observed_days
    from decisions as d
    cross join last_order as l
),

lines_after as (
    select
        d.decision_id,
        o.order_key,
        o.order_status,
        o.line_amount,
        o.coupon_code as used_code,
        d.coupon_code,
        date_diff('second', d.decided_at, o.ordered_at) as seconds_after
    from decisions as d
    inner join order_lines as o
        on o.customer_key = d.customer_key and o.ordered_at > d.decided_at
    cross join settings as s
    where date_diff('second', d.decided_at, o.ordered_at) <= 86400 * greatest(s.long_window_days, s.retention_days)
),

order_outcomes as (
    select
        l.decision_id,
        count(distinct case when l.order_status = 'placed' and l.seconds_after <= 86400 * s.short_window_days then l.order_key end) as orders_short,
        count(distinct case when l.order_status = 'placed' and l.seconds_after <= 86400 * s.long_window_days then l.order_key end) as orders_long,
        count(distinct case when l.order_status = 'placed' and l.seconds_after <= 86400 * s.retention_days then l.order_key end) as orders_retention,
        sum(case when l.order_status = 'placed' and l.seconds_after <= 86400 * s.short_window_days then l.line_amount else 0 end) as revenue_short,
        sum(case when l.order_status = 'placed' and l.seconds_after <= 86400 * s.long_window_days then l.line_amount else 0 end) as revenue_long,
        bool_or(l.coupon_code is not null and l.used_code = l.coupon_code and l.seconds_after <= 86400 * s.long_window_days) as has_used_code
    from lines_after as l
    cross join settings as s
    group by l.decision_id
),

redeemed as (
    select
        d.decision_id,
        count(*) as redemptions
    from decisions as d
    inner join redemptions as r
        on r.coupon_id = d.coupon_code and r.occurred_at >= d.decided_at
    cross join settings as s
    where date_diff('second', d.decided_at, r.occurred_at) <= 86400 * s.long_window_days
    group by d.decision_id
),

final as (
    select
        d.decision_id,
        d.campaign_id,
        d.decision_source,
        d.arm,
        d.is_control,
        d.customer_key,
        d.customer_id,
        d.decided_at,
        d.segment,
        d.coupon_code,
        d.coupon_value,
        ob.observed_days,
        ob.observed_days >= s.short_window_days as is_short_window_complete,
        ob.observed_days >= s.long_window_days as is_long_window_complete,
        ob.observed_days >= s.retention_days as is_retention_complete,
        s.short_window_days,
        s.long_window_days,
        coalesce(o.orders_short, 0) as orders_short,
        coalesce(o.orders_long, 0) as orders_long,
        cast(coalesce(o.revenue_short, 0) as double) as revenue_short,
        cast(coalesce(o.revenue_long, 0) as double) as revenue_long,
        cast(coalesce(o.revenue_short, 0) as double) * s.gross_margin_rate as margin_short,
        cast(coalesce(o.revenue_long, 0) as double) * s.gross_margin_rate as margin_long,
        coalesce(o.orders_short, 0) > 0 as has_ordered_short,
        coalesce(o.orders_long, 0) > 0 as has_ordered_long,
        coalesce(o.has_used_code, false) or coalesce(r.redemptions, 0) > 0 as has_redeemed,
        coalesce(o.orders_retention, 0) > 0 as is_retained,
        a.outcomes as reported_outcomes
    from decisions as d
    cross join settings as s
    inner join observed as ob
        on ob.decision_id = d.decision_id
    left join order_outcomes as o
        on o.decision_id = d.decision_id
    left join redeemed as r
        on r.decision_id = d.decision_id
    left join assignments as a
        on d.decision_source = 'import' and a.campaign_id || '|' || a.customer_id = d.decision_id
)

select * from final
