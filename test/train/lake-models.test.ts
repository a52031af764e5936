/** train forecast | recs | sentiment from the lake: cards in the model store, demand_forecasts written after as-of. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDB, queryRows, sqlString } from '../../src/adapters/local/duckdb.ts';
import { importSeries, parseFieldMap, SERIES_FIELDS } from '../../src/ingest/table-import.ts';
import { LocalModelStore, readArtifacts, type ModelCard } from '../../src/models/index.ts';
import { readRows } from '../../src/score/parquet.ts';
import { DEMAND_FORECAST_COLUMNS } from '../../src/train/lake-models.ts';
import { trainModels } from '../../src/train/train.ts';
import { copyOfTrainedLake, FIXTURE, fixedNow } from './fixture-lake.ts';

let lake: string;
const cards: Record<string, ModelCard> = {};
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-series-'));
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
  if (lake) fs.rmSync(lake, { recursive: true, force: true });
});

describe('train forecast, recs and sentiment on a generated retailer', () => {
  // Only this describe waits for the shared trained lake; the imported-series test below needs none.
  beforeAll(async () => {
    lake = await copyOfTrainedLake();
    for (const model of ['forecast', 'recs', 'sentiment'] as const) await trainModels({ lakeDir: lake, model, asOf: FIXTURE.asOf, now: fixedNow });
    const store = new LocalModelStore(lake);
    for (const name of ['forecast', 'recs', 'sentiment']) cards[name] = readArtifacts(await store.get(name, 'latest')).card;
  });

  it('forecasts category x store weekly series from order lines, 13 weeks after as-of, beating seasonal naive', async () => {
    const c = cards.forecast!;
    expect(c.version).toMatch(new RegExp(`^forecast-${FIXTURE.asOf}-[0-9a-f]{8}$`));
    expect(c.metrics.validation_wape).toBeGreaterThan(0);
    expect(c.metrics.validation_wape!).toBeLessThan(c.metrics.validation_wape_seasonal_naive!);

    // The series, by a second path: the curated order-line files and the generator's product catalogue, not the views.
    const conn = await openDuckDB();
    const expected = (
      await queryRows(
        conn,
        `select distinct coalesce(p.category, 'uncategorised') || '|' || l.store_id as series_id
         from read_parquet(${sqlString(path.join(lake, 'curated', 'order_lines', '**', '*.parquet'))}, hive_partitioning = false) as l
         left join read_csv(${sqlString(path.join(lake, 'landing', 'fixture', 'batch', 'products.csv'))}, header = true, all_varchar = true) as p on p.sku = l.sku
         where l.order_status = 'placed' and cast(l.occurred_at as date) <= date '${FIXTURE.asOf}'`,
      )
    )
      .map((r) => String(r.series_id))
      .sort();
    conn.closeSync();
    expect(expected.length).toBeGreaterThan(5);

    const rows = await readRows(lake, `demand_forecasts/as_of=${FIXTURE.asOf}`, DEMAND_FORECAST_COLUMNS);
    expect(rows).toHaveLength(expected.length * 13);
    expect([...new Set(rows.map((r) => String(r.series_id)))].sort()).toEqual(expected);
    // Weeks end on as-of: the first forecast week starts the day after, then every 7 days.
    const weeks = Array.from({ length: 13 }, (_, k) => new Date(Date.parse(`${FIXTURE.asOf}T00:00:00Z`) + (1 + 7 * k) * 86_400_000).toISOString().slice(0, 10));
    for (const id of expected) {
      expect(rows.filter((r) => r.series_id === id).map((r) => String(r.period_start).slice(0, 10)).sort(), id).toEqual(weeks);
    }
    for (const r of rows) {
      expect(Number(r.lower)).toBeLessThanOrEqual(Number(r.forecast));
      expect(r.model_version).toBe(c.version);
    }
  });
  it('recs compare with most-popular on hit rate @10 and warn on the card when they do not beat it', () => {
    const m = cards.recs!.metrics;
    expect(m.backtest_customers).toBeGreaterThan(20);
    // A known weakness, asserted as it stands: on this 400-customer fixture item-to-item similarity loses to the
    // bestsellers (0.418 vs 0.484), and the card must say so. A better recommender fails this test on purpose:
    // then assert it beats most-popular and carries no warning.
    expect(m.backtest_hit_rate_at_10).toBeCloseTo(0.418, 3);
    expect(m.backtest_popularity_hit_rate_at_10).toBeCloseTo(0.484, 3);
    expect(cards.recs!.warnings).toEqual(['Recommendations do not beat most-popular on the backtest: hit rate @10 0.418 against 0.484 for the most popular products (122 customers). Too few customers share purchases for item-to-item similarity to help yet; treat next_best_products as a bestseller list.']);
  });
  it('sentiment reports cross-validated AUC', () => {
    expect(cards.sentiment!.metrics.cv_auc).toBeGreaterThan(0.7);
  });
});

describe('train forecast on imported series', () => {
  it('reads demand_series and forecasts the horizon periods after as-of', async () => {
    const lines = ['id,week,v,h'];
    const start = Date.UTC(2020, 0, 6);
    for (const id of ['a', 'b', 'c'])
      for (let k = 0; k < 160; k++) {
        const v = 100 + (id === 'b' ? 50 : 0) + 30 * Math.sin((2 * Math.PI * k) / 52) + k * 0.2 + ((k * 7919) % 11);
        lines.push(`${id},${new Date(start + k * 7 * 86_400_000).toISOString().slice(0, 10)},${v.toFixed(2)},${k % 52 === 47 ? 1 : 0}`);
      }
    fs.writeFileSync(path.join(tmp, 's.csv'), lines.join('\n') + '\n');
    const dir = path.join(tmp, 'lake');
    await importSeries([path.join(tmp, 's.csv')], { lakeDir: dir, map: parseFieldMap('series_id=id,date=week,value=v,holiday=h', SERIES_FIELDS, ['series_id']) });
    const asOf = new Date(start + 140 * 7 * 86_400_000).toISOString().slice(0, 10);
    const s = await trainModels({ lakeDir: dir, model: 'forecast', asOf, horizonPeriods: 8, now: fixedNow });
    expect(s.models[0]!.name).toBe('forecast');
    const rows = await readRows(dir, `demand_forecasts/as_of=${asOf}`, DEMAND_FORECAST_COLUMNS);
    expect(rows.length).toBe(3 * 8);
    expect(new Set(rows.map((r) => r.series_id))).toEqual(new Set(['a', 'b', 'c']));
  });
});
