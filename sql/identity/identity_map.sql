-- identity_map: which customer each identifier belongs to. The real table is computed by identity resolution
-- (src/identity: connected components of the identity graph, with the over-merge guard) and written to
-- curated/identity_map/ by `retail-lake tags` locally and by the daily identity refresh in AWS (the same algorithm in
-- Athena SQL, sql/identity/_resolve/). Until that has run, this placeholder is an empty relation of the same shape,
-- so every view over it still works (customer_key is null); in Athena the views deployer creates the empty table
-- from it, never the view.
--
-- materialised: table identity_map, written by identity resolution (`retail-lake tags`; the identity refresh Lambda in AWS); this file is its empty placeholder
-- grain: one row per (identity_type, identity_value)
-- columns:
--   identity_type: member_id, phone, email, device_id, openid or guest_id
--   identity_value: the identifier as stored in the curated zone (keyed hash for phone, email, openid)
--   customer_key: the stitched customer; stable across runs (see docs/tags.md, Identity)
--   first_seen_at: first time the identifier occurred in an event or order line (UTC)

with

final as (
    select
        cast(null as varchar) as identity_type,
        cast(null as varchar) as identity_value,
        cast(null as varchar) as customer_key,
        cast(null as timestamp) as first_seen_at
    where false
)

select * from final
