-- stg_member_events: loyalty-programme events (member.signup, member.profile, member.tier_changed,
-- member.points), typed from their payloads into one wide row (columns of other event types are null) and
-- deduplicated on event_id.
--
-- grain: one row per event_id
-- columns:
--   event_id: producer event id
--   event_type: member.signup, member.profile, member.tier_changed or member.points
--   tier: tier after the event (signup tier or the tier moved to)
--   from_tier: tier before a tier change
--   signup_channel: store, online or app (sign-ups)
--   referral_code: referral code used at sign-up
--   birth_year: birth year (profile)
--   gender: female, male, other or undisclosed (profile)
--   city: city (profile)
--   is_marketing_opt_in: consent to marketing (profile; null when not stated)
--   points_delta: points earned (+) or spent/expired (-)
--   points_balance: balance after the change
--   points_reason: purchase, redemption, expiry, bonus or adjustment
--   occurred_at: when it happened (UTC)
--   received_at: when the cleanser received it (UTC)
--   member_id: loyalty member id
--   phone_hash: keyed hash of the phone
--   email_hash: keyed hash of the e-mail
--   device_id: app device id
--   openid_hash: keyed hash of the WeChat openid
--   guest_id: guest id

with

member_events as (
    select
        event_id, event_type, occurred_at, received_at, payload,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id
    from curated_events
    where source = 'member'
),

deduplicated as (
    select
        event_id, event_type, occurred_at, received_at, payload,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id,
        row_number() over (partition by event_id order by received_at, occurred_at) as copy_number
    from member_events
),

final as (
    select
        event_id,
        event_type,
        case
            when event_type = 'member.signup' then coalesce(json_extract_scalar(payload, '$.tier'), 'basic')
            when event_type = 'member.tier_changed' then json_extract_scalar(payload, '$.to_tier')
        end as tier,
        json_extract_scalar(payload, '$.from_tier') as from_tier,
        json_extract_scalar(payload, '$.signup_channel') as signup_channel,
        json_extract_scalar(payload, '$.referral_code') as referral_code,
        cast(json_extract_scalar(payload, '$.birth_year') as integer) as birth_year,
        json_extract_scalar(payload, '$.gender') as gender,
        json_extract_scalar(payload, '$.city') as city,
        cast(json_extract_scalar(payload, '$.marketing_opt_in') as boolean) as is_marketing_opt_in,
        cast(json_extract_scalar(payload, '$.delta') as integer) as points_delta,
        cast(json_extract_scalar(payload, '$.balance') as integer) as points_balance,
        json_extract_scalar(payload, '$.reason') as points_reason,
        occurred_at,
        received_at,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id
    from deduplicated
    where copy_number = 1
)

select * from final
