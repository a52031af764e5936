-- stg_products: the ERP product catalogue as it is now, one row per SKU: the current version of each SKU in
-- stg_products_history (its latest full load or change; a SKU whose latest change is a delete is not here).
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
--   loaded_at: when the current version began (the load's loaded_at or the change's changed_at, UTC)

with

history as (
    select sku, product_name, category, subcategory, brand, list_price, currency, is_active, valid_from, is_current
    from stg_products_history
),

final as (
    select
        sku,
        product_name,
        category,
        subcategory,
        brand,
        list_price,
        currency,
        is_active,
        valid_from as loaded_at
    from history
    where is_current
)

select * from final
