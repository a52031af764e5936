-- stg_stores: stores and the online shop from the ERP store list; the most recently loaded row of a store wins.
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
--   loaded_at: when the store list was loaded (UTC)

with

stores as (
    select store_id, name, city, region, country, is_online, opened_at, loaded_at
    from curated_stores
),

ranked as (
    select
        store_id, name, city, region, country, is_online, opened_at, loaded_at,
        row_number() over (partition by store_id order by loaded_at desc) as load_rank
    from stores
),

final as (
    select
        store_id,
        name as store_name,
        city,
        region,
        country,
        is_online,
        opened_at,
        loaded_at
    from ranked
    where load_rank = 1
)

select * from final
