-- int_app_behaviour: app behaviour events with their customer and local time.
--
-- grain: one row per event_id
-- columns:
--   event_id: producer event id
--   customer_key: the stitched customer (null when the device is shared or unknown)
--   session_id: app session id
--   action: view, search, add_to_cart, remove_from_cart, checkout or purchase
--   sku: product acted on
--   search_query: search text
--   quantity: units added or removed
--   order_id: order of a purchase action
--   occurred_at: when it happened (UTC)
--   occurred_local_at: occurred_at as wall-clock time in lake_settings.local_time_zone

with

behaviour as (
    select event_id, session_id, action, sku, search_query, quantity, order_id, occurred_at
    from stg_app_behaviour
),

event_customers as (
    select event_id, customer_key
    from int_event_customers
    where source = 'app'
),

settings as (
    select local_time_zone
    from lake_settings
),

final as (
    select
        b.event_id,
        c.customer_key,
        b.session_id,
        b.action,
        b.sku,
        b.search_query,
        b.quantity,
        b.order_id,
        b.occurred_at,
        cast(at_timezone(with_timezone(b.occurred_at, 'UTC'), s.local_time_zone) as timestamp) as occurred_local_at
    from behaviour as b
    cross join settings as s
    left join event_customers as c on c.event_id = b.event_id
)

select * from final
