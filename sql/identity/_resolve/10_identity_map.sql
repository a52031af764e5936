-- identity_map rows: every identifier (hubs excluded) with its anchor's key, 'ck_' + the first 20 hex digits of
-- sha256('<kind>:<value>') of the anchor (the component's smallest node). Mirrors step 7 of src/identity/resolve.ts;
-- to_utf8 and the varbinary sha256 are Trino's, given to DuckDB by sql/_dialect/duckdb.sql.
--
-- grain: one row per (identity_type, identity_value)
-- columns:
--   identity_type, identity_value: the identifier
--   customer_key: the stitched customer
--   first_seen_at: first time the identifier occurred (UTC)

with

nodes as (
    select node, identity_type, identity_value, first_seen_at
    from {{nodes_table}}
),

parents as (
    select node, parent
    from {{parents_table}}
),

hubs as (
    select node
    from {{hubs_table}}
),

anchored as (
    select n.identity_type, n.identity_value, n.first_seen_at, coalesce(p.parent, n.node) as anchor
    from nodes as n
    left join parents as p on p.node = n.node
    left join hubs as h on h.node = n.node
    where h.node is null
),

final as (
    select
        x.identity_type,
        x.identity_value,
        'ck_' || substr(lower(to_hex(sha256(to_utf8(a.identity_type || ':' || a.identity_value)))), 1, 20) as customer_key,
        x.first_seen_at
    from anchored as x
    join nodes as a on a.node = x.anchor
)

select * from final
