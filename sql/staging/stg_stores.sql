-- stg_stores: stores and the online shop as they are now: the current version of each store in stg_stores_history
-- (its latest full load or change; a store deleted, e.g. closed, is not here).
--
-- grain: one row per store_id
-- columns:
--   store_id: store code; ONLINE for the web shop
--   store_name: store name
--   city: city
--   region: region
--   country: ISO 3166-1 alpha-2 country
--   is_online: the online shop rather than a physical store
--   opened_at: opening date
--   loaded_at: when the current version began (the load's loaded_at or the change's changed_at, UTC)

with

history as (
    select store_id, store_name, city, region, country, is_online, opened_at, valid_from, is_current
    from stg_stores_history
),

final as (
    select
        store_id,
        store_name,
        city,
        region,
        country,
        is_online,
        opened_at,
        valid_from as loaded_at
    from history
    where is_current
)

select * from final
