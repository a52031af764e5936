-- int_consent_changes: every consent change with its customer, one row per scope it set (profiling, or marketing
-- on one channel: marketing_sms, marketing_email, marketing_app_push, marketing_wechat). Two kinds of record state
-- consent: member.consent (one scope each), and the older member.profile flag marketing_opt_in. A profile saying
-- false withdraws marketing on every channel (a "no" is honoured everywhere); a profile saying true grants nothing,
-- because it names no channel (consent is given per channel).
--
-- grain: one row per (event_id, scope)
-- columns:
--   event_id: producer event id
--   customer_key: the stitched customer (null when the identifier is not in identity_map)
--   stated_by: the identifier the change was stated under, prefixed with its kind (the member id, else the phone, e-mail, openid, device or guest id): a customer stitched from several members has one history per identifier
--   scope: profiling, marketing_sms, marketing_email, marketing_app_push or marketing_wechat (the keys of the consent tag)
--   purpose: marketing or profiling
--   channel: sms, email, app_push or wechat (marketing); null for profiling
--   is_granted: true when consent was given, false when refused or withdrawn
--   captured_via: where the customer stated it (member.profile for the profile flag)
--   occurred_at: when the customer stated it (UTC)

with

consent_events as (
    select
        event_id, purpose, channel, is_granted, captured_via, occurred_at,
        member_id, phone_hash, email_hash, openid_hash, device_id, guest_id
    from stg_member_consent
    where purpose is not null
        and is_granted is not null
),

profile_refusals as (
    select
        event_id, occurred_at,
        member_id, phone_hash, email_hash, openid_hash, device_id, guest_id
    from stg_member_events
    where event_type = 'member.profile'
        and is_marketing_opt_in = false
),

marketing_channels as (
    select 'sms' as channel
    union all
    select 'email' as channel
    union all
    select 'app_push' as channel
    union all
    select 'wechat' as channel
),

event_customers as (
    select event_id, customer_key
    from int_event_customers
    where source = 'member'
),

stated as (
    select
        event_id, purpose, channel, is_granted, captured_via, occurred_at,
        member_id, phone_hash, email_hash, openid_hash, device_id, guest_id
    from consent_events
    union all
    select
        p.event_id, 'marketing' as purpose, m.channel, false as is_granted, 'member.profile' as captured_via, p.occurred_at,
        p.member_id, p.phone_hash, p.email_hash, p.openid_hash, p.device_id, p.guest_id
    from profile_refusals as p
    cross join marketing_channels as m
),

changes as (
    select
        event_id, purpose, channel, is_granted, captured_via, occurred_at,
        coalesce(
            'member_id:' || member_id, 'phone:' || phone_hash, 'email:' || email_hash,
            'openid:' || openid_hash, 'device_id:' || device_id, 'guest_id:' || guest_id
        ) as stated_by
    from stated
),

final as (
    select
        c.event_id,
        k.customer_key,
        c.stated_by,
        case when c.purpose = 'marketing' then 'marketing_' || c.channel else c.purpose end as scope,
        c.purpose,
        c.channel,
        c.is_granted,
        c.captured_via,
        c.occurred_at
    from changes as c
    left join event_customers as k on k.event_id = c.event_id
)

select * from final
