/**
 * ReplenishmentDue, local path: for every forecast series of the category x store grain (`category|store_id`, what
 * train forecast builds from order lines), forecast demand over the lead time after as-of is compared with the units
 * on hand (latest stock snapshot per store x SKU on or before as-of, summed over the category's SKUs). Each check is
 * kept in curated/replenishment_checks/dt=<as-of>/; an event is emitted only when a series becomes due (due now, not
 * due at the previous check), with an id over the series and the as-of it became due, so re-running emits nothing.
 * The event's `sku` is `category:<name>` at this grain. Imported series (no store x category id) are not checked.
 * The rule itself is src/insights/replenishment.ts, shared with the Lambda refresh.
 */
import { queryRows, sqlString } from '../adapters/local/duckdb.ts';
import { DEFAULT_LEAD_TIME_DAYS, replenishmentChecks, replenishmentDueEvents, checkKey, type ForecastPeriod, type StockLevel } from '../insights/replenishment.ts';
import { DEMAND_FORECASTS_TABLE, REPLENISHMENT_CHECK_COLUMNS, REPLENISHMENT_CHECKS_TABLE } from '../insights/tables.ts';
import { openLakeCatalog } from '../lake/local-catalog.ts';
import { hasParquet, partitionValues } from '../lake/table-files.ts';
import { readRows, writeRows } from '../score/parquet.ts';
import type { ModelEvent } from './schemas.ts';

export { DEFAULT_LEAD_TIME_DAYS, REPLENISHMENT_CHECKS_TABLE };
/** The latest committed check before as-of (src/lake/table-files.ts), or undefined. */
export function previousCheckDate(lakeDir: string, asOf: string): string | undefined {
  return partitionValues(lakeDir, `curated/${REPLENISHMENT_CHECKS_TABLE}`, 'dt')
    .filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d) && d < asOf)
    .at(-1);
}

export interface ReplenishmentResult {
  readonly checked: number;
  readonly due: number;
  readonly events: ModelEvent[];
}

/**
 * Checks the latest forecast made on or before as-of against stock; returns the ReplenishmentDue events to publish.
 * `leadTimeDays` is the default lead time (RETAIL_LAKE_LEAD_TIME_DAYS, `score --lead-time-days`); a
 * `lead_time_days` column in the stock snapshots, when the lake has one, wins per category x store.
 */
export async function replenishmentEvents(lakeDir: string, asOf: string, leadTimeDays = DEFAULT_LEAD_TIME_DAYS): Promise<ReplenishmentResult> {
  if (!hasParquet(lakeDir, `curated/${DEMAND_FORECASTS_TABLE}`)) return { checked: 0, due: 0, events: [] };
  const cat = await openLakeCatalog(lakeDir);
  let forecasts: Record<string, unknown>[];
  let stock: Record<string, unknown>[];
  try {
    if (!cat.views.includes('demand_forecasts')) return { checked: 0, due: 0, events: [] };
    forecasts = await queryRows(
      cat.conn,
      `with f as (select * from demand_forecasts where as_of <= cast(${sqlString(asOf)} as date) and contains(series_id, '|')),
       latest as (select max(as_of) as a from f)
       select series_id, strftime(period_start, '%Y-%m-%d') as period_start, forecast, model_version, strftime(as_of, '%Y-%m-%d') as as_of
       from f where as_of = (select a from latest) order by series_id, period_start`,
    );
    const hasLeadTime = (await queryRows(cat.conn, `select column_name from (describe stg_stock_snapshots) where column_name = 'lead_time_days'`)).length > 0;
    stock = await queryRows(
      cat.conn,
      `with s as (
          select store_id, sku, on_hand, ${hasLeadTime ? 'lead_time_days' : 'cast(null as integer) as lead_time_days'},
                 row_number() over (partition by store_id, sku order by snapshot_date desc) as rn
          from stg_stock_snapshots where snapshot_date <= cast(${sqlString(asOf)} as date)
       )
       select coalesce(p.category, 'uncategorised') || '|' || s.store_id as series_id, cast(sum(s.on_hand) as double) as on_hand,
              max(s.lead_time_days) as lead_time_days
       from s left join stg_products p on p.sku = s.sku where s.rn = 1 group by all`,
    );
  } finally {
    cat.close();
  }
  const periods: ForecastPeriod[] = forecasts.map((r) => ({ series_id: String(r.series_id), period_start: String(r.period_start), forecast: Number(r.forecast), model_version: String(r.model_version) }));
  const levels: StockLevel[] = stock.map((r) => ({ series_id: String(r.series_id), on_hand: Number(r.on_hand), lead_time_days: r.lead_time_days === null || r.lead_time_days === undefined ? null : Number(r.lead_time_days) }));
  const checks = replenishmentChecks(periods, levels, asOf, leadTimeDays);
  const prevDate = previousCheckDate(lakeDir, asOf);
  const prevDue = new Set(
    prevDate ? (await readRows(lakeDir, `${REPLENISHMENT_CHECKS_TABLE}/dt=${prevDate}`, REPLENISHMENT_CHECK_COLUMNS)).filter((r) => r.due === true).map((r) => checkKey(r as { store_id: string; sku: string })) : [],
  );
  await writeRows({ lakeDir, relDir: `${REPLENISHMENT_CHECKS_TABLE}/dt=${asOf}`, columns: REPLENISHMENT_CHECK_COLUMNS, rows: checks, mode: 'replace' });
  const events: ModelEvent[] = replenishmentDueEvents(checks, prevDue, asOf);
  return { checked: checks.length, due: checks.filter((c) => c.due).length, events };
}
