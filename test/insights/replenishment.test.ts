/** The shared ReplenishmentDue rule: lead time per series or by default, change-only events. */
import { describe, expect, it } from 'vitest';
import { validateDetail } from '../../src/events/bus.ts';
import { localConfig } from '../../src/config/local.ts';
import { replenishmentChecks, replenishmentDueEvents } from '../../src/insights/replenishment.ts';

const week = (series_id: string, period_start: string, forecast: number) => ({ series_id, period_start, forecast, model_version: 'forecast-t' });
// Two weekly periods after 2025-06-10: 70 units a week = 10 a day.
const forecasts = [week('Shoes|S1', '2025-06-11', 70), week('Shoes|S1', '2025-06-18', 70), week('Toys|S1', '2025-06-11', 70), week('Toys|S1', '2025-06-18', 70)];

describe('replenishmentChecks', () => {
  it('covers the configured default lead time when the stock table has none', () => {
    const c = replenishmentChecks(forecasts, [{ series_id: 'Shoes|S1', on_hand: 100 }], '2025-06-10', 14);
    expect(c).toEqual([expect.objectContaining({ store_id: 'S1', sku: 'category:Shoes', lead_time_days: 14, forecast_units: 140, due: true })]);
  });

  it('uses a per-series lead time from the stock table over the default', () => {
    const c = replenishmentChecks(forecasts, [{ series_id: 'Shoes|S1', on_hand: 100, lead_time_days: 3 }, { series_id: 'Toys|S1', on_hand: 100, lead_time_days: null }], '2025-06-10', 14);
    expect(c.map((x) => [x.sku, x.lead_time_days, x.forecast_units, x.due])).toEqual([
      ['category:Shoes', 3, 30, false],
      ['category:Toys', 14, 140, true],
    ]);
  });

  it('rejects a lead time below one day', () => {
    expect(() => replenishmentChecks(forecasts, [], '2025-06-10', 0)).toThrow(/lead time must be a whole number of days >= 1, received 0/);
  });
});

describe('replenishmentDueEvents', () => {
  it('emits only for series that were not due at the previous check, naming the lead time used', () => {
    const checks = replenishmentChecks(forecasts, [{ series_id: 'Shoes|S1', on_hand: 10, lead_time_days: 5 }, { series_id: 'Toys|S1', on_hand: 10 }], '2025-06-10', 7);
    const events = replenishmentDueEvents(checks, new Set(['S1|category:Toys']), '2025-06-10');
    expect(events).toHaveLength(1);
    const d = validateDetail('ReplenishmentDue', events[0]!.detail);
    expect(d).toMatchObject({ sku: 'category:Shoes', lead_time_days: 5, forecast_units: 50, suggested_order_units: 40 });
    expect(d.reasons[0]!.meaning).toBe('Forecast demand over the next 5 days');
  });
});

describe('RETAIL_LAKE_LEAD_TIME_DAYS', () => {
  it('defaults to 7 days and takes a whole number of days', () => {
    expect(localConfig({}).leadTimeDays).toBe(7);
    expect(localConfig({ RETAIL_LAKE_LEAD_TIME_DAYS: '21' }).leadTimeDays).toBe(21);
  });

  it('fails naming the variable on a bad value', () => {
    expect(() => localConfig({ RETAIL_LAKE_LEAD_TIME_DAYS: '2.5' })).toThrow(/RETAIL_LAKE_LEAD_TIME_DAYS: must be a whole number of days \(received "2.5"\)/);
  });
});
