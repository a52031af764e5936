-- tag_orders: orders of identified customers rebuilt from order lines up to the as-of date, so a cancellation or a
-- return after that date does not leak into the tags. Base of the order-based tags.
--
-- grain: one row per order_key (orders with at least one line on or before the as-of date)
-- columns:
--   order_key: lake-wide order key: source|store_id|order_id
--   customer_key: the stitched customer
--   channel: store, online or app
--   ordered_at: time the order was placed (UTC; null when only its cancellation or return is in range)
--   ordered_local_at: ordered_at as wall-clock time in lake_settings.local_time_zone
--   is_purchase: a placed, not cancelled order: what orders_total counts
--   is_cancelled: a cancellation of the order is on or before the as-of date
--   gross_revenue: quantity x unit_price over placed lines (>= 0)
--   net_revenue: quantity x unit_price over all lines in range (returns and cancellations included)
--   net_revenue_365d: net_revenue of lines within lake_settings.year_window_days of the as-of date
--   promo_revenue: gross revenue on promotional lines (>= 0)
--   returned_revenue: value of returned lines, as a positive amount (>= 0)

with

as_of as (
    select as_of_date
    from tag_as_of
),

settings as (
    select year_window_days
    from lake_settings
),

lines as (
    select
        l.order_key, l.customer_key, l.channel, l.order_status, l.ordered_at, l.ordered_local_at, l.line_revenue,
        l.is_promotional,
        date_diff('day', cast(l.ordered_at as date), a.as_of_date) < s.year_window_days as is_within_year
    from int_order_lines as l
    cross join as_of as a
    cross join settings as s
    where l.customer_key is not null
        and cast(l.ordered_at as date) <= a.as_of_date
),

orders as (
    select
        order_key,
        min(customer_key) as customer_key,
        min(channel) as channel,
        min(case when order_status = 'placed' then ordered_at end) as ordered_at,
        min(case when order_status = 'placed' then ordered_local_at end) as ordered_local_at,
        bool_or(order_status = 'placed') as has_placed_lines,
        bool_or(order_status = 'cancelled') as is_cancelled,
        sum(case when order_status = 'placed' then line_revenue else 0 end) as gross_revenue,
        sum(line_revenue) as net_revenue,
        sum(case when is_within_year then line_revenue else 0 end) as net_revenue_365d,
        sum(case when order_status = 'placed' and is_promotional then line_revenue else 0 end) as promo_revenue,
        sum(case when order_status = 'returned' then -line_revenue else 0 end) as returned_revenue
    from lines
    group by order_key
),

final as (
    select
        order_key,
        customer_key,
        channel,
        ordered_at,
        ordered_local_at,
        has_placed_lines and not is_cancelled as is_purchase,
        is_cancelled,
        gross_revenue,
        net_revenue,
        net_revenue_365d,
        promo_revenue,
        returned_revenue
    from orders
)

select * from final
