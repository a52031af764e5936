-- Parents changed by the last round; the rounds stop when this is 0.
--
-- grain: one row
-- columns:
--   changed: nodes whose parent differs between the two rounds

with

previous as (
    select node, parent
    from {{parents_table}}
),

next as (
    select node, parent
    from {{next_parents_table}}
),

final as (
    select count(*) as changed
    from next as n
    join previous as p on p.node = n.node
    where n.parent <> p.parent
)

select * from final
