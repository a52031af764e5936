-- stg_member_consent: consent changes (member.consent), one row per event, typed from the payload and deduplicated
-- on event_id. A customer grants or withdraws one purpose: marketing on one channel, or profiling.
--
-- grain: one row per event_id
-- columns:
--   event_id: producer event id
--   purpose: marketing or profiling
--   channel: sms, email, app_push or wechat (marketing); null for profiling
--   is_granted: true when consent was given, false when refused or withdrawn
--   captured_via: signup_form, preference_centre, unsubscribe_link, service_agent, store_till or migration
--   policy_version: version of the privacy notice the customer saw
--   occurred_at: when the customer stated it (UTC)
--   received_at: when the cleanser received it (UTC)
--   member_id: loyalty member id
--   phone_hash: keyed hash of the phone
--   email_hash: keyed hash of the e-mail
--   device_id: app device id
--   openid_hash: keyed hash of the WeChat openid
--   guest_id: guest id

with

consent_events as (
    select
        event_id, occurred_at, received_at, payload,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id
    from curated_events
    where source = 'member'
        and event_type = 'member.consent'
),

deduplicated as (
    select
        event_id, occurred_at, received_at, payload,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id,
        row_number() over (partition by event_id order by received_at, occurred_at) as copy_number
    from consent_events
),

final as (
    select
        event_id,
        json_extract_scalar(payload, '$.purpose') as purpose,
        json_extract_scalar(payload, '$.channel') as channel,
        cast(json_extract_scalar(payload, '$.granted') as boolean) as is_granted,
        json_extract_scalar(payload, '$.captured_via') as captured_via,
        json_extract_scalar(payload, '$.policy_version') as policy_version,
        occurred_at,
        received_at,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id
    from deduplicated
    where copy_number = 1
)

select * from final
