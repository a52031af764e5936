-- stg_deliveries: carrier events of shipped online orders (delivery.shipment_created, dispatched, location_ping,
-- out_for_delivery, delivered, failed_attempt, returned_to_sender), typed from their payloads into one row shape and
-- deduplicated on event_id. GPS fixes arrive already coarsened to a geohash by the cleanser (docs/privacy.md).
--
-- grain: one row per event_id
-- columns:
--   event_id: producer event id
--   event_type: delivery.shipment_created, delivery.dispatched, delivery.location_ping, delivery.out_for_delivery, delivery.delivered, delivery.failed_attempt or delivery.returned_to_sender
--   shipment_id: shipment id
--   order_id: the online order shipped
--   carrier: carrier code, e.g. SF_EXPRESS
--   service: standard or express (shipment_created only)
--   promised_by: latest delivery time promised (UTC; shipment_created only)
--   region: destination region as the carrier routes it (shipment_created only)
--   city: destination city (shipment_created only)
--   geohash: coarse cell of the event's GPS fix (precision set by the cleanser), null without a fix
--   attempt: 1-based attempt number (failed_attempt only)
--   reason: why an attempt failed or the parcel went back (failed_attempt, returned_to_sender)
--   received_by: customer, neighbour, locker or reception (delivered only)
--   occurred_at: when it happened (UTC)
--   received_at: when the cleanser received it (UTC)

with

delivery_events as (
    select event_id, event_type, occurred_at, received_at, payload
    from curated_events
    where source = 'delivery'
),

deduplicated as (
    select
        event_id, event_type, occurred_at, received_at, payload,
        row_number() over (partition by event_id order by received_at, occurred_at) as copy_number
    from delivery_events
),

final as (
    select
        event_id,
        event_type,
        json_extract_scalar(payload, '$.shipment_id') as shipment_id,
        json_extract_scalar(payload, '$.order_id') as order_id,
        json_extract_scalar(payload, '$.carrier') as carrier,
        json_extract_scalar(payload, '$.service') as service,
        cast(from_iso8601_timestamp(json_extract_scalar(payload, '$.promised_by')) as timestamp) as promised_by,
        json_extract_scalar(payload, '$.region') as region,
        json_extract_scalar(payload, '$.city') as city,
        json_extract_scalar(payload, '$.location.geohash') as geohash,
        cast(json_extract_scalar(payload, '$.attempt') as integer) as attempt,
        json_extract_scalar(payload, '$.reason') as reason,
        json_extract_scalar(payload, '$.received_by') as received_by,
        occurred_at,
        received_at
    from deduplicated
    where copy_number = 1
)

select * from final
