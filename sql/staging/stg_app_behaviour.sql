-- stg_app_behaviour: behaviour events from the member app (view, search, add_to_cart, remove_from_cart, checkout,
-- purchase), typed from the app.behaviour payload and deduplicated on event_id.
--
-- grain: one row per event_id
-- columns:
--   event_id: producer event id
--   session_id: app session id
--   action: view, search, add_to_cart, remove_from_cart, checkout or purchase
--   sku: product viewed or put in / taken out of the cart
--   search_query: search text (personal data scrubbed by the cleanser)
--   quantity: units added or removed
--   order_id: order of a purchase action
--   screen: app screen name
--   occurred_at: when it happened (UTC)
--   received_at: when the cleanser received it (UTC)
--   member_id: loyalty member id of the logged-in user
--   phone_hash: keyed hash of the phone
--   email_hash: keyed hash of the e-mail
--   device_id: app install / device id
--   openid_hash: keyed hash of the WeChat openid
--   guest_id: guest id

with

app_events as (
    select
        event_id, occurred_at, received_at, payload,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id
    from curated_events
    where source = 'app' and event_type = 'app.behaviour'
),

deduplicated as (
    select
        event_id, occurred_at, received_at, payload,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id,
        row_number() over (partition by event_id order by received_at, occurred_at) as copy_number
    from app_events
),

final as (
    select
        event_id,
        json_extract_scalar(payload, '$.session_id') as session_id,
        json_extract_scalar(payload, '$.action') as action,
        json_extract_scalar(payload, '$.sku') as sku,
        json_extract_scalar(payload, '$.query') as search_query,
        cast(json_extract_scalar(payload, '$.quantity') as integer) as quantity,
        json_extract_scalar(payload, '$.order_id') as order_id,
        json_extract_scalar(payload, '$.screen') as screen,
        occurred_at,
        received_at,
        member_id, phone_hash, email_hash, device_id, openid_hash, guest_id
    from deduplicated
    where copy_number = 1
)

select * from final
