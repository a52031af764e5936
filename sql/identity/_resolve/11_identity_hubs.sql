-- identity_hubs rows: the identifiers the over-merge guard set aside, as src/identity/materialise.ts writes them.
--
-- grain: one row per hub identifier
-- columns:
--   identity_type, identity_value: the identifier
--   linked_identities: distinct identifiers it co-occurs with
--   over_limit: kinds over their limit with counts, e.g. 'member_id=40'
--   first_seen_at: first time it occurred

with

hubs as (
    select identity_type, identity_value, linked_identities, over_limit, first_seen_at
    from {{hubs_table}}
),

final as (
    select identity_type, identity_value, linked_identities, over_limit, first_seen_at
    from hubs
)

select * from final
