-- stg_stock_snapshots: end-of-day units on hand per store and SKU from the ERP, as they are now: the current
-- version of each count in stg_stock_snapshots_history (a day loaded twice: the later load or change wins).
--
-- grain: one row per (snapshot_date, store_id, sku)
-- columns:
--   snapshot_date: day of the count (end of day)
--   store_id: store or warehouse code
--   sku: stock keeping unit
--   on_hand: units on hand
--   lead_time_days: days a replenishment order takes to arrive (supplier quote; null when the export has none)
--   loaded_at: when the current version began (the load's loaded_at or the change's changed_at, UTC)

with

history as (
    select snapshot_date, store_id, sku, on_hand, lead_time_days, valid_from, is_current
    from stg_stock_snapshots_history
),

final as (
    select snapshot_date, store_id, sku, on_hand, lead_time_days, valid_from as loaded_at
    from history
    where is_current
)

select * from final
