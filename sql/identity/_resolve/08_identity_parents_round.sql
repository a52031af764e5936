-- identity_parents (round k+1) from round k, one statement per round:
-- 1. hooking: for every link (u, v), the node p(u) may point at p(v) when that is smaller, so whole trees hang
--    under smaller ones (this is what lets labels cross a long chain of any numbering quickly);
-- 2. pointer jumping: every node then points at its parent's parent, which halves the height of every tree.
-- With both, the distance a label travels doubles each round: rounds grow with log2 of the diameter. A round that
-- changes no parent is a fixed point: every link joins nodes with the same root, the component's smallest node.
--
-- grain: one row per node with at least one kept link
-- columns:
--   node: the node
--   parent: its parent after this round, parent <= node

with

links as (
    select a, b
    from {{links_table}}
),

parents as (
    select node, parent
    from {{parents_table}}
),

hooks as (
    select pa.parent as node, min(pb.parent) as candidate
    from links as l
    join parents as pa on pa.node = l.a
    join parents as pb on pb.node = l.b
    group by pa.parent
),

hooked as (
    select p.node, least(p.parent, coalesce(h.candidate, p.parent)) as parent
    from parents as p
    left join hooks as h on h.node = p.node
),

final as (
    select h.node, g.parent
    from hooked as h
    join hooked as g on g.node = h.parent
)

select * from final
