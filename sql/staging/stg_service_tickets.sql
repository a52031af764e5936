-- stg_service_tickets: customer-service ticket events (opened, resolved), typed from the service.ticket payload
-- and deduplicated on event_id. int_service_tickets folds them into one row per ticket.
--
-- grain: one row per event_id
-- columns:
--   event_id: producer event id
--   ticket_id: ticket id
--   ticket_status: opened or resolved
--   category: delivery, refund, product_quality, billing, account or other
--   contact_channel: phone, chat, email or store
--   ticket_text: customer's text (personal data scrubbed)
--   satisfaction: satisfaction score 1..5 given on resolution
--   store_id: store, for in-store service
--   occurred_at: when the status was reached (UTC)
--   received_at: when the cleanser received it (UTC)
--   member_id: loyalty member id
--   phone_hash: keyed hash of the phone
--   email_hash: keyed hash of the e-mail
--   device_id: app device id
--   openid_hash: keyed hash of the WeChat openid
--   guest_id: guest id

with

service_events as (
    select
        event_id, store_id, occurred_at, received_at, payload,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id
    from curated_events
    where source = 'service' and event_type = 'service.ticket'
),

deduplicated as (
    select
        event_id, store_id, occurred_at, received_at, payload,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id,
        row_number() over (partition by event_id order by received_at, occurred_at) as copy_number
    from service_events
),

final as (
    select
        event_id,
        json_extract_scalar(payload, '$.ticket_id') as ticket_id,
        json_extract_scalar(payload, '$.status') as ticket_status,
        json_extract_scalar(payload, '$.category') as category,
        json_extract_scalar(payload, '$.contact_channel') as contact_channel,
        json_extract_scalar(payload, '$.text') as ticket_text,
        cast(json_extract_scalar(payload, '$.satisfaction') as integer) as satisfaction,
        store_id,
        occurred_at,
        received_at,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id
    from deduplicated
    where copy_number = 1
)

select * from final
