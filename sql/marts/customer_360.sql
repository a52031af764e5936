-- customer_360: one row per stitched customer for BI and the customer page: identities, lifetime figures over
-- all history, and the tags of the latest customer_tags snapshot.
--
-- grain: one row per customer_key
-- columns:
--   customer_key: the stitched customer
--   member_id: the customer's member id (first seen)
--   first_seen_at: first time any identifier of the customer occurred (UTC)
--   identity_count: identifiers stitched into the customer
--   phone_count: phone numbers
--   email_count: e-mail addresses
--   device_count: app devices
--   openid_count: WeChat openids
--   guest_count: guest-checkout ids
--   lifetime_orders: placed, not cancelled orders, all history
--   lifetime_net_revenue: net revenue over all history (returns and cancellations included)
--   last_order_at: last placed order (UTC)
--   reviews_count: reviews written (latest versions)
--   tickets_count: service tickets opened
--   tags_as_of_date: as-of date of the latest tag snapshot
--   rfm_segment: RFM segment in the latest snapshot
--   lifecycle_stage: lifecycle stage in the latest snapshot
--   r_score: recency score in the latest snapshot
--   f_score: frequency score in the latest snapshot
--   m_score: monetary score in the latest snapshot
--   member_tier: member tier in the latest snapshot
--   favourite_category: favourite category in the latest snapshot
--   preferred_channel: preferred channel in the latest snapshot
--   is_overdue: overdue for the next purchase in the latest snapshot

with

customers as (
    select
        customer_key, member_id, first_seen_at, identity_count, phone_count, email_count, device_count,
        openid_count, guest_count
    from int_customers
),

orders as (
    select
        customer_key,
        count(case when order_status = 'placed' then 1 end) as lifetime_orders,
        sum(net_revenue) as lifetime_net_revenue,
        max(case when order_status = 'placed' then ordered_at end) as last_order_at
    from int_orders
    where customer_key is not null
    group by customer_key
),

reviews as (
    select customer_key, count(*) as reviews_count
    from int_reviews
    where customer_key is not null and is_latest_version
    group by customer_key
),

tickets as (
    select customer_key, count(*) as tickets_count
    from int_service_tickets
    where customer_key is not null
    group by customer_key
),

tags as (
    select
        as_of_date, customer_key, rfm_segment, lifecycle_stage, r_score, f_score, m_score, member_tier,
        favourite_category, preferred_channel, is_overdue
    from customer_tags
),

latest_tags as (
    select
        t.as_of_date, t.customer_key, t.rfm_segment, t.lifecycle_stage, t.r_score, t.f_score, t.m_score,
        t.member_tier, t.favourite_category, t.preferred_channel, t.is_overdue
    from tags as t
    inner join (select max(as_of_date) as as_of_date from tags) as latest on latest.as_of_date = t.as_of_date
),

final as (
    select
        c.customer_key,
        c.member_id,
        c.first_seen_at,
        c.identity_count,
        c.phone_count,
        c.email_count,
        c.device_count,
        c.openid_count,
        c.guest_count,
        coalesce(o.lifetime_orders, 0) as lifetime_orders,
        coalesce(o.lifetime_net_revenue, 0) as lifetime_net_revenue,
        o.last_order_at,
        coalesce(r.reviews_count, 0) as reviews_count,
        coalesce(k.tickets_count, 0) as tickets_count,
        t.as_of_date as tags_as_of_date,
        t.rfm_segment,
        t.lifecycle_stage,
        t.r_score,
        t.f_score,
        t.m_score,
        t.member_tier,
        t.favourite_category,
        t.preferred_channel,
        t.is_overdue
    from customers as c
    left join orders as o on o.customer_key = c.customer_key
    left join reviews as r on r.customer_key = c.customer_key
    left join tickets as k on k.customer_key = c.customer_key
    left join latest_tags as t on t.customer_key = c.customer_key
)

select * from final
