-- tag_activity: when a customer is active, in local time (lake_settings.local_time_zone): the time slot and the
-- weekday of most activity up to the as-of date. Activity = purchases (any channel, imports included) plus app
-- sessions (each session counts once, at its first event), so heavy app browsing does not drown out store visits.
-- Slots: morning 06-11, afternoon 12-17, evening 18-21, night 22-05 (hours inclusive).
--
-- grain: one row per customer_key with at least one purchase or app session
-- columns:
--   customer_key: the stitched customer
--   active_time_slot: morning, afternoon, evening or night (ties: the earlier slot of the day, morning first)
--   active_weekday: Monday .. Sunday (ties: the earlier day of the week, Monday first)
--   activity_count: purchases + app sessions counted

with

as_of as (
    select as_of_date
    from tag_as_of
),

purchase_moments as (
    select customer_key, ordered_local_at as local_at
    from tag_orders
    where is_purchase
),

app_sessions as (
    select b.customer_key, b.session_id, min(b.occurred_local_at) as local_at
    from int_app_behaviour as b
    cross join as_of as a
    where b.customer_key is not null
        and cast(b.occurred_at as date) <= a.as_of_date
    group by b.customer_key, b.session_id
),

moments as (
    select customer_key, local_at from purchase_moments
    union all
    select customer_key, local_at from app_sessions
),

classified as (
    select
        customer_key,
        case
            when hour(local_at) between 6 and 11 then 1
            when hour(local_at) between 12 and 17 then 2
            when hour(local_at) between 18 and 21 then 3
            else 4
        end as slot_number,
        day_of_week(local_at) as weekday_number
    from moments
),

slots as (
    select
        customer_key,
        slot_number,
        row_number() over (partition by customer_key order by count(*) desc, slot_number) as slot_rank
    from classified
    group by customer_key, slot_number
),

weekdays as (
    select
        customer_key,
        weekday_number,
        row_number() over (partition by customer_key order by count(*) desc, weekday_number) as weekday_rank
    from classified
    group by customer_key, weekday_number
),

totals as (
    select customer_key, count(*) as activity_count
    from classified
    group by customer_key
),

final as (
    select
        t.customer_key,
        case s.slot_number when 1 then 'morning' when 2 then 'afternoon' when 3 then 'evening' else 'night' end as active_time_slot,
        case w.weekday_number
            when 1 then 'Monday' when 2 then 'Tuesday' when 3 then 'Wednesday' when 4 then 'Thursday'
            when 5 then 'Friday' when 6 then 'Saturday' else 'Sunday'
        end as active_weekday,
        t.activity_count
    from totals as t
    inner join slots as s on s.customer_key = t.customer_key and s.slot_rank = 1
    inner join weekdays as w on w.customer_key = t.customer_key and w.weekday_rank = 1
)

select * from final
