-- lake_settings: the business constants of the tag library, in one row, so a retailer tunes them in one place
-- (locally: edit this file; in Athena: `create or replace view lake_settings` with other values).
--
-- grain: exactly one row
-- columns:
--   local_time_zone: IANA zone of the retailer's customers; time slots and weekdays are read in it (no DST in Asia/Shanghai)
--   new_customer_days: a first order fewer than this many days before the as-of date makes the customer "new"
--   active_days: recency below this many days is "active"
--   cooling_days: recency below this many days (and not active) is "cooling"
--   churned_days: recency of at least this many days is "churned" (between cooling and churned: "lapsed")
--   overdue_factor: is_overdue when recency_days > overdue_factor x repurchase_cycle_days
--   price_sensitivity_medium_share: promo_share from which price sensitivity is "medium"
--   price_sensitivity_high_share: promo_share from which price sensitivity is "high"
--   recent_window_days: length of the short window of orders_90d and service_tickets_90d
--   year_window_days: length of the long window of orders_365d and net_revenue_365d

with

final as (
    select
        'Asia/Shanghai' as local_time_zone,
        30 as new_customer_days,
        90 as active_days,
        180 as cooling_days,
        365 as churned_days,
        1.5e0 as overdue_factor,
        0.2e0 as price_sensitivity_medium_share,
        0.5e0 as price_sensitivity_high_share,
        90 as recent_window_days,
        365 as year_window_days
)

select * from final
