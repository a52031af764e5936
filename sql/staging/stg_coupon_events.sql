-- stg_coupon_events: coupons issued to and redeemed by customers (coupon.issued, coupon.redeemed), typed from
-- their payloads into one row shape and deduplicated on event_id.
--
-- grain: one row per event_id
-- columns:
--   event_id: producer event id
--   event_type: coupon.issued or coupon.redeemed
--   coupon_id: coupon id
--   campaign_id: campaign the coupon belongs to
--   discount_type: amount or percent (issued)
--   discount_value: amount off, or percent off (issued)
--   expires_at: expiry (issued; UTC)
--   order_id: order the coupon was redeemed on (redeemed)
--   occurred_at: when it happened (UTC)
--   received_at: when the cleanser received it (UTC)
--   member_id: loyalty member id
--   phone_hash: keyed hash of the phone
--   email_hash: keyed hash of the e-mail
--   device_id: app device id
--   openid_hash: keyed hash of the WeChat openid
--   guest_id: guest id

with

coupon_events as (
    select
        event_id, event_type, occurred_at, received_at, payload,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id
    from curated_events
    where source = 'coupon'
),

deduplicated as (
    select
        event_id, event_type, occurred_at, received_at, payload,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id,
        row_number() over (partition by event_id order by received_at, occurred_at) as copy_number
    from coupon_events
),

final as (
    select
        event_id,
        event_type,
        json_extract_scalar(payload, '$.coupon_id') as coupon_id,
        json_extract_scalar(payload, '$.campaign_id') as campaign_id,
        json_extract_scalar(payload, '$.discount_type') as discount_type,
        cast(json_extract_scalar(payload, '$.discount_value') as decimal(18, 2)) as discount_value,
        cast(from_iso8601_timestamp(json_extract_scalar(payload, '$.expires_at')) as timestamp) as expires_at,
        json_extract_scalar(payload, '$.order_id') as order_id,
        occurred_at,
        received_at,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id
    from deduplicated
    where copy_number = 1
)

select * from final
