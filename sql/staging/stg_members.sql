-- stg_members: loyalty members as the loyalty system holds them now: the current version of each member in
-- stg_members_history (a member deleted is not here; member events keep their own history, int_member_events).
--
-- grain: one row per member_id
-- columns:
--   member_id: loyalty member id
--   tier: basic, silver, gold or platinum
--   home_store_id: store the member is attached to
--   joined_at: day the membership started
--   loaded_at: when the current version began (the load's loaded_at or the change's changed_at, UTC)

with

history as (
    select member_id, tier, home_store_id, joined_at, valid_from, is_current
    from stg_members_history
),

final as (
    select member_id, tier, home_store_id, joined_at, valid_from as loaded_at
    from history
    where is_current
)

select * from final
