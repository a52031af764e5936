-- tag_rfm: recency, frequency and monetary scores (1..5, 5 = best) of customers with at least one purchase, and
-- the readable RFM segment. A score is the customer's quintile by rank: 1 + floor(5 x percent_rank), capped at 5,
-- so equal values share a score (ties take the lower one) and the result is the same on every engine. Recency
-- ranks fewer days as better; frequency ranks orders_total, monetary ranks net_revenue_total.
--
-- Segments, first matching rule wins (r, f, m = scores; see docs/tags.md):
--   Champions          r >= 4 and f >= 4 and m >= 4
--   Loyal              r >= 3 and f >= 4
--   New                r >= 4 and orders_total = 1
--   Potential loyalist r >= 4 and f >= 2
--   Promising          r >= 4
--   Need attention     r = 3
--   Cannot lose them   r <= 2 and f >= 4 and m >= 4
--   At risk            r <= 2 and f >= 3
--   Hibernating        r = 2
--   Lost               r = 1
--
-- grain: one row per customer_key with orders_total >= 1
-- columns:
--   customer_key: the stitched customer
--   r_score: recency score 1..5 (5 = most recent)
--   f_score: frequency score 1..5 (5 = most orders)
--   m_score: monetary score 1..5 (5 = highest net revenue)
--   rfm_segment: readable segment from the scores (table above)

with

purchasers as (
    select customer_key, recency_days, orders_total, net_revenue_total
    from tag_purchases
    where orders_total >= 1
),

scored as (
    select
        customer_key,
        orders_total,
        least(5, 1 + cast(floor(5 * percent_rank() over (order by recency_days desc)) as integer)) as r_score,
        least(5, 1 + cast(floor(5 * percent_rank() over (order by orders_total)) as integer)) as f_score,
        least(5, 1 + cast(floor(5 * percent_rank() over (order by net_revenue_total)) as integer)) as m_score
    from purchasers
),

final as (
    select
        customer_key,
        r_score,
        f_score,
        m_score,
        case
            when r_score >= 4 and f_score >= 4 and m_score >= 4 then 'Champions'
            when r_score >= 3 and f_score >= 4 then 'Loyal'
            when r_score >= 4 and orders_total = 1 then 'New'
            when r_score >= 4 and f_score >= 2 then 'Potential loyalist'
            when r_score >= 4 then 'Promising'
            when r_score = 3 then 'Need attention'
            when f_score >= 4 and m_score >= 4 then 'Cannot lose them'
            when f_score >= 3 then 'At risk'
            when r_score = 2 then 'Hibernating'
            else 'Lost'
        end as rfm_segment
    from scored
)

select * from final
