-- identity_links: the edges the guard keeps (neither end a hub), in both directions, so a round can find every
-- neighbour with one join. Mirrors the identity_links table of src/identity/resolve.ts.
--
-- grain: one row per (a, b) ordered pair
-- columns:
--   a, b: nodes linked by a co-occurrence (both (a, b) and (b, a) are present)

with

edges as (
    select a, b
    from {{edges_table}}
),

hubs as (
    select node
    from {{hubs_table}}
),

kept as (
    select e.a, e.b
    from edges as e
    left join hubs as ha on ha.node = e.a
    left join hubs as hb on hb.node = e.b
    where ha.node is null and hb.node is null
),

final as (
    select a, b from kept
    union all
    select b as a, a as b from kept
)

select * from final
