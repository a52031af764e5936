-- tag_deliveries: how a customer's parcels arrived, from carrier events up to the as-of date: delivery days (median
-- and last), late-delivery rate, failed delivery attempts and the last delivery experience. A shipment belongs to the
-- customer of the online order it ships (int_orders, matched on order_id); a shipment is finished once delivered or
-- returned to the sender, and late when returned or delivered after the time promised at checkout.
--
-- grain: one row per customer_key with a shipment created on or before the as-of date
-- columns:
--   customer_key: the stitched customer
--   shipments_total: shipments created for the customer's orders
--   delivery_days_median: median over delivered shipments of the local days from the shipment's creation date to its delivery date (lake_settings.local_time_zone)
--   delivery_days_last: the same for the most recently delivered shipment
--   late_delivery_rate: finished shipments that were late (delivered after promised_by, or returned) / finished shipments, 0..1
--   failed_attempts: failed delivery attempts on the customer's shipments
--   last_delivery_experience: of the most recently finished shipment: returned, late, failed_attempt (on time after a failed attempt) or on_time

with

as_of as (
    select as_of_date
    from tag_as_of
),

settings as (
    select local_time_zone
    from lake_settings
),

events as (
    select d.shipment_id, d.order_id, d.event_type, d.promised_by, d.occurred_at
    from stg_deliveries as d
    cross join as_of as a
    where cast(d.occurred_at as date) <= a.as_of_date
),

shipments as (
    select
        shipment_id,
        min(order_id) as order_id,
        min(case when event_type = 'delivery.shipment_created' then occurred_at end) as created_at,
        min(promised_by) as promised_by,
        min(case when event_type = 'delivery.delivered' then occurred_at end) as delivered_at,
        min(case when event_type = 'delivery.returned_to_sender' then occurred_at end) as returned_at,
        count(case when event_type = 'delivery.failed_attempt' then 1 end) as failed_attempts
    from events
    group by shipment_id
),

owned as (
    select
        o.customer_key,
        s.shipment_id,
        s.created_at,
        s.delivered_at,
        s.failed_attempts,
        coalesce(s.delivered_at, s.returned_at) as finished_at,
        s.returned_at is not null and s.delivered_at is null as is_returned,
        s.delivered_at is not null and s.delivered_at > s.promised_by as is_delivered_late,
        date_diff(
            'day',
            cast(cast(at_timezone(with_timezone(s.created_at, 'UTC'), st.local_time_zone) as timestamp) as date),
            cast(cast(at_timezone(with_timezone(s.delivered_at, 'UTC'), st.local_time_zone) as timestamp) as date)
        ) as delivery_days
    from shipments as s
    inner join int_orders as o
        on o.source = 'online' and o.order_id = s.order_id
    cross join settings as st
    where s.created_at is not null and o.customer_key is not null
),

classified as (
    select
        customer_key, shipment_id, delivered_at, failed_attempts, finished_at, delivery_days,
        case
            when finished_at is null then null
            when is_returned then 'returned'
            when is_delivered_late then 'late'
            when failed_attempts > 0 then 'failed_attempt'
            else 'on_time'
        end as experience,
        row_number() over (partition by customer_key order by delivered_at desc nulls last, shipment_id desc) as delivered_rank,
        row_number() over (partition by customer_key order by finished_at desc nulls last, shipment_id desc) as finished_rank
    from owned
),

ranked_days as (
    select
        customer_key,
        delivery_days,
        row_number() over (partition by customer_key order by delivery_days) as days_rank,
        count(*) over (partition by customer_key) as days_count
    from classified
    where delivered_at is not null
),

medians as (
    select customer_key, avg(cast(delivery_days as double)) as delivery_days_median
    from ranked_days
    where days_rank in (floor((days_count + 1) / 2.0), floor((days_count + 2) / 2.0))
    group by customer_key
),

totals as (
    select
        customer_key,
        count(*) as shipments_total,
        count(finished_at) as finished,
        count(case when experience in ('returned', 'late') then 1 end) as late,
        sum(failed_attempts) as failed_attempts,
        max(case when delivered_rank = 1 and delivered_at is not null then delivery_days end) as delivery_days_last,
        max(case when finished_rank = 1 then experience end) as last_delivery_experience
    from classified
    group by customer_key
),

final as (
    select
        t.customer_key,
        cast(t.shipments_total as integer) as shipments_total,
        m.delivery_days_median,
        cast(t.delivery_days_last as integer) as delivery_days_last,
        case when t.finished > 0 then cast(t.late as double) / t.finished end as late_delivery_rate,
        cast(t.failed_attempts as integer) as failed_attempts,
        t.last_delivery_experience
    from totals as t
    left join medians as m
        on m.customer_key = t.customer_key
)

select * from final
