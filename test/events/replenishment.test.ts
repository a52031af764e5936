/** ReplenishmentDue: forecast demand over the lead time vs stock summed to category x store, emitted on change only. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateDetail } from '../../src/events/bus.ts';
import { replenishmentEvents } from '../../src/events/replenishment.ts';
import { loadBatchTable } from '../../src/ingest/batch-tables.ts';
import { writeRows } from '../../src/score/parquet.ts';
import { DEMAND_FORECAST_COLUMNS } from '../../src/train/lake-models.ts';

const lake = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-replenish-'));
afterAll(() => fs.rmSync(lake, { recursive: true, force: true }));

async function forecasts(asOf: string, perWeek: Record<string, number>): Promise<void> {
  const rows = Object.entries(perWeek).flatMap(([series_id, f]) =>
    [1, 8].map((d) => ({ series_id, period_start: new Date(Date.parse(asOf) + d * 86_400_000).toISOString().slice(0, 10), forecast: f, lower: 0, upper: 2 * f, model_version: 'forecast-test', as_of: asOf })),
  );
  await writeRows({ lakeDir: lake, relDir: `demand_forecasts/as_of=${asOf}`, columns: DEMAND_FORECAST_COLUMNS, rows, mode: 'replace' });
}

describe('replenishmentEvents', () => {
  it('sums stock over the category, compares it with 7 days of forecast, and emits only when a series becomes due', async () => {
    const csv = (name: string, text: string) => {
      const p = path.join(lake, name);
      fs.writeFileSync(p, text);
      return p;
    };
    await loadBatchTable('products', csv('p.csv', 'sku,name,category,subcategory,brand,list_price,currency,is_active\nA1,a,Shoes,x,b,1.00,CNY,true\nA2,a2,Shoes,x,b,1.00,CNY,true\nB1,b,Toys,x,b,1.00,CNY,true\n'), { lakeDir: lake });
    await loadBatchTable(
      'stock_snapshots',
      csv('s.csv', 'snapshot_date,store_id,sku,on_hand\n2025-06-01,S1,A1,100\n2025-06-10,S1,A1,10\n2025-06-10,S1,A2,5\n2025-06-10,S1,B1,50\n2025-06-20,S1,B1,0\n'),
      { lakeDir: lake },
    );
    await forecasts('2025-06-10', { 'Shoes|S1': 20, 'Toys|S1': 20, 'Other|S9': 99, walmart_1: 5 });
    const first = await replenishmentEvents(lake, '2025-06-10');
    expect(first.checked).toBe(2); // no stock for Other|S9, imported series skipped
    expect(first.events).toHaveLength(1);
    const d = validateDetail('ReplenishmentDue', first.events[0]!.detail);
    expect(d).toMatchObject({ store_id: 'S1', sku: 'category:Shoes', on_hand_units: 15, forecast_units: 20, lead_time_days: 7, suggested_order_units: 5 });
    // Same data again: same event id (the publisher's ledger drops it).
    expect((await replenishmentEvents(lake, '2025-06-10')).events.map((e) => e.detail.event_id)).toEqual([d.event_id]);
    // Next check: Shoes still due (no new event), Toys becomes due with its stock at 0.
    await forecasts('2025-06-20', { 'Shoes|S1': 20, 'Toys|S1': 20 });
    const next = await replenishmentEvents(lake, '2025-06-20');
    expect(next.due).toBe(2);
    expect(next.events.map((e) => (e.detail as { sku: string }).sku)).toEqual(['category:Toys']);
  });
});
