-- identity_nodes: every identifier, numbered by first sighting (ties by kind, then value), so the smallest node of
-- a connected component is its anchor. Mirrors step 3 of src/identity/resolve.ts.
--
-- grain: one row per (identity_type, identity_value)
-- columns:
--   node: 0-based number in (first_seen_at, kind_rank, identity_value) order
--   identity_type, identity_value: the identifier
--   first_seen_at: first time it occurred

with

occurrences as (
    select identity_type, identity_value, first_seen_at, kind_rank
    from {{occurrences_table}}
),

identifiers as (
    select identity_type, identity_value, min(first_seen_at) as first_seen_at, min(kind_rank) as kind_rank
    from occurrences
    group by identity_type, identity_value
),

final as (
    select
        row_number() over (order by first_seen_at, kind_rank, identity_value) - 1 as node,
        identity_type,
        identity_value,
        first_seen_at
    from identifiers
)

select * from final
