-- stg_order_lines: order lines of POS receipts, online orders and imported order exports (source = import),
-- deduplicated on (source, event_id, line_number): the cleanser drops duplicate events, but an at-least-once
-- write can leave a second copy of a line.
--
-- grain: one row per (source, event_id, line_number)
-- columns:
--   source: pos, online or import
--   event_id: event (or import row) the line came from
--   order_id: order or receipt id; unique per source and store
--   line_number: 1-based position of the line in the order
--   order_status: placed, cancelled (order withdrawn) or returned (a return transaction)
--   channel: store, online or app
--   store_id: store code (ONLINE for the web shop)
--   ordered_at: order time (UTC)
--   member_id: loyalty member / customer id (the only identity of imported orders)
--   phone_hash: keyed hash of the phone
--   email_hash: keyed hash of the e-mail
--   device_id: app device id
--   openid_hash: keyed hash of the WeChat openid
--   guest_id: guest-checkout id
--   sku: normalised SKU
--   description: product description as exported (imports only)
--   quantity: units; negative on returns and cancellations
--   unit_price: unit price before the line discount
--   discount: line discount (>= 0)
--   line_amount: quantity x unit_price - discount, negative on returns and cancellations
--   currency: ISO 4217 currency
--   promotion_id: promotion applied to the line
--   coupon_code: coupon used on the order
--   is_return: line of a return or cancellation

with

curated as (
    select
        source, event_id, order_id, line_number, order_status, channel, store_id, occurred_at,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id,
        sku, description, quantity, unit_price, discount, line_amount, currency, promotion_id, coupon_code, is_return
    from curated_order_lines
),

ranked as (
    select
        source, event_id, order_id, line_number, order_status, channel, store_id, occurred_at,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id,
        sku, description, quantity, unit_price, discount, line_amount, currency, promotion_id, coupon_code, is_return,
        row_number() over (partition by source, event_id, line_number order by occurred_at) as copy_number
    from curated
),

final as (
    select
        source,
        event_id,
        order_id,
        line_number,
        order_status,
        channel,
        store_id,
        occurred_at as ordered_at,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id,
        sku,
        description,
        quantity,
        unit_price,
        discount,
        line_amount,
        currency,
        promotion_id,
        coupon_code,
        is_return
    from ranked
    where copy_number = 1
)

select * from final
