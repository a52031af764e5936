-- stg_pos_sales: till transactions (sales and returns) from the store POS, typed from the pos.sale payload and
-- deduplicated on event_id (first received copy wins). Basket lines are in stg_order_lines.
--
-- grain: one row per event_id
-- columns:
--   event_id: producer event id
--   order_id: till receipt number, unique per store
--   store_id: store code
--   channel: always store
--   transaction_type: sale or return
--   is_return: the receipt is a return transaction
--   currency: ISO 4217 currency
--   payment_method: cash, card, mobile, voucher or other (null when not sent)
--   coupon_code: coupon used on the receipt
--   line_count: number of basket lines
--   sold_at: till time (UTC)
--   received_at: when the cleanser received it (UTC)
--   member_id: loyalty member id shown at the till
--   phone_hash: keyed hash of the phone typed at the till
--   email_hash: keyed hash of the e-mail given at the till
--   device_id: app device id (scan-to-pay)
--   openid_hash: keyed hash of the WeChat openid (mini-program payment)
--   guest_id: guest id (rare at the till)

with

pos_events as (
    select
        event_id, store_id, channel, occurred_at, received_at, payload,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id
    from curated_events
    where source = 'pos' and event_type = 'pos.sale'
),

deduplicated as (
    select
        event_id, store_id, channel, occurred_at, received_at, payload,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id,
        row_number() over (partition by event_id order by received_at, occurred_at) as copy_number
    from pos_events
),

final as (
    select
        event_id,
        json_extract_scalar(payload, '$.order_id') as order_id,
        store_id,
        channel,
        coalesce(json_extract_scalar(payload, '$.transaction_type'), 'sale') as transaction_type,
        coalesce(json_extract_scalar(payload, '$.transaction_type'), 'sale') = 'return' as is_return,
        json_extract_scalar(payload, '$.currency') as currency,
        json_extract_scalar(payload, '$.payment_method') as payment_method,
        json_extract_scalar(payload, '$.coupon_code') as coupon_code,
        cast(json_array_length(json_extract(payload, '$.lines')) as integer) as line_count,
        occurred_at as sold_at,
        received_at,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id
    from deduplicated
    where copy_number = 1
)

select * from final
