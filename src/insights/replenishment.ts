/**
 * ReplenishmentDue, the part both paths share (DuckDB-free): forecast demand over each series' lead time after the
 * check date against units on hand, and the change-only event rule. The local path (src/events/replenishment.ts)
 * reads forecasts and stock with DuckDB, the Lambda refresh with Athena; both call these functions.
 *
 * Lead time: per series when the stock table carries a `lead_time_days` column (the longest of the category's SKUs
 * at the store, so an order placed now covers the slowest supplier), else the configured default.
 */
import { eventId } from '../events/ids.ts';
import type { ModelEvent } from '../events/schemas.ts';
import type { ReplenishmentCheck } from './tables.ts';

export const DEFAULT_LEAD_TIME_DAYS = 7;

/** One period of the latest forecast (category x store series only: `category|store_id`). */
export interface ForecastPeriod {
  readonly series_id: string;
  readonly period_start: string;
  readonly forecast: number;
  readonly model_version: string;
}

/** Units on hand per `category|store_id` (latest snapshot per store x SKU, summed over the category). */
export interface StockLevel {
  readonly series_id: string;
  readonly on_hand: number;
  /** Longest lead time of the category's SKUs at the store, when the stock table has one. */
  readonly lead_time_days?: number | null;
}

const DAY = 86_400_000;

/** Share of the period [start, start + step) inside (asOf, asOf + lead]. */
export function leadTimeOverlap(periodStart: string, stepDays: number, asOf: string, leadDays: number): number {
  const s = Date.parse(periodStart) / DAY;
  const from = Date.parse(asOf) / DAY + 1;
  const to = from + leadDays;
  return Math.max(0, Math.min(s + stepDays, to) - Math.max(s, from)) / stepDays;
}

/** Checks every series that has both a forecast and stock; series without stock (imports) are not checked. */
export function replenishmentChecks(forecasts: readonly ForecastPeriod[], stock: readonly StockLevel[], asOf: string, defaultLeadTimeDays = DEFAULT_LEAD_TIME_DAYS): ReplenishmentCheck[] {
  if (!Number.isInteger(defaultLeadTimeDays) || defaultLeadTimeDays < 1) throw new RangeError(`lead time must be a whole number of days >= 1, received ${defaultLeadTimeDays}`);
  const onHand = new Map(stock.map((s) => [s.series_id, s]));
  const bySeries = new Map<string, { periods: ForecastPeriod[]; version: string }>();
  for (const f of forecasts) {
    const e = bySeries.get(f.series_id) ?? { periods: [], version: f.model_version };
    e.periods.push(f);
    bySeries.set(f.series_id, e);
  }
  const checks: ReplenishmentCheck[] = [];
  for (const [id, f] of bySeries) {
    const s = onHand.get(id);
    if (s === undefined) continue;
    const lead = s.lead_time_days !== null && s.lead_time_days !== undefined && s.lead_time_days >= 1 ? Math.round(s.lead_time_days) : defaultLeadTimeDays;
    // Forecast periods start the day after the forecast's as-of; a week grain is 7 days.
    const demand = f.periods.reduce((sum, p) => sum + p.forecast * leadTimeOverlap(p.period_start, 7, asOf, lead), 0);
    const cut = id.lastIndexOf('|');
    const forecastUnits = Math.max(0, demand);
    checks.push({
      store_id: id.slice(cut + 1),
      sku: `category:${id.slice(0, cut)}`,
      as_of: asOf,
      on_hand_units: s.on_hand,
      forecast_units: forecastUnits,
      lead_time_days: lead,
      due: forecastUnits > s.on_hand,
      model_version: f.version,
    });
  }
  return checks;
}

export function checkKey(c: Pick<ReplenishmentCheck, 'store_id' | 'sku'>): string {
  return `${c.store_id}|${c.sku}`;
}

/** Events for the series that became due: due now, not due at the previous check (keys from `checkKey`). */
export function replenishmentDueEvents(checks: readonly ReplenishmentCheck[], previouslyDue: ReadonlySet<string>, asOf: string): ModelEvent[] {
  const round = (v: number) => Math.round(v * 100) / 100;
  return checks
    .filter((c) => c.due && !previouslyDue.has(checkKey(c)))
    .map((c) => ({
      detailType: 'ReplenishmentDue',
      detail: {
        event_id: eventId('ReplenishmentDue', checkKey(c), ['due', asOf]),
        store_id: c.store_id,
        sku: c.sku,
        as_of: asOf,
        on_hand_units: c.on_hand_units,
        forecast_units: round(c.forecast_units),
        lead_time_days: c.lead_time_days,
        suggested_order_units: Math.max(0, Math.ceil(c.forecast_units - c.on_hand_units)),
        reasons: [
          { factor: 'forecast_units', meaning: `Forecast demand over the next ${c.lead_time_days} days`, value: round(c.forecast_units) },
          { factor: 'on_hand_units', meaning: 'Units on hand across the category at the store', value: c.on_hand_units },
        ],
        model_version: c.model_version,
      },
    }));
}
