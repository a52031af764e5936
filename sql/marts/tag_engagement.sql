-- tag_engagement: loyalty, service and review signals up to the as-of date: member tier, recent service
-- tickets, average review rating and review sentiment.
--
-- grain: one row per customer_key with a member event, a service ticket or a review
-- columns:
--   customer_key: the stitched customer
--   member_tier: tier after the latest sign-up or tier change, or of the loyalty system's member row in force on the as-of date (stg_members_history), whichever is later (basic, silver, gold, platinum)
--   service_tickets_90d: tickets opened in the last lake_settings.recent_window_days days
--   avg_review_rating: mean stars over the customer's reviews (latest version of each), 1..5
--   review_sentiment: mean sentiment (review_scores, P(positive) 0..1) of the customer's latest review versions; null until scored

with

as_of as (
    select as_of_date
    from tag_as_of
),

settings as (
    select recent_window_days
    from lake_settings
),

tier_events as (
    select m.customer_key, m.tier, m.occurred_at as changed_at, m.event_id as change_id
    from int_member_events as m
    cross join as_of as a
    where m.customer_key is not null
        and m.tier is not null
        and cast(m.occurred_at as date) <= a.as_of_date
),

member_rows as (
    select i.customer_key, h.tier, h.valid_from as changed_at, h.change_id
    from stg_members_history as h
    cross join as_of as a
    inner join identity_map as i on i.identity_type = 'member_id' and i.identity_value = h.member_id
    where not h.is_deleted
        and (cast(h.valid_from as date) <= a.as_of_date or h.version_number = 1)
        and (h.valid_to is null or cast(h.valid_to as date) > a.as_of_date)
),

tiers as (
    select
        customer_key,
        tier,
        row_number() over (partition by customer_key order by changed_at desc, change_id desc) as tier_rank
    from (
        select customer_key, tier, changed_at, change_id from tier_events
        union all
        select customer_key, tier, changed_at, change_id from member_rows
    ) as tier_sources
),

tickets as (
    select
        t.customer_key,
        count(
            case when date_diff('day', cast(t.opened_at as date), a.as_of_date) < s.recent_window_days then 1 end
        ) as service_tickets_90d
    from int_service_tickets as t
    cross join as_of as a
    cross join settings as s
    where t.customer_key is not null
        and cast(t.opened_at as date) <= a.as_of_date
    group by t.customer_key
),

review_versions as (
    select
        r.customer_key,
        r.review_id,
        r.rating,
        row_number() over (partition by r.review_id order by r.reviewed_at desc, r.event_id desc) as version_rank
    from int_reviews as r
    cross join as_of as a
    where r.customer_key is not null
        and cast(r.reviewed_at as date) <= a.as_of_date
),

latest_scores as (
    select
        review_id,
        sentiment_score,
        row_number() over (partition by review_id order by as_of desc, model_version desc) as score_rank
    from review_scores
    where source not in ('service.ticket', 'social.weibo_post')
),

reviews as (
    select
        v.customer_key,
        avg(cast(v.rating as double)) as avg_review_rating,
        avg(s.sentiment_score) as review_sentiment
    from review_versions as v
    left join latest_scores as s on s.review_id = v.review_id and s.score_rank = 1
    where v.version_rank = 1
    group by v.customer_key
),

customers as (
    select customer_key from tiers
    union
    select customer_key from tickets
    union
    select customer_key from reviews
),

final as (
    select
        c.customer_key,
        t.tier as member_tier,
        coalesce(k.service_tickets_90d, 0) as service_tickets_90d,
        r.avg_review_rating,
        r.review_sentiment
    from customers as c
    left join tiers as t on t.customer_key = c.customer_key and t.tier_rank = 1
    left join tickets as k on k.customer_key = c.customer_key
    left join reviews as r on r.customer_key = c.customer_key
)

select * from final
