-- identity_rows: the distinct identity tuples (an event's or order line's set of identifiers) up to the as-of cut,
-- each with the first time it was seen. Mirrors step 1 of src/identity/resolve.ts.
--
-- grain: one row per distinct tuple of identity columns
-- columns:
--   row_id: arbitrary tuple number (only used to pair identifiers of one tuple)
--   <identity columns>: member_id, phone_hash, email_hash, device_id, openid_hash, guest_id (from the contract)
--   first_seen_at: earliest occurred_at of the tuple

with

sightings as (
    {{sightings}}
),

tuples as (
    select {{identity_columns}}, min(occurred_at) as first_seen_at
    from sightings
    where coalesce({{identity_columns}}) is not null
    group by {{identity_columns}}
),

final as (
    select row_number() over () as row_id, {{identity_columns}}, first_seen_at
    from tuples
)

select * from final
