-- stg_products: the ERP product catalogue, one row per SKU; with incremental loads the most recently loaded row of
-- a SKU wins.
--
-- grain: one row per sku
-- columns:
--   sku: stock keeping unit
--   product_name: product name
--   category: top-level category
--   subcategory: sub-category
--   brand: brand
--   list_price: regular shelf price
--   currency: ISO 4217 currency of list_price
--   is_active: still sold
--   loaded_at: when the catalogue file was loaded (UTC)

with

products as (
    select sku, name, category, subcategory, brand, list_price, currency, is_active, loaded_at
    from curated_products
),

ranked as (
    select
        sku, name, category, subcategory, brand, list_price, currency, is_active, loaded_at,
        row_number() over (partition by sku order by loaded_at desc) as load_rank
    from products
),

final as (
    select
        sku,
        name as product_name,
        category,
        subcategory,
        brand,
        list_price,
        currency,
        is_active,
        loaded_at
    from ranked
    where load_rank = 1
)

select * from final
