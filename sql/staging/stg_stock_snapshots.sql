-- stg_stock_snapshots: end-of-day units on hand per store and SKU from the ERP; when a day is loaded twice the
-- most recently loaded count wins.
--
-- grain: one row per (snapshot_date, store_id, sku)
-- columns:
--   snapshot_date: day of the count (end of day)
--   store_id: store or warehouse code
--   sku: stock keeping unit
--   on_hand: units on hand
--   lead_time_days: days a replenishment order takes to arrive (supplier quote; null when the export has none)
--   loaded_at: when the snapshot file was loaded (UTC)

with

snapshots as (
    select snapshot_date, store_id, sku, on_hand, lead_time_days, loaded_at
    from curated_stock_snapshots
),

ranked as (
    select
        snapshot_date, store_id, sku, on_hand, lead_time_days, loaded_at,
        row_number() over (partition by snapshot_date, store_id, sku order by loaded_at desc) as load_rank
    from snapshots
),

final as (
    select snapshot_date, store_id, sku, on_hand, lead_time_days, loaded_at
    from ranked
    where load_rank = 1
)

select * from final
