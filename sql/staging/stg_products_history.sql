-- stg_products_history: every version of every row of the ERP product catalogue (SCD type 2), from its full loads
-- (curated_products: each row a snapshot at its loaded_at) and its change log (curated_products_changes: Debezium change
-- events and incremental files, each change at the ERP's commit time). The merge is this view: versions ordered by
-- changed_at (ties: r, c, u, d, then change_id), a change stored twice counted once, so applying a change again or
-- out of order gives the same history. A delete ends the version before it and is kept as a tombstone row.
-- The version in force at the end of day D: not is_deleted, (cast(valid_from as date) <= D or version_number = 1)
-- and (valid_to is null or cast(valid_to as date) > D); the first known version also answers for the days before it.
--
-- grain: one row per sku and valid_from version
-- columns:
--   sku: stock keeping unit
--   product_name: product name
--   category: top-level category
--   subcategory: sub-category
--   brand: brand
--   list_price: regular shelf price
--   currency: ISO 4217 currency of list_price
--   is_active: still sold
--   op: c create, u update, d delete, r snapshot (a full load's rows are r)
--   change_id: the change's id (full loads: load|file|loaded_at|key)
--   valid_from: when this version began (the change's changed_at, or the load's loaded_at), UTC
--   valid_to: when the next version of the row began (null: still in force), UTC
--   version_number: 1 for the first known version of the row, then 2, 3, ...
--   is_deleted: a delete's tombstone (the row did not exist from valid_from to valid_to)
--   is_current: the version in force now (valid_to null and not deleted): the rows of stg_products

with

loads as (
    select
        sku, name, category, subcategory, brand, list_price, currency, is_active,
        'r' as op,
        loaded_at as changed_at,
        'load|' || file_name || '|' || cast(loaded_at as varchar) || '|' || cast(sku as varchar) as change_id
    from curated_products
),

changes as (
    select sku, name, category, subcategory, brand, list_price, currency, is_active, op, changed_at, change_id
    from curated_products_changes
),

all_changes as (
    select sku, name, category, subcategory, brand, list_price, currency, is_active, op, changed_at, change_id from loads
    union all
    select sku, name, category, subcategory, brand, list_price, currency, is_active, op, changed_at, change_id from changes
),

distinct_changes as (
    select
        sku, name, category, subcategory, brand, list_price, currency, is_active, op, changed_at, change_id,
        row_number() over (partition by change_id order by changed_at) as copy_rank
    from all_changes
),

versions as (
    select
        sku, name, category, subcategory, brand, list_price, currency, is_active, op, changed_at, change_id,
        row_number() over (
            partition by sku
            order by changed_at, case op when 'r' then 0 when 'c' then 1 when 'u' then 2 else 3 end, change_id
        ) as version_number,
        lead(changed_at) over (
            partition by sku
            order by changed_at, case op when 'r' then 0 when 'c' then 1 when 'u' then 2 else 3 end, change_id
        ) as valid_to
    from distinct_changes
    where copy_rank = 1
),

final as (
    select
        sku, name as product_name, category, subcategory, brand, list_price, currency, is_active,
        op,
        change_id,
        changed_at as valid_from,
        valid_to,
        version_number,
        op = 'd' as is_deleted,
        (valid_to is null and op <> 'd') as is_current
    from versions
)

select * from final
