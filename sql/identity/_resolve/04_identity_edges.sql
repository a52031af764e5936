-- identity_edges: co-occurrence pairs, every two identifiers on one tuple, smaller node first. Mirrors step 4 of
-- src/identity/resolve.ts.
--
-- grain: one row per (a, b)
-- columns:
--   a, b: nodes, a < b
--   a_type, b_type: their identity types (the guard counts links per kind)

with

occurrences as (
    select row_id, identity_type, identity_value
    from {{occurrences_table}}
),

nodes as (
    select node, identity_type, identity_value
    from {{nodes_table}}
),

row_nodes as (
    select o.row_id, n.node, n.identity_type
    from occurrences as o
    join nodes as n on n.identity_type = o.identity_type and n.identity_value = o.identity_value
),

final as (
    select distinct a.node as a, b.node as b, a.identity_type as a_type, b.identity_type as b_type
    from row_nodes as a
    join row_nodes as b on a.row_id = b.row_id and a.node < b.node
)

select * from final
