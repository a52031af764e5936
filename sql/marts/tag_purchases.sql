-- tag_purchases: the order-based tags of every customer with at least one order line up to the as-of date:
-- recency, frequency, revenue, repurchase cycle, promotion response and returns. Works the same for customers
-- known only from imported order exports.
--
-- grain: one row per customer_key
-- columns:
--   customer_key: the stitched customer
--   first_order_at: first purchase (UTC)
--   last_order_at: last purchase (UTC)
--   recency_days: days from the last purchase's date to the as-of date
--   orders_total: distinct purchases (placed, not cancelled orders), all history
--   orders_90d: purchases in the last lake_settings.recent_window_days days (as-of day included)
--   orders_365d: purchases in the last lake_settings.year_window_days days
--   net_revenue_total: sum of quantity x unit_price over all lines, returns and cancellations included
--   net_revenue_365d: the same over the last lake_settings.year_window_days days
--   avg_order_value: gross revenue of purchases / orders_total (>= 0)
--   repurchase_cycle_days: median days between consecutive purchase days (null with fewer than two)
--   is_overdue: recency_days > lake_settings.overdue_factor x repurchase_cycle_days (false without a cycle)
--   promo_share: share of purchase revenue on promotion or with a coupon, 0..1
--   price_sensitivity: low, medium or high, from promo_share (thresholds in lake_settings)
--   return_rate: returned value / purchased value, 0..1 (capped at 1: a return of a purchase older than the data)

with

as_of as (
    select as_of_date
    from tag_as_of
),

settings as (
    select
        recent_window_days, year_window_days, overdue_factor,
        price_sensitivity_medium_share, price_sensitivity_high_share
    from lake_settings
),

orders as (
    select
        customer_key, ordered_at, is_purchase, gross_revenue, net_revenue, net_revenue_365d, promo_revenue,
        returned_revenue
    from tag_orders
),

purchase_days as (
    select distinct customer_key, cast(ordered_at as date) as purchase_date
    from orders
    where is_purchase
),

gaps as (
    select
        customer_key,
        date_diff('day', lag(purchase_date) over (partition by customer_key order by purchase_date), purchase_date) as gap_days
    from purchase_days
),

ranked_gaps as (
    select
        customer_key,
        gap_days,
        row_number() over (partition by customer_key order by gap_days) as gap_rank,
        count(*) over (partition by customer_key) as gap_count
    from gaps
    where gap_days is not null
),

cycles as (
    select
        customer_key,
        avg(cast(gap_days as double)) as repurchase_cycle_days
    from ranked_gaps
    where gap_rank in (floor((gap_count + 1) / 2.0), floor((gap_count + 2) / 2.0))
    group by customer_key
),

totals as (
    select
        o.customer_key,
        min(case when o.is_purchase then o.ordered_at end) as first_order_at,
        max(case when o.is_purchase then o.ordered_at end) as last_order_at,
        count(case when o.is_purchase then 1 end) as orders_total,
        count(
            case when o.is_purchase and date_diff('day', cast(o.ordered_at as date), a.as_of_date) < s.recent_window_days then 1 end
        ) as orders_90d,
        count(
            case when o.is_purchase and date_diff('day', cast(o.ordered_at as date), a.as_of_date) < s.year_window_days then 1 end
        ) as orders_365d,
        sum(o.net_revenue) as net_revenue_total,
        sum(o.net_revenue_365d) as net_revenue_365d,
        sum(case when o.is_purchase then o.gross_revenue else 0 end) as purchase_revenue,
        sum(case when o.is_purchase then o.promo_revenue else 0 end) as promo_revenue,
        sum(o.returned_revenue) as returned_revenue
    from orders as o
    cross join as_of as a
    cross join settings as s
    group by o.customer_key
),

measures as (
    select
        t.customer_key,
        t.first_order_at,
        t.last_order_at,
        date_diff('day', cast(t.last_order_at as date), a.as_of_date) as recency_days,
        t.orders_total,
        t.orders_90d,
        t.orders_365d,
        t.net_revenue_total,
        t.net_revenue_365d,
        case
            when t.orders_total > 0 then round(cast(t.purchase_revenue as double) / t.orders_total, 2)
        end as avg_order_value,
        c.repurchase_cycle_days,
        cast(t.promo_revenue as double) / nullif(cast(t.purchase_revenue as double), 0) as promo_share,
        case
            when t.purchase_revenue > 0 and t.returned_revenue >= t.purchase_revenue then 1.0e0
            when t.purchase_revenue > 0 then cast(t.returned_revenue as double) / cast(t.purchase_revenue as double)
        end as return_rate
    from totals as t
    cross join as_of as a
    left join cycles as c on c.customer_key = t.customer_key
),

final as (
    select
        m.customer_key,
        m.first_order_at,
        m.last_order_at,
        m.recency_days,
        m.orders_total,
        m.orders_90d,
        m.orders_365d,
        m.net_revenue_total,
        m.net_revenue_365d,
        m.avg_order_value,
        m.repurchase_cycle_days,
        coalesce(m.recency_days > s.overdue_factor * m.repurchase_cycle_days, false) as is_overdue,
        m.promo_share,
        case
            when m.promo_share is null then null
            when m.promo_share >= s.price_sensitivity_high_share then 'high'
            when m.promo_share >= s.price_sensitivity_medium_share then 'medium'
            else 'low'
        end as price_sensitivity,
        m.return_rate
    from measures as m
    cross join settings as s
)

select * from final
