/**
 * ReplenishmentDue: for every forecast series of the category x store grain (`category|store_id`, what train
 * forecast builds from order lines), forecast demand over the lead time after as-of is compared with the units on
 * hand (latest stock snapshot per store x SKU on or before as-of, summed over the category's SKUs). Each check is kept
 * in curated/replenishment_checks/dt=<as-of>/; an event is emitted only when a series becomes due (due now, not due
 * at the previous check), with an id over the series and the as-of it became due, so re-running emits nothing.
 * The event's `sku` is `category:<name>` at this grain. Imported series (no store x category id) are not checked.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { queryRows, sqlString } from '../adapters/local/duckdb.ts';
import { columnsOf } from '../contract/columns.ts';
import { openLakeCatalog } from '../lake/local-catalog.ts';
import { readRows, writeRows } from '../score/parquet.ts';
import { eventId } from './ids.ts';
import type { ModelEvent } from './schemas.ts';

export const REPLENISHMENT_CHECKS_TABLE = 'replenishment_checks';
export const DEFAULT_LEAD_TIME_DAYS = 7;

const checkSchema = z.object({
  store_id: z.string().meta({ description: 'Store' }),
  sku: z.string().meta({ description: 'category:<name> at the category x store grain' }),
  as_of: z.iso.date().meta({ description: 'Check date' }),
  on_hand_units: z.number().meta({ description: 'Units on hand (latest snapshot on or before as-of)' }),
  forecast_units: z.number().meta({ description: 'Forecast demand over the lead time' }),
  lead_time_days: z.int().meta({ description: 'Lead time' }),
  due: z.boolean().meta({ description: 'forecast_units > on_hand_units' }),
  model_version: z.string().meta({ description: 'Forecast model version' }),
});
const CHECK_COLUMNS = columnsOf(checkSchema);
type Check = z.infer<typeof checkSchema>;

const DAY = 86_400_000;

/** Share of the period [start, start + step) inside (asOf, asOf + lead]. */
function overlap(periodStart: string, stepDays: number, asOf: string, leadDays: number): number {
  const s = Date.parse(periodStart) / DAY;
  const from = Date.parse(asOf) / DAY + 1;
  const to = from + leadDays;
  return Math.max(0, Math.min(s + stepDays, to) - Math.max(s, from)) / stepDays;
}

function previousCheckDate(lakeDir: string, asOf: string): string | undefined {
  const dir = path.join(lakeDir, 'curated', REPLENISHMENT_CHECKS_TABLE);
  if (!fs.existsSync(dir)) return undefined;
  return fs
    .readdirSync(dir)
    .map((d) => /^dt=(\d{4}-\d{2}-\d{2})$/.exec(d)?.[1])
    .filter((d): d is string => d !== undefined && d < asOf)
    .sort()
    .at(-1);
}

export interface ReplenishmentResult {
  readonly checked: number;
  readonly due: number;
  readonly events: ModelEvent[];
}

/** Checks the latest forecast made on or before as-of against stock; returns the ReplenishmentDue events to publish. */
export async function replenishmentEvents(lakeDir: string, asOf: string, leadTimeDays = DEFAULT_LEAD_TIME_DAYS): Promise<ReplenishmentResult> {
  if (!fs.existsSync(path.join(lakeDir, 'curated', 'demand_forecasts'))) return { checked: 0, due: 0, events: [] };
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
    stock = await queryRows(
      cat.conn,
      `with s as (
          select store_id, sku, on_hand, row_number() over (partition by store_id, sku order by snapshot_date desc) as rn
          from stg_stock_snapshots where snapshot_date <= cast(${sqlString(asOf)} as date)
       )
       select coalesce(p.category, 'uncategorised') || '|' || s.store_id as series_id, cast(sum(s.on_hand) as double) as on_hand
       from s left join stg_products p on p.sku = s.sku where s.rn = 1 group by all`,
    );
  } finally {
    cat.close();
  }
  const onHand = new Map(stock.map((r) => [String(r.series_id), Number(r.on_hand)]));
  const bySeries = new Map<string, { demand: number; version: string; forecastAsOf: string }>();
  for (const r of forecasts) {
    const id = String(r.series_id);
    const e = bySeries.get(id) ?? { demand: 0, version: String(r.model_version), forecastAsOf: String(r.as_of) };
    // Forecast periods start the day after the forecast's as-of; a week grain is 7 days.
    e.demand += Number(r.forecast) * overlap(String(r.period_start), 7, asOf, leadTimeDays);
    bySeries.set(id, e);
  }
  const checks: Check[] = [];
  for (const [id, f] of bySeries) {
    const units = onHand.get(id);
    if (units === undefined) continue;
    const [category, store] = [id.slice(0, id.lastIndexOf('|')), id.slice(id.lastIndexOf('|') + 1)];
    const forecastUnits = Math.max(0, f.demand);
    checks.push({ store_id: store, sku: `category:${category}`, as_of: asOf, on_hand_units: units, forecast_units: forecastUnits, lead_time_days: leadTimeDays, due: forecastUnits > units, model_version: f.version });
  }
  const prevDate = previousCheckDate(lakeDir, asOf);
  const prevDue = new Set(
    prevDate ? (await readRows(lakeDir, `${REPLENISHMENT_CHECKS_TABLE}/dt=${prevDate}`, CHECK_COLUMNS)).filter((r) => r.due === true).map((r) => `${String(r.store_id)}|${String(r.sku)}`) : [],
  );
  await writeRows({ lakeDir, relDir: `${REPLENISHMENT_CHECKS_TABLE}/dt=${asOf}`, columns: CHECK_COLUMNS, rows: checks, mode: 'replace' });
  const events: ModelEvent[] = checks
    .filter((c) => c.due && !prevDue.has(`${c.store_id}|${c.sku}`))
    .map((c) => ({
      detailType: 'ReplenishmentDue',
      detail: {
        event_id: eventId('ReplenishmentDue', `${c.store_id}|${c.sku}`, ['due', asOf]),
        store_id: c.store_id,
        sku: c.sku,
        as_of: asOf,
        on_hand_units: c.on_hand_units,
        forecast_units: Math.round(c.forecast_units * 100) / 100,
        lead_time_days: leadTimeDays,
        suggested_order_units: Math.max(0, Math.ceil(c.forecast_units - c.on_hand_units)),
        reasons: [
          { factor: 'forecast_units', meaning: `Forecast demand over the next ${leadTimeDays} days`, value: Math.round(c.forecast_units * 100) / 100 },
          { factor: 'on_hand_units', meaning: 'Units on hand across the category at the store', value: c.on_hand_units },
        ],
        model_version: c.model_version,
      },
    }));
  return { checked: checks.length, due: checks.filter((c) => c.due).length, events };
}
