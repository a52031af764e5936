-- stg_online_orders: orders placed or cancelled in the web shop and mini-program, typed from the online.order
-- payload (v2 orders arrive already upgraded to the v1 shape plus sales_channel) and deduplicated on event_id.
-- A cancellation is its own event with the same order_id. Lines are in stg_order_lines.
--
-- grain: one row per event_id
-- columns:
--   event_id: producer event id
--   order_id: web order number
--   channel: online (web) or app (mini-program)
--   order_status: placed or cancelled
--   is_cancelled: the event cancels the order
--   sales_channel: web or mini_program (v2 producers only)
--   schema_version: payload version the producer sent (1 or 2)
--   currency: ISO 4217 currency
--   coupon_code: coupon used on the order
--   shipping_method: standard, express or pickup
--   shipping_fee: shipping fee charged
--   shipping_city: delivery city
--   shipping_country: delivery country (ISO 3166-1 alpha-2)
--   line_count: number of order lines
--   ordered_at: order time (UTC)
--   received_at: when the cleanser received it (UTC)
--   member_id: loyalty member id of the logged-in shopper
--   phone_hash: keyed hash of the phone given at checkout
--   email_hash: keyed hash of the e-mail given at checkout
--   device_id: app device id
--   openid_hash: keyed hash of the WeChat openid
--   guest_id: guest-checkout id

with

online_events as (
    select
        event_id, channel, schema_version, occurred_at, received_at, payload,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id
    from curated_events
    where source = 'online' and event_type = 'online.order'
),

deduplicated as (
    select
        event_id, channel, schema_version, occurred_at, received_at, payload,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id,
        row_number() over (partition by event_id order by received_at, occurred_at) as copy_number
    from online_events
),

final as (
    select
        event_id,
        json_extract_scalar(payload, '$.order_id') as order_id,
        channel,
        coalesce(json_extract_scalar(payload, '$.status'), 'placed') as order_status,
        coalesce(json_extract_scalar(payload, '$.status'), 'placed') = 'cancelled' as is_cancelled,
        json_extract_scalar(payload, '$.sales_channel') as sales_channel,
        schema_version,
        json_extract_scalar(payload, '$.currency') as currency,
        json_extract_scalar(payload, '$.coupon_code') as coupon_code,
        json_extract_scalar(payload, '$.shipping.method') as shipping_method,
        cast(json_extract_scalar(payload, '$.shipping.fee') as decimal(18, 2)) as shipping_fee,
        json_extract_scalar(payload, '$.shipping.city') as shipping_city,
        json_extract_scalar(payload, '$.shipping.country') as shipping_country,
        cast(json_array_length(json_extract(payload, '$.lines')) as integer) as line_count,
        occurred_at as ordered_at,
        received_at,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id
    from deduplicated
    where copy_number = 1
)

select * from final
