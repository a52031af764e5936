-- customer_tags: the customer tag library as of tag_as_of.as_of_date, one row per stitched customer first seen
-- on or before that date. `retail-lake tags --as-of D` materialises it as a dated snapshot under
-- curated/customer_tags/dt=D/ (in AWS: the scheduled refresh writes a dt= partition); the snapshots then replace
-- this view. Every tag is defined, with its business use, in docs/tags.md.
--
-- Lifecycle stage, first matching rule wins (thresholds in lake_settings):
--   prospect  no purchase yet
--   new       first purchase fewer than new_customer_days (30) days ago
--   active    recency_days < active_days (90)
--   cooling   recency_days < cooling_days (180)
--   lapsed    recency_days < churned_days (365)
--   churned   recency_days >= churned_days
--
-- materialised: table customer_tags, partitioned by dt (one snapshot per as-of date); this file is its refresh query
-- grain: one row per customer_key
-- columns:
--   as_of_date: the tags use data up to the end of this day (UTC)
--   customer_key: the stitched customer
--   member_id: the customer's member / customer id (first seen), null for non-members
--   first_order_at: first purchase (UTC)
--   last_order_at: last purchase (UTC)
--   recency_days: days from the last purchase's date to as_of_date
--   orders_total: distinct placed, not cancelled orders, all history
--   orders_90d: purchases in the last 90 days
--   orders_365d: purchases in the last 365 days
--   net_revenue_total: sum of quantity x unit_price over all lines incl. returns and cancellations
--   net_revenue_365d: the same over the last 365 days
--   avg_order_value: purchase revenue / orders_total
--   r_score: recency score 1..5 (5 = most recent)
--   f_score: frequency score 1..5 (5 = most orders)
--   m_score: monetary score 1..5 (5 = highest net revenue)
--   rfm_segment: Champions, Loyal, New, Potential loyalist, Promising, Need attention, Cannot lose them, At risk, Hibernating or Lost
--   repurchase_cycle_days: median days between consecutive purchase days
--   is_overdue: recency_days > 1.5 x repurchase_cycle_days
--   favourite_category: category in most purchases (the catalogue's categories as of as_of_date)
--   category_diversity: distinct categories purchased
--   preferred_channel: channel of most purchases (store, online, app)
--   channel_mix: share of purchases per channel, map store/online/app -> share
--   channel_share_store: share of purchases in stores
--   channel_share_online: share of purchases in the web shop
--   channel_share_app: share of purchases in the app / mini-program
--   home_store_id: store of most in-store purchases
--   is_home_store_open: the home store is in the ERP store list as of as_of_date (false once deleted, e.g. closed)
--   active_time_slot: morning, afternoon, evening or night (local time)
--   active_weekday: Monday .. Sunday (local time)
--   promo_share: share of purchase revenue on promotion or with a coupon
--   price_sensitivity: low, medium or high
--   return_rate: returned value / purchased value, 0..1
--   member_tier: basic, silver, gold or platinum
--   service_tickets_90d: service tickets opened in the last 90 days
--   avg_review_rating: mean review stars, 1..5
--   review_sentiment: mean sentiment score (0..1) of the customer's latest review versions, from review_scores
--   is_wechat_follower: follows the brand's WeChat official account as of as_of_date (latest follow / unfollow; tag_social)
--   wechat_article_reads_90d: official-account article reads in the last 90 days
--   wechat_article_shares_90d: article shares in the last 90 days
--   share_driven_visits_90d: reads and mini-program visits by others opened from those shares
--   is_social_advocate: at least one share of the last 90 days brought a visit
--   weibo_posts_365d: Weibo posts mentioning the brand in the last 365 days
--   social_sentiment: mean sentiment score (0..1) of those posts, from review_scores
--   lifecycle_stage: prospect, new, active, cooling, lapsed or churned (rule above)
--   consent: what the customer allows as of as_of_date, map profiling / marketing_sms / marketing_email / marketing_app_push / marketing_wechat -> boolean (tag_consent: profiling unless refused, marketing only per channel opted in)
--   delivery_days_median: median local days from shipment to delivery over the customer's delivered parcels (tag_deliveries)
--   delivery_days_last: the same for the most recently delivered parcel
--   late_delivery_rate: finished shipments delivered late or returned / finished shipments, 0..1
--   failed_delivery_attempts: failed delivery attempts on the customer's parcels (0 without shipments)
--   last_delivery_experience: returned, late, failed_attempt or on_time, of the most recently finished shipment

with

as_of as (
    select as_of_date
    from tag_as_of
),

settings as (
    select new_customer_days, active_days, cooling_days, churned_days
    from lake_settings
),

customers as (
    select c.customer_key, c.member_id
    from int_customers as c
    cross join as_of as a
    where cast(c.first_seen_at as date) <= a.as_of_date
),

purchases as (
    select
        customer_key, first_order_at, last_order_at, recency_days, orders_total, orders_90d, orders_365d,
        net_revenue_total, net_revenue_365d, avg_order_value, repurchase_cycle_days, is_overdue, promo_share,
        price_sensitivity, return_rate
    from tag_purchases
),

rfm as (
    select customer_key, r_score, f_score, m_score, rfm_segment
    from tag_rfm
),

preferences as (
    select
        customer_key, favourite_category, category_diversity, preferred_channel, channel_mix, channel_share_store,
        channel_share_online, channel_share_app, home_store_id, is_home_store_open
    from tag_preferences
),

activity as (
    select customer_key, active_time_slot, active_weekday
    from tag_activity
),

engagement as (
    select customer_key, member_tier, service_tickets_90d, avg_review_rating, review_sentiment
    from tag_engagement
),

social as (
    select
        customer_key, is_wechat_follower, wechat_article_reads_90d, wechat_article_shares_90d, share_driven_visits_90d,
        is_social_advocate, weibo_posts_365d, social_sentiment
    from tag_social
),

consents as (
    select customer_key, consent
    from tag_consent
),

deliveries as (
    select customer_key, delivery_days_median, delivery_days_last, late_delivery_rate, failed_attempts, last_delivery_experience
    from tag_deliveries
),

final as (
    select
        a.as_of_date,
        c.customer_key,
        c.member_id,
        p.first_order_at,
        p.last_order_at,
        cast(p.recency_days as integer) as recency_days,
        cast(coalesce(p.orders_total, 0) as integer) as orders_total,
        cast(coalesce(p.orders_90d, 0) as integer) as orders_90d,
        cast(coalesce(p.orders_365d, 0) as integer) as orders_365d,
        coalesce(p.net_revenue_total, 0) as net_revenue_total,
        coalesce(p.net_revenue_365d, 0) as net_revenue_365d,
        p.avg_order_value,
        r.r_score,
        r.f_score,
        r.m_score,
        r.rfm_segment,
        p.repurchase_cycle_days,
        coalesce(p.is_overdue, false) as is_overdue,
        f.favourite_category,
        cast(f.category_diversity as integer) as category_diversity,
        f.preferred_channel,
        f.channel_mix,
        f.channel_share_store,
        f.channel_share_online,
        f.channel_share_app,
        f.home_store_id,
        f.is_home_store_open,
        v.active_time_slot,
        v.active_weekday,
        p.promo_share,
        p.price_sensitivity,
        p.return_rate,
        e.member_tier,
        cast(coalesce(e.service_tickets_90d, 0) as integer) as service_tickets_90d,
        e.avg_review_rating,
        e.review_sentiment,
        coalesce(so.is_wechat_follower, false) as is_wechat_follower,
        cast(coalesce(so.wechat_article_reads_90d, 0) as integer) as wechat_article_reads_90d,
        cast(coalesce(so.wechat_article_shares_90d, 0) as integer) as wechat_article_shares_90d,
        cast(coalesce(so.share_driven_visits_90d, 0) as integer) as share_driven_visits_90d,
        coalesce(so.is_social_advocate, false) as is_social_advocate,
        cast(coalesce(so.weibo_posts_365d, 0) as integer) as weibo_posts_365d,
        so.social_sentiment,
        case
            when coalesce(p.orders_total, 0) = 0 then 'prospect'
            when date_diff('day', cast(p.first_order_at as date), a.as_of_date) < s.new_customer_days then 'new'
            when p.recency_days < s.active_days then 'active'
            when p.recency_days < s.cooling_days then 'cooling'
            when p.recency_days < s.churned_days then 'lapsed'
            else 'churned'
        end as lifecycle_stage,
        k.consent,
        d.delivery_days_median,
        d.delivery_days_last,
        d.late_delivery_rate,
        cast(coalesce(d.failed_attempts, 0) as integer) as failed_delivery_attempts,
        d.last_delivery_experience
    from customers as c
    cross join as_of as a
    cross join settings as s
    left join purchases as p on p.customer_key = c.customer_key
    left join rfm as r on r.customer_key = c.customer_key
    left join preferences as f on f.customer_key = c.customer_key
    left join activity as v on v.customer_key = c.customer_key
    left join engagement as e on e.customer_key = c.customer_key
    left join social as so on so.customer_key = c.customer_key
    left join consents as k on k.customer_key = c.customer_key
    left join deliveries as d on d.customer_key = c.customer_key
)

select * from final
