-- tag_as_of: the date the tag library is computed as of. By default the UTC date of the latest event or order
-- line in the lake, so a scheduled refresh tags "as of the newest data". `retail-lake tags --as-of D` replaces
-- this view in its session with the date D. Every tag view uses only data with occurred_at on or before the end
-- of that day (UTC). Reads the curated tables directly: the maximum is the same with or without duplicates, and it
-- spares a deduplication pass.
--
-- grain: exactly one row
-- columns:
--   as_of_date: tags are computed with data up to the end of this day (UTC)

with

event_times as (
    select max(occurred_at) as last_occurred_at
    from curated_events
),

line_times as (
    select max(occurred_at) as last_occurred_at
    from curated_order_lines
),

final as (
    select
        cast(
            case
                when l.last_occurred_at is null or e.last_occurred_at > l.last_occurred_at then e.last_occurred_at
                else l.last_occurred_at
            end as date
        ) as as_of_date
    from event_times as e
    cross join line_times as l
)

select * from final
