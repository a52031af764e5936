-- int_order_lines: every order line with its customer (identity-resolved from the line's own identifiers, so
-- imported orders, which have no event, resolve too), its order key, product category and local time.
--
-- grain: one row per (source, event_id, line_number)
-- columns:
--   order_key: lake-wide order key: source|store_id|order_id
--   source: pos, online or import
--   event_id: event (or import row) the line came from
--   order_id: order or receipt id
--   line_number: 1-based position of the line in the order
--   customer_key: the stitched customer (null for anonymous lines)
--   member_id: member / customer id on the line
--   channel: store, online or app
--   store_id: store code (ONLINE for the web shop)
--   order_status: placed, cancelled or returned
--   is_cancelled: line of an order cancellation
--   is_return: line of a return or cancellation (negative quantity)
--   ordered_at: order time (UTC)
--   ordered_local_at: order time as wall-clock time in lake_settings.local_time_zone
--   sku: normalised SKU
--   category: product category from the catalogue (null when the SKU is not in it)
--   quantity: units; negative on returns and cancellations
--   unit_price: unit price before the line discount
--   discount: line discount
--   line_amount: quantity x unit_price - discount
--   line_revenue: quantity x unit_price (the revenue measure of the tag library)
--   currency: ISO 4217 currency
--   promotion_id: promotion applied to the line
--   coupon_code: coupon used on the order
--   is_promotional: the line had a promotion or the order a coupon

with

lines as (
    select
        source, event_id, order_id, line_number, order_status, channel, store_id, ordered_at,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id,
        sku, quantity, unit_price, discount, line_amount, currency, promotion_id, coupon_code, is_return
    from stg_order_lines
),

products as (
    select sku, category
    from stg_products
),

identities as (
    select identity_type, identity_value, customer_key
    from identity_map
),

settings as (
    select local_time_zone
    from lake_settings
),

resolved as (
    select
        l.source, l.event_id, l.order_id, l.line_number, l.order_status, l.channel, l.store_id, l.ordered_at,
        l.member_id, l.sku, l.quantity, l.unit_price, l.discount, l.line_amount, l.currency, l.promotion_id,
        l.coupon_code, l.is_return,
        coalesce(
            by_member.customer_key, by_phone.customer_key, by_email.customer_key,
            by_openid.customer_key, by_device.customer_key, by_guest.customer_key
        ) as customer_key
    from lines as l
    left join identities as by_member on by_member.identity_type = 'member_id' and by_member.identity_value = l.member_id
    left join identities as by_phone on by_phone.identity_type = 'phone' and by_phone.identity_value = l.phone_hash
    left join identities as by_email on by_email.identity_type = 'email' and by_email.identity_value = l.email_hash
    left join identities as by_openid on by_openid.identity_type = 'openid' and by_openid.identity_value = l.openid_hash
    left join identities as by_device on by_device.identity_type = 'device_id' and by_device.identity_value = l.device_id
    left join identities as by_guest on by_guest.identity_type = 'guest_id' and by_guest.identity_value = l.guest_id
),

final as (
    select
        r.source || '|' || coalesce(r.store_id, '') || '|' || r.order_id as order_key,
        r.source,
        r.event_id,
        r.order_id,
        r.line_number,
        r.customer_key,
        r.member_id,
        r.channel,
        r.store_id,
        r.order_status,
        r.order_status = 'cancelled' as is_cancelled,
        r.is_return,
        r.ordered_at,
        cast(at_timezone(with_timezone(r.ordered_at, 'UTC'), s.local_time_zone) as timestamp) as ordered_local_at,
        r.sku,
        p.category,
        r.quantity,
        r.unit_price,
        r.discount,
        r.line_amount,
        r.quantity * r.unit_price as line_revenue,
        r.currency,
        r.promotion_id,
        r.coupon_code,
        (r.promotion_id is not null or r.coupon_code is not null) as is_promotional
    from resolved as r
    cross join settings as s
    left join products as p on p.sku = r.sku
)

select * from final
