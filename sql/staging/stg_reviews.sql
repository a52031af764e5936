-- stg_reviews: product reviews (1-5 stars and free text), typed from the review.submitted payload and
-- deduplicated on event_id. A review re-submitted under a new event id is resolved to its latest version in
-- int_reviews.
--
-- grain: one row per event_id
-- columns:
--   event_id: producer event id
--   review_id: review id
--   sku: reviewed product
--   rating: stars, 1..5
--   review_title: title (personal data scrubbed)
--   review_text: text (personal data scrubbed, capped)
--   order_id: order the review refers to
--   reviewed_at: when it was submitted (UTC)
--   received_at: when the cleanser received it (UTC)
--   member_id: loyalty member id of the reviewer
--   phone_hash: keyed hash of the phone
--   email_hash: keyed hash of the e-mail
--   device_id: app device id
--   openid_hash: keyed hash of the WeChat openid
--   guest_id: guest id

with

review_events as (
    select
        event_id, occurred_at, received_at, payload,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id
    from curated_events
    where source = 'review' and event_type = 'review.submitted'
),

deduplicated as (
    select
        event_id, occurred_at, received_at, payload,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id,
        row_number() over (partition by event_id order by received_at, occurred_at) as copy_number
    from review_events
),

final as (
    select
        event_id,
        json_extract_scalar(payload, '$.review_id') as review_id,
        json_extract_scalar(payload, '$.sku') as sku,
        cast(json_extract_scalar(payload, '$.rating') as integer) as rating,
        json_extract_scalar(payload, '$.title') as review_title,
        json_extract_scalar(payload, '$.text') as review_text,
        json_extract_scalar(payload, '$.order_id') as order_id,
        occurred_at as reviewed_at,
        received_at,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id
    from deduplicated
    where copy_number = 1
)

select * from final
