/**
 * The Lambda insights refresh against the local lake: its Athena SQL runs here on DuckDB (and parses as Trino), and
 * every job gives what the local train / score path gives on the same lake — same series and purchases, the same
 * forecast rows and model version, the same recommendations, the same replenishment checks and event ids.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TrinoSQL } from 'dt-sql-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recommend, parseRecsModel, MODEL_JSON as RECS_JSON } from '../../models/recs/index.ts';
import { queryRows } from '../../src/adapters/local/duckdb.ts';
import type { BusEntry, EventBus } from '../../src/events/bus.ts';
import { replenishmentEvents } from '../../src/events/replenishment.ts';
import { loadBatchTable } from '../../src/ingest/batch-tables.ts';
import { dueChecksSql, latestForecastSql, recsPurchasesSql, stockLevelsSql, weeklyOrderSeriesSql } from '../../src/insights/queries.ts';
import { purchasesFromRows, seriesFromWeeklyRows, type PartitionWriter, type RowReader, type TextRow } from '../../src/insights/refresh.ts';
import type { InsightsTable } from '../../src/insights/tables.ts';
import { REPLENISHMENT_CHECK_COLUMNS } from '../../src/insights/tables.ts';
import { openLakeCatalog } from '../../src/lake/local-catalog.ts';
import { LocalModelStore, type ModelFiles, type ModelStore, type StoredModel } from '../../src/models/index.ts';
import { readRows, writeRows } from '../../src/score/parquet.ts';
import { readDemandSeries, readRecsPurchases, trainForecastFromLake } from '../../src/train/lake-models.ts';
import { runRefresh } from '../../lambdas/insights-refresh/run.ts';
import { insightsRefreshEnv } from '../../lambdas/insights-refresh/config.ts';
import { copyOfTrainedLake, FIXTURE, fixedNow } from '../train/fixture-lake.ts';

/** RowReader over the local lake's DuckDB views, returning text like Athena. */
function duckReader(lake: string): RowReader {
  const text = (v: unknown) => (v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : String(v));
  return {
    async rows(sql) {
      const cat = await openLakeCatalog(lake);
      try {
        return (await queryRows(cat.conn, sql)).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, text(v)])) as TextRow);
      } finally {
        cat.close();
      }
    },
    async columns(table) {
      const cat = await openLakeCatalog(lake);
      try {
        if (!cat.views.includes(table)) return null;
        return (await queryRows(cat.conn, `select column_name from (describe ${table})`)).map((r) => String(r.column_name));
      } finally {
        cat.close();
      }
    },
  };
}

/** PartitionWriter into curated/<table>/<key>=<value>/ as Parquet (what Athena's INSERT produces). */
const written: Record<string, Record<string, unknown>[]> = {};
function lakeWriter(lake: string): PartitionWriter {
  return {
    async replacePartition(table: InsightsTable, value, rows) {
      written[`${table.name}/${value}`] = [...rows];
      await writeRows({ lakeDir: lake, relDir: `${table.path}/${table.partition.name}=${value}`, columns: table.dataColumns, rows, mode: 'replace' });
    },
  };
}

class MemoryStore implements ModelStore {
  readonly models = new Map<string, StoredModel>();
  async put(name: string, version: string, files: ModelFiles) {
    this.models.set(name, { name, version, files });
  }
  async get(name: string) {
    return this.models.get(name)!;
  }
  async versions(name: string) {
    const m = this.models.get(name);
    return m ? [m.version] : [];
  }
}

let lake: string;
const env = insightsRefreshEnv.parse({ ATHENA_WORKGROUP: 'wg', GLUE_DATABASE: 'db', CURATED_LOCATION: 's3://curated/', MODEL_BUCKET: 'models', EVENT_BUS_NAME: 'retail-lake-test' });
const published: BusEntry[] = [];
const bus: EventBus = { putEvents: async (e) => void published.push(...e) };

beforeAll(async () => {
  lake = await copyOfTrainedLake();
  await loadBatchTable('stock_snapshots', path.join(lake, 'landing', 'fixture', 'batch', 'stock_snapshots.csv'), { lakeDir: lake });
}, 600_000);
afterAll(() => {
  if (lake) fs.rmSync(lake, { recursive: true, force: true });
});

describe('insights SQL', () => {
  it('parses as Trino (Athena engine v3)', () => {
    for (const sql of [weeklyOrderSeriesSql('2025-12-31'), recsPurchasesSql('2025-12-31'), latestForecastSql('2025-12-31'), stockLevelsSql('2025-12-31', true), dueChecksSql('2025-12-31', 'before')]) {
      expect(new TrinoSQL().validate(sql).map((e) => e.message)).toEqual([]);
    }
  });

  it('rejects an as-of that is not a date', () => {
    expect(() => weeklyOrderSeriesSql("2025-12-31' or 1=1 --")).toThrow(/expected a date YYYY-MM-DD/);
  });

  it('reads the same weekly series and purchases as the local train path', async () => {
    const reader = duckReader(lake);
    const local = await readDemandSeries(lake, FIXTURE.asOf);
    expect(local.source).toBe('order_lines');
    expect(seriesFromWeeklyRows(await reader.rows(weeklyOrderSeriesSql(FIXTURE.asOf)), FIXTURE.asOf)).toEqual(local.series);
    expect(purchasesFromRows(await reader.rows(recsPurchasesSql(FIXTURE.asOf)))).toEqual(await readRecsPurchases(lake, FIXTURE.asOf));
  });
});

