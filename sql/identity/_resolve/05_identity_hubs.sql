-- identity_hubs (work table): the over-merge guard. An identifier linked to more distinct identifiers of one kind
-- than that kind's limit (src/identity/options.ts) is a hub: none of its links is used and it is left out of
-- identity_map. Mirrors step 5 of src/identity/resolve.ts.
--
-- grain: one row per hub identifier
-- columns:
--   node: the hub's node
--   identity_type, identity_value: the identifier
--   linked_identities: distinct identifiers it co-occurs with (all kinds)
--   over_limit: the kinds over their limit with their counts, e.g. 'member_id=40,phone=12', ordered by kind
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

hub_nodes as (
    select node, array_join(array_agg(other_type || '=' || cast(links as varchar) order by other_type), ',') as over_limit
    from over_limit
    group by node
),

hub_links as (
    select c.node, sum(c.links) as linked_identities
    from link_counts as c
    join hub_nodes as h on h.node = c.node
    group by c.node
),

final as (
    select h.node, n.identity_type, n.identity_value, l.linked_identities, h.over_limit, n.first_seen_at
    from hub_nodes as h
    join hub_links as l on l.node = h.node
    join nodes as n on n.node = h.node
)

select * from final
