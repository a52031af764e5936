/**
 * The SQL the insights refresh reads the lake with. Written once in the subset Athena (Trino) and DuckDB share, so
 * the Lambda runs it on Athena and the tests run it on the local lake's DuckDB views (and check it against the
 * local path's own readers). Dates leave as `YYYY-MM-DD` text; numbers as numbers (Athena returns text anyway).
 */

/** A `YYYY-MM-DD` check; everything interpolated below is a date validated here or a fixed identifier. */
export function sqlDate(day: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(day))) throw new RangeError(`expected a date YYYY-MM-DD, received ${JSON.stringify(day)}`);
  return `date '${day}'`;
}

/**
 * Units sold per category x store per week (placed lines), weeks ending on as-of: `weeks_back` 0 is the week
 * (as-of - 6 .. as-of]. The same series train forecast builds locally from int_order_lines.
 */
export function weeklyOrderSeriesSql(asOf: string): string {
  const d = sqlDate(asOf);
  return `with lines as (
    select coalesce(category, 'uncategorised') || '|' || store_id as series_id,
           date_diff('day', cast(ordered_at as date), ${d}) as days_back,
           quantity
    from int_order_lines
    where order_status = 'placed' and cast(ordered_at as date) <= ${d}
),
final as (
    select series_id, cast(floor(days_back / 7e0) as integer) as weeks_back, cast(sum(quantity) as double) as units
    from lines
    group by series_id, cast(floor(days_back / 7e0) as integer)
)
select series_id, weeks_back, units from final order by series_id, weeks_back desc`;
}

/** Placed lines per customer x SKU x order on or before as-of: the recommendations' purchases. */
export function recsPurchasesSql(asOf: string): string {
  const d = sqlDate(asOf);
  return `with lines as (
    select coalesce(customer_key, member_id) as customer_id, sku as item_id, order_key, ordered_at
    from int_order_lines
    where order_status = 'placed' and sku is not null and coalesce(customer_key, member_id) is not null
      and cast(ordered_at as date) <= ${d}
),
final as (
    select customer_id, item_id, cast(cast(min(ordered_at) as date) as varchar) as day
    from lines
    group by customer_id, item_id, order_key
)
select customer_id, item_id, day from final order by customer_id, day, item_id`;
}

/** Periods of the newest category x store forecast made on or before as-of. */
export function latestForecastSql(asOf: string): string {
  const d = sqlDate(asOf);
  return `with f as (
    select series_id, period_start, forecast, model_version, as_of
    from demand_forecasts
    where as_of <= ${d} and strpos(series_id, '|') > 0
),
final as (
    select series_id, cast(period_start as varchar) as period_start, forecast, model_version
    from f
    where as_of = (select max(as_of) from f)
)
select series_id, period_start, forecast, model_version from final order by series_id, period_start`;
}

/**
 * Units on hand per `category|store_id`: the latest snapshot per store x SKU on or before as-of, summed over the
 * category, with the longest SKU lead time when the stock view has a `lead_time_days` column.
 */
export function stockLevelsSql(asOf: string, hasLeadTime: boolean): string {
  const d = sqlDate(asOf);
  return `with ranked as (
    select store_id, sku, on_hand, ${hasLeadTime ? 'lead_time_days' : 'cast(null as integer) as lead_time_days'},
           row_number() over (partition by store_id, sku order by snapshot_date desc) as snapshot_rank
    from stg_stock_snapshots
    where snapshot_date <= ${d}
),
final as (
    select coalesce(p.category, 'uncategorised') || '|' || s.store_id as series_id,
           cast(sum(s.on_hand) as double) as on_hand,
           max(s.lead_time_days) as lead_time_days
    from ranked as s
    left join stg_products as p on p.sku = s.sku
    where s.snapshot_rank = 1
    group by coalesce(p.category, 'uncategorised') || '|' || s.store_id
)
select series_id, on_hand, lead_time_days from final order by series_id`;
}

/** Series due at the newest check before as-of (`before`), or at as-of itself (`on`: a rerun of the same day). */
export function dueChecksSql(asOf: string, when: 'before' | 'on'): string {
  const d = sqlDate(asOf);
  const day = when === 'on' ? d : `(select max(dt) from replenishment_checks where dt < ${d})`;
  return `select store_id, sku from replenishment_checks where dt = ${day} and due order by store_id, sku`;
}
