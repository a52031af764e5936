-- identity_hubs (work table): the over-merge guard. An identifier linked to more distinct identifiers of one kind
-- than that kind's limit (src/identity/options.ts) is a hub: none of its links is used and it is left out of
-- identity_map. Identifiers in {{known_hubs}} (already found shared, e.g. by a resolution over all data when this
-- one is as of a past day) are hubs whatever their counts here. Mirrors step 5 of src/identity/resolve.ts.
--
-- grain: one row per hub identifier
-- columns:
--   node: the hub's node
--   identity_type, identity_value: the identifier
--   linked_identities: distinct identifiers it co-occurs with (all kinds)
--   over_limit: the kinds over their limit with their counts, e.g. 'member_id=40,phone=12', ordered by kind (a known
--     hub within every limit here: its over_limit in known_hubs)
--   first_seen_at: first time it occurred

with

edges as (
    select a, b, a_type, b_type
    from {{edges_table}}
),

nodes as (
    select node, identity_type, identity_value, first_seen_at
    from {{nodes_table}}
),

known_hubs as (
    {{known_hubs}}
),

ends as (
    select a as node, b_type as other_type from edges
    union all
    select b as node, a_type as other_type from edges
),

link_counts as (
    select node, other_type, count(*) as links
    from ends
    group by node, other_type
),

over_limit as (
    select node, other_type, links
    from link_counts
    where links > {{limit_case}}
),

over_limit_nodes as (
    select node, array_join(array_agg(other_type || '=' || cast(links as varchar) order by other_type), ',') as over_limit
    from over_limit
    group by node
),

known_nodes as (
    select n.node, k.over_limit
    from known_hubs as k
    join nodes as n on n.identity_type = k.identity_type and n.identity_value = k.identity_value
),

hub_nodes as (
    select coalesce(o.node, k.node) as node, coalesce(o.over_limit, k.over_limit) as over_limit
    from over_limit_nodes as o
    full outer join known_nodes as k on k.node = o.node
),

hub_links as (
    select h.node, coalesce(sum(c.links), 0) as linked_identities
    from hub_nodes as h
    left join link_counts as c on c.node = h.node
    group by h.node
),

final as (
    select h.node, n.identity_type, n.identity_value, l.linked_identities, h.over_limit, n.first_seen_at
    from hub_nodes as h
    join hub_links as l on l.node = h.node
    join nodes as n on n.node = h.node
)

select * from final
