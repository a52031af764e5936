-- identity_occurrences: one row per identifier per tuple. Mirrors step 2 of src/identity/resolve.ts.
--
-- grain: one row per (row_id, identity_type)
-- columns:
--   row_id: the tuple (identity_rows)
--   identity_type: member_id, phone, email, device_id, openid or guest_id
--   identity_value: the identifier as stored in the curated zone
--   first_seen_at: first sighting of the tuple
--   kind_rank: position of identity_type in the contract's IDENTITY_TYPES (the anchor tie-break)

with

final as (
    {{occurrences}}
)

select * from final
