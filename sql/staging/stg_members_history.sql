-- stg_members_history: every version of every row of loyalty members from the loyalty system (SCD type 2), from its full loads
-- (curated_members: each row a snapshot at its loaded_at) and its change log (curated_members_changes: Debezium change
-- events and incremental files, each change at the ERP's commit time). The merge is this view: versions ordered by
-- changed_at (ties: r, c, u, d, then change_id), a change stored twice counted once, so applying a change again or
-- out of order gives the same history. A delete ends the version before it and is kept as a tombstone row.
-- The version in force at the end of day D: not is_deleted, (cast(valid_from as date) <= D or version_number = 1)
-- and (valid_to is null or cast(valid_to as date) > D); the first known version also answers for the days before it.
--
-- grain: one row per member_id and valid_from version
-- columns:
--   member_id: loyalty member id
--   tier: basic, silver, gold or platinum
--   home_store_id: store the member is attached to
--   joined_at: day the membership started
--   op: c create, u update, d delete, r snapshot (a full load's rows are r)
--   change_id: the change's id (full loads: load|file|loaded_at|key)
--   valid_from: when this version began (the change's changed_at, or the load's loaded_at), UTC
--   valid_to: when the next version of the row began (null: still in force), UTC
--   version_number: 1 for the first known version of the row, then 2, 3, ...
--   is_deleted: a delete's tombstone (the row did not exist from valid_from to valid_to)
--   is_current: the version in force now (valid_to null and not deleted): the rows of stg_members

with

loads as (
    select
        member_id, tier, home_store_id, joined_at,
        'r' as op,
        loaded_at as changed_at,
        'load|' || file_name || '|' || cast(loaded_at as varchar) || '|' || cast(member_id as varchar) as change_id
    from curated_members
),

changes as (
    select member_id, tier, home_store_id, joined_at, op, changed_at, change_id
    from curated_members_changes
),

all_changes as (
    select member_id, tier, home_store_id, joined_at, op, changed_at, change_id from loads
    union all
    select member_id, tier, home_store_id, joined_at, op, changed_at, change_id from changes
),

distinct_changes as (
    select
        member_id, tier, home_store_id, joined_at, op, changed_at, change_id,
        row_number() over (partition by change_id order by changed_at) as copy_rank
    from all_changes
),

versions as (
    select
        member_id, tier, home_store_id, joined_at, op, changed_at, change_id,
        row_number() over (
            partition by member_id
            order by changed_at, case op when 'r' then 0 when 'c' then 1 when 'u' then 2 else 3 end, change_id
        ) as version_number,
        lead(changed_at) over (
            partition by member_id
            order by changed_at, case op when 'r' then 0 when 'c' then 1 when 'u' then 2 else 3 end, change_id
        ) as valid_to
    from distinct_changes
    where copy_rank = 1
),

final as (
    select
        member_id, tier, home_store_id, joined_at,
        op,
        change_id,
        changed_at as valid_from,
        valid_to,
        version_number,
        op = 'd' as is_deleted,
        (valid_to is null and op <> 'd') as is_current
    from versions
)

select * from final
