-- tag_social: WeChat and Weibo signals up to the as-of date: whether the customer follows the official account,
-- article reads and shares in the recent window, the sentiment of their Weibo posts, and whether their shares
-- brought visits (advocacy). Defined, with their business use, in docs/tags.md.
--
-- A share "brings" a visit when an article read or a mini-program visit on or before the as-of date was opened from
-- its link (via_share_id = share_id) by anyone but the sharer: another customer, or a visitor the lake cannot stitch
-- to a customer (a WeChat user the brand has not met yet).
--
-- grain: one row per customer_key with a social event
-- columns:
--   customer_key: the stitched customer
--   is_wechat_follower: the customer's latest follow or unfollow of the official account on or before the as-of date is a follow (false without either)
--   wechat_article_reads_90d: official-account article reads in the last lake_settings.recent_window_days days
--   wechat_article_shares_90d: article shares in the same window
--   share_driven_visits_90d: reads and mini-program visits by others opened from the customer's shares of that window
--   is_social_advocate: at least one share of that window brought a visit
--   weibo_posts_365d: Weibo posts mentioning the brand in the last lake_settings.year_window_days days
--   social_sentiment: mean sentiment (review_scores, P(positive) 0..1) of those posts; null until scored or without posts

with

as_of as (
    select as_of_date
    from tag_as_of
),

settings as (
    select recent_window_days, year_window_days
    from lake_settings
),

events as (
    select
        e.event_id,
        e.event_type,
        e.occurred_at,
        e.account_id,
        e.share_id,
        e.via_share_id,
        e.post_id,
        c.customer_key,
        date_diff('day', cast(e.occurred_at as date), a.as_of_date) as age_days
    from stg_social_events as e
    cross join as_of as a
    left join int_event_customers as c on c.source = 'social' and c.event_id = e.event_id
    where cast(e.occurred_at as date) <= a.as_of_date
),

follow_changes as (
    select
        customer_key,
        event_type,
        row_number() over (partition by customer_key order by occurred_at desc, event_id desc) as change_rank
    from events
    where customer_key is not null
        and event_type in ('social.wechat_follow', 'social.wechat_unfollow')
),

counts as (
    select
        ev.customer_key,
        count(case when ev.event_type = 'social.wechat_article_read' and ev.age_days < s.recent_window_days then 1 end) as wechat_article_reads_90d,
        count(case when ev.event_type = 'social.wechat_article_share' and ev.age_days < s.recent_window_days then 1 end) as wechat_article_shares_90d
    from events as ev
    cross join settings as s
    where ev.customer_key is not null
    group by ev.customer_key
),

recent_shares as (
    select ev.customer_key, ev.share_id
    from events as ev
    cross join settings as s
    where ev.customer_key is not null
        and ev.event_type = 'social.wechat_article_share'
        and ev.age_days < s.recent_window_days
),

share_visits as (
    select
        sh.customer_key,
        count(v.event_id) as share_driven_visits_90d
    from recent_shares as sh
    inner join events as v
        on v.via_share_id = sh.share_id
        and v.event_type in ('social.wechat_article_read', 'social.miniprogram_visit')
        and (v.customer_key is null or v.customer_key <> sh.customer_key)
    group by sh.customer_key
),

latest_scores as (
    select
        review_id as post_id,
        sentiment_score,
        row_number() over (partition by review_id order by as_of desc, model_version desc) as score_rank
    from review_scores
    where source = 'social.weibo_post'
),

posts as (
    select distinct ev.customer_key, ev.post_id
    from events as ev
    cross join settings as s
    where ev.customer_key is not null
        and ev.event_type = 'social.weibo_post'
        and ev.age_days < s.year_window_days
),

post_sentiment as (
    select
        p.customer_key,
        count(*) as weibo_posts_365d,
        avg(l.sentiment_score) as social_sentiment
    from posts as p
    left join latest_scores as l on l.post_id = p.post_id and l.score_rank = 1
    group by p.customer_key
),

customers as (
    select distinct customer_key
    from events
    where customer_key is not null
),

final as (
    select
        c.customer_key,
        coalesce(f.event_type = 'social.wechat_follow', false) as is_wechat_follower,
        coalesce(n.wechat_article_reads_90d, 0) as wechat_article_reads_90d,
        coalesce(n.wechat_article_shares_90d, 0) as wechat_article_shares_90d,
        coalesce(v.share_driven_visits_90d, 0) as share_driven_visits_90d,
        coalesce(v.share_driven_visits_90d, 0) > 0 as is_social_advocate,
        coalesce(p.weibo_posts_365d, 0) as weibo_posts_365d,
        p.social_sentiment
    from customers as c
    left join follow_changes as f on f.customer_key = c.customer_key and f.change_rank = 1
    left join counts as n on n.customer_key = c.customer_key
    left join share_visits as v on v.customer_key = c.customer_key
    left join post_sentiment as p on p.customer_key = c.customer_key
)

select * from final