describe('insights refresh handler', () => {
  it('forecast: retrains and writes the same demand_forecasts rows and model version as train forecast', async () => {
    const store = new MemoryStore();
    const r = await runRefresh({ job: 'forecast', as_of: FIXTURE.asOf }, { env, reader: duckReader(lake), writer: lakeWriter(lake), store, bus, now: fixedNow });
    const local = await trainForecastFromLake({ lakeDir: lake, asOf: FIXTURE.asOf, horizonPeriods: env.HORIZON_PERIODS, now: fixedNow });
    expect(r).toMatchObject({ job: 'forecast', mode: 'retrain', version: local.version, rows: local.rows.length });
    expect(written[`demand_forecasts/${FIXTURE.asOf}`]).toEqual(local.rows);
    expect(Object.keys(store.models.get('forecast')!.files).sort()).toEqual(['card.json', 'card.md', 'model.json', 'model.onnx']);
  });

  it('recs: applies the latest stored model and writes the local top 10 per customer', async () => {
    const store = new LocalModelStore(lake);
    const r = await runRefresh({ job: 'recs', as_of: FIXTURE.asOf }, { env, reader: duckReader(lake), writer: lakeWriter(lake), store, bus, now: fixedNow });
    const model = parseRecsModel((await store.get('recs', 'latest')).files[RECS_JSON]!);
    const lists = recommend(model, await readRecsPurchases(lake, FIXTURE.asOf), { k: 10, asOf: FIXTURE.asOf });
    expect(r).toMatchObject({ job: 'recs', mode: 'apply', version: model.version, customers: lists.size });
    const rows = written[`next_best_products/${FIXTURE.asOf}`]!;
    const byCustomer = new Map<string, string[]>();
    for (const x of rows) byCustomer.set(String(x.customer_id), [...(byCustomer.get(String(x.customer_id)) ?? []), String(x.sku)]);
    expect(byCustomer).toEqual(new Map([...lists].map(([c, l]) => [c, l.map((x) => x.item_id)])));
  });

  it('replenishment: the same checks and event ids as the local score path, and nothing again on a rerun', async () => {
    const asOf = FIXTURE.asOf;
    const local = await replenishmentEvents(lake, asOf, env.LEAD_TIME_DAYS);
    const localChecks = await readRows(lake, `replenishment_checks/dt=${asOf}`, REPLENISHMENT_CHECK_COLUMNS);
    fs.rmSync(path.join(lake, 'curated', 'replenishment_checks'), { recursive: true, force: true });
    expect(local.checked).toBeGreaterThan(0);

    const r = await runRefresh({ job: 'replenishment', as_of: asOf }, { env, reader: duckReader(lake), writer: lakeWriter(lake), store: new MemoryStore(), bus, now: fixedNow });
    expect(r).toMatchObject({ checked: local.checked, due: local.due, published: local.events.length });
    const sort = (rows: Record<string, unknown>[]) => rows.map((x): Record<string, unknown> => ({ ...x, dt: undefined })).sort((a, b) => `${String(a.store_id)}${String(a.sku)}`.localeCompare(`${String(b.store_id)}${String(b.sku)}`));
    expect(sort(written[`replenishment_checks/${asOf}`]!)).toEqual(sort(localChecks).map((x) => ({ ...x, forecast_units: expect.closeTo(x.forecast_units as number, 9) })));
    expect(published.map((e) => (JSON.parse(e.Detail) as { event_id: string }).event_id).sort()).toEqual(local.events.map((e) => e.detail.event_id).sort());
    expect(published.every((e) => e.DetailType === 'ReplenishmentDue' && e.EventBusName === 'retail-lake-test')).toBe(true);

    published.length = 0;
    const again = await runRefresh({ job: 'replenishment', as_of: asOf }, { env, reader: duckReader(lake), writer: lakeWriter(lake), store: new MemoryStore(), bus, now: fixedNow });
    expect(again).toMatchObject({ published: 0, alreadyPublished: local.events.length });
    expect(published).toEqual([]);
  });

  // A first night in AWS (issue 20): the daily recs apply fires before any recs model was pushed or retrained.
  it('has nothing to do, and says so, when the model an apply needs is not stored yet; writes nothing', async () => {
    const before = Object.keys(written).length;
    const deps = { env, reader: duckReader(lake), writer: lakeWriter(lake), store: new MemoryStore(), bus, now: fixedNow };
    expect(await runRefresh({ job: 'recs', mode: 'apply', as_of: FIXTURE.asOf }, deps)).toEqual({ job: 'recs', asOf: FIXTURE.asOf, nothingToDo: expect.stringMatching(/no stored recs model/) });
    expect(await runRefresh({ job: 'forecast', mode: 'apply', as_of: FIXTURE.asOf }, deps)).toEqual({ job: 'forecast', asOf: FIXTURE.asOf, nothingToDo: expect.stringMatching(/no stored forecast model/) });
    expect(Object.keys(written).length).toBe(before);
  });

  it('rejects a request without a known job, naming what it expects', async () => {
    await expect(runRefresh({ job: 'churn' }, { env, reader: duckReader(lake), writer: lakeWriter(lake), store: new MemoryStore(), bus })).rejects.toThrow(/refresh request job: .*expected \{"job": "forecast" \| "recs" \| "replenishment"/);
  });
});
