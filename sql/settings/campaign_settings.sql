-- campaign_settings: the measurement constants of campaign_outcomes, in one row, so a retailer tunes them in one
-- place (locally: edit this file; in Athena: `create or replace view campaign_settings` with other values).
--
-- grain: exactly one row
-- columns:
--   short_window_days: length of the short outcome window after a decision (orders, revenue, margin)
--   long_window_days: length of the long outcome window after a decision (orders, revenue, margin, redemption)
--   retention_days: a customer with a placed order within this many days after the decision is retained
--   gross_margin_rate: margin as a share of net revenue (the catalogue carries no cost price)

with

final as (
    select
        14 as short_window_days,
        30 as long_window_days,
        90 as retention_days,
        0.35e0 as gross_margin_rate
)

select * from final
