-- stg_quarantine: every rejected record with its reason, deduplicated on quarantine_id (a hash of origin and raw
-- bytes, so the same bad record delivered twice is one row); the most recently replayed copy wins.
--
-- grain: one row per quarantine_id
-- columns:
--   quarantine_id: stable id, hash of origin and raw bytes
--   reason_code: reason from the closed list in docs/quarantine.md
--   field_path: dotted path of the offending field
--   message: human message naming the field and the received value
--   raw_payload: the record exactly as received (UTF-8 text, or base64)
--   raw_encoding: utf8 or base64
--   event_id: event_id when it could be read
--   event_type: type when it could be read
--   schema_version: schema_version when it could be read
--   origin: where it came from (stream position or file and line)
--   source: source when it could be read, else unknown
--   received_at: when the cleanser received it (UTC)
--   replayed_at: when it was last replayed (UTC; null if never)
--   is_replayed: it was replayed at least once

with

quarantined as (
    select
        quarantine_id, reason_code, field_path, message, raw_payload, raw_encoding, event_id, event_type,
        schema_version, origin, source, received_at, replayed_at
    from quarantine_events
),

ranked as (
    select
        quarantine_id, reason_code, field_path, message, raw_payload, raw_encoding, event_id, event_type,
        schema_version, origin, source, received_at, replayed_at,
        row_number() over (
            partition by quarantine_id order by replayed_at desc nulls last, received_at desc
        ) as copy_number
    from quarantined
),

final as (
    select
        quarantine_id, reason_code, field_path, message, raw_payload, raw_encoding, event_id, event_type,
        schema_version, origin, source, received_at, replayed_at,
        replayed_at is not null as is_replayed
    from ranked
    where copy_number = 1
)

select * from final
