-- stg_events: the envelope of every clean event, one row per (source, event_id). The cleanser drops duplicates,
-- but an at-least-once write (a retried Firehose/S3 put) can leave a second copy in the curated zone; the first
-- received copy wins here, so every downstream view counts each event once.
--
-- grain: one row per (source, event_id)
-- columns:
--   source: source system (pos, online, app, review, service, member, coupon, social)
--   event_id: producer-assigned event id, unique within its source
--   event_type: event type, e.g. pos.sale
--   schema_version: payload schema version the producer sent
--   channel: customer-facing channel (store, online, app)
--   store_id: normalised store code, when the event happened in a store
--   occurred_at: when it happened (UTC)
--   received_at: when the cleanser received it (UTC)
--   member_id: loyalty member id
--   phone_hash: keyed hash of the normalised phone number
--   email_hash: keyed hash of the normalised e-mail address
--   device_id: app install / device id
--   openid_hash: keyed hash of the WeChat openid
--   guest_id: guest-checkout id of the web shop
--   unionid_hash: keyed hash of the WeChat union id (social events)
--   payload: canonical payload (JSON text)
--   dq_flags: comma-separated data-quality notes

with

curated as (
    select
        source, event_id, event_type, schema_version, channel, store_id, occurred_at, received_at,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id, unionid_hash, payload, dq_flags
    from curated_events
),

ranked as (
    select
        source, event_id, event_type, schema_version, channel, store_id, occurred_at, received_at,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id, unionid_hash, payload, dq_flags,
        row_number() over (partition by source, event_id order by received_at, occurred_at) as copy_number
    from curated
),

final as (
    select
        source, event_id, event_type, schema_version, channel, store_id, occurred_at, received_at,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id, unionid_hash, payload, dq_flags
    from ranked
    where copy_number = 1
)

select * from final
