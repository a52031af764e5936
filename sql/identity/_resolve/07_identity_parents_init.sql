-- identity_parents (round 0): every linked node points at the smallest of itself and its neighbours. Parents only
-- ever decrease, so the pointers form a forest whose roots are the smallest nodes reached so far.
--
-- grain: one row per node with at least one kept link (unlinked nodes are their own anchor)
-- columns:
--   node: the node
--   parent: its parent, parent <= node

with

links as (
    select a, b
    from {{links_table}}
),

final as (
    select a as node, least(a, min(b)) as parent
    from links
    group by a
)

select * from final
