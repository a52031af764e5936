-- int_reviews: product reviews with their customer. A review re-submitted (edited) under a new event id keeps
-- every version here, numbered; is_latest_version marks the one to show. Tags pick the latest version up to their
-- as-of date themselves.
--
-- grain: one row per event_id
-- columns:
--   event_id: producer event id
--   review_id: review id
--   review_version: 1 for the first submission, 2 for the first edit, ...
--   is_latest_version: the most recent version of the review
--   customer_key: the stitched customer (null when anonymous)
--   sku: reviewed product
--   rating: stars, 1..5
--   review_title: title
--   review_text: text
--   order_id: order the review refers to
--   reviewed_at: when this version was submitted (UTC)

with

reviews as (
    select event_id, review_id, sku, rating, review_title, review_text, order_id, reviewed_at
    from stg_reviews
),

event_customers as (
    select event_id, customer_key
    from int_event_customers
    where source = 'review'
),

versioned as (
    select
        r.event_id,
        r.review_id,
        row_number() over (partition by r.review_id order by r.reviewed_at, r.event_id) as review_version,
        row_number() over (partition by r.review_id order by r.reviewed_at desc, r.event_id desc) = 1 as is_latest_version,
        c.customer_key,
        r.sku,
        r.rating,
        r.review_title,
        r.review_text,
        r.order_id,
        r.reviewed_at
    from reviews as r
    left join event_customers as c on c.event_id = r.event_id
),

final as (
    select
        event_id, review_id, review_version, is_latest_version, customer_key, sku, rating, review_title,
        review_text, order_id, reviewed_at
    from versioned
)

select * from final
