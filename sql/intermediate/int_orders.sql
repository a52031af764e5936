-- int_orders: one row per order (a POS receipt, an online order with its cancellation if any, an imported
-- invoice), over all history, with its customer and revenue. Tags use tag_orders instead, which rebuilds orders
-- from lines up to the as-of date only.
--
-- grain: one row per order_key
-- columns:
--   order_key: lake-wide order key: source|store_id|order_id
--   source: pos, online or import
--   order_id: order or receipt id
--   store_id: store code (ONLINE for the web shop)
--   channel: store, online or app
--   customer_key: the stitched customer (null for anonymous orders)
--   ordered_at: time the order was placed (UTC; time of the return for a return receipt)
--   ordered_local_at: ordered_at as wall-clock time in lake_settings.local_time_zone
--   order_status: placed, cancelled (placed then withdrawn) or returned (a return transaction)
--   is_cancelled: the order was cancelled
--   is_return: the order is a return transaction
--   line_count: number of distinct line numbers
--   units: units bought (placed lines)
--   gross_revenue: sum of quantity x unit_price over placed lines (>= 0)
--   net_revenue: sum of quantity x unit_price over all lines, cancellations and returns included
--   promo_revenue: gross revenue on promotional lines (>= 0)
--   currency: ISO 4217 currency

with

lines as (
    select
        order_key, source, order_id, store_id, channel, customer_key, ordered_at, ordered_local_at, order_status,
        line_number, quantity, line_revenue, is_promotional, currency
    from int_order_lines
),

orders as (
    select
        order_key,
        source,
        order_id,
        store_id,
        min(channel) as channel,
        min(customer_key) as customer_key,
        coalesce(min(case when order_status = 'placed' then ordered_at end), min(ordered_at)) as ordered_at,
        coalesce(min(case when order_status = 'placed' then ordered_local_at end), min(ordered_local_at)) as ordered_local_at,
        bool_or(order_status = 'cancelled') as is_cancelled,
        bool_and(order_status = 'returned') as is_return,
        count(distinct line_number) as line_count,
        cast(sum(case when order_status = 'placed' then quantity else 0 end) as bigint) as units,
        sum(case when order_status = 'placed' then line_revenue else 0 end) as gross_revenue,
        sum(line_revenue) as net_revenue,
        sum(case when order_status = 'placed' and is_promotional then line_revenue else 0 end) as promo_revenue,
        min(currency) as currency
    from lines
    group by order_key, source, order_id, store_id
),

final as (
    select
        order_key,
        source,
        order_id,
        store_id,
        channel,
        customer_key,
        ordered_at,
        ordered_local_at,
        case when is_cancelled then 'cancelled' when is_return then 'returned' else 'placed' end as order_status,
        is_cancelled,
        is_return,
        line_count,
        units,
        gross_revenue,
        net_revenue,
        promo_revenue,
        currency
    from orders
)

select * from final
