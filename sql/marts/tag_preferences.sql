-- tag_preferences: what and where a customer buys, from purchases up to the as-of date: favourite category,
-- category diversity, preferred channel, the channel mix and the home store. Categories and stores are the ERP's as of
-- that date (stg_products_history, stg_stores_history): a product recategorised later, or a store closed later, does
-- not change the tags of an earlier day.
--
-- grain: one row per customer_key with orders_total >= 1
-- columns:
--   customer_key: the stitched customer
--   favourite_category: category (in the catalogue as of the as-of date) in most purchases (ties: more revenue, then name); null when no purchased SKU is in it
--   category_diversity: distinct catalogue categories purchased (as of the as-of date)
--   preferred_channel: channel of most purchases (ties: more revenue, then name)
--   channel_share_store: share of purchases in stores, 0..1
--   channel_share_online: share of purchases in the web shop, 0..1
--   channel_share_app: share of purchases in the app / mini-program, 0..1
--   channel_mix: the three shares as a map store/online/app -> share (they sum to 1)
--   home_store_id: the store of most in-store purchases (ties: more revenue, then store id); null without one
--   is_home_store_open: the home store is in the ERP store list as of the as-of date (false once it is deleted, e.g. closed)

with

as_of as (
    select as_of_date
    from tag_as_of
),

purchases as (
    select order_key, customer_key, channel, gross_revenue
    from tag_orders
    where is_purchase
),

products_as_of as (
    select h.sku, h.category
    from stg_products_history as h
    cross join as_of as a
    where not h.is_deleted
        and (cast(h.valid_from as date) <= a.as_of_date or h.version_number = 1)
        and (h.valid_to is null or cast(h.valid_to as date) > a.as_of_date)
),

stores_as_of as (
    select h.store_id
    from stg_stores_history as h
    cross join as_of as a
    where not h.is_deleted
        and (cast(h.valid_from as date) <= a.as_of_date or h.version_number = 1)
        and (h.valid_to is null or cast(h.valid_to as date) > a.as_of_date)
),

purchase_lines as (
    select p.customer_key, l.order_key, c.category, l.line_revenue
    from int_order_lines as l
    cross join as_of as a
    inner join purchases as p on p.order_key = l.order_key
    left join products_as_of as c on c.sku = l.sku
    where l.order_status = 'placed'
        and cast(l.ordered_at as date) <= a.as_of_date
),

categories as (
    select
        customer_key,
        category,
        count(distinct order_key) as category_orders,
        sum(line_revenue) as category_revenue
    from purchase_lines
    where category is not null
    group by customer_key, category
),

ranked_categories as (
    select
        customer_key,
        category,
        row_number() over (
            partition by customer_key order by category_orders desc, category_revenue desc, category
        ) as category_rank
    from categories
),

category_tags as (
    select
        customer_key,
        max(case when category_rank = 1 then category end) as favourite_category,
        count(*) as category_diversity
    from ranked_categories
    group by customer_key
),

channels as (
    select
        customer_key,
        channel,
        count(*) as channel_orders,
        sum(gross_revenue) as channel_revenue
    from purchases
    group by customer_key, channel
),

channel_tags as (
    select
        customer_key,
        max(case when channel_rank = 1 then channel end) as preferred_channel,
        cast(sum(case when channel = 'store' then channel_orders else 0 end) as double) / sum(channel_orders) as channel_share_store,
        cast(sum(case when channel = 'online' then channel_orders else 0 end) as double) / sum(channel_orders) as channel_share_online,
        cast(sum(case when channel = 'app' then channel_orders else 0 end) as double) / sum(channel_orders) as channel_share_app
    from (
        select
            customer_key,
            channel,
            channel_orders,
            row_number() over (partition by customer_key order by channel_orders desc, channel_revenue desc, channel) as channel_rank
        from channels
    ) as ranked_channels
    group by customer_key
),

store_purchases as (
    select p.customer_key, o.store_id, count(distinct p.order_key) as store_orders, sum(p.gross_revenue) as store_revenue
    from purchases as p
    inner join (select distinct order_key, store_id from int_order_lines) as o on o.order_key = p.order_key
    where p.channel = 'store'
        and o.store_id is not null
    group by p.customer_key, o.store_id
),

home_stores as (
    select
        customer_key,
        store_id as home_store_id,
        row_number() over (partition by customer_key order by store_orders desc, store_revenue desc, store_id) as store_rank
    from store_purchases
),

final as (
    select
        c.customer_key,
        t.favourite_category,
        coalesce(t.category_diversity, 0) as category_diversity,
        c.preferred_channel,
        c.channel_share_store,
        c.channel_share_online,
        c.channel_share_app,
        map(
            array['store', 'online', 'app'],
            array[c.channel_share_store, c.channel_share_online, c.channel_share_app]
        ) as channel_mix,
        h.home_store_id,
        case when h.home_store_id is null then null else o.store_id is not null end as is_home_store_open
    from channel_tags as c
    left join category_tags as t on t.customer_key = c.customer_key
    left join home_stores as h on h.customer_key = c.customer_key and h.store_rank = 1
    left join stores_as_of as o on o.store_id = h.home_store_id
)

select * from final
