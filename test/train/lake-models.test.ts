/** train forecast | recs | sentiment from the lake: cards in the model store, demand_forecasts written after as-of. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

beforeAll(async () => {
  lake = await copyOfTrainedLake();
  for (const model of ['forecast', 'recs', 'sentiment'] as const) await trainModels({ lakeDir: lake, model, asOf: FIXTURE.asOf, now: fixedNow });
  const store = new LocalModelStore(lake);
  for (const name of ['forecast', 'recs', 'sentiment']) cards[name] = readArtifacts(await store.get(name, 'latest')).card;
});

describe('train forecast, recs and sentiment on a generated retailer', () => {
  it('forecasts category x store weekly series from order lines, horizon periods after as-of, with WAPE beside seasonal naive', async () => {
    const c = cards.forecast!;
    expect(c.version).toMatch(new RegExp(`^forecast-${FIXTURE.asOf}-[0-9a-f]{8}$`));
    expect(c.metrics.validation_wape).toBeGreaterThan(0);
    expect(c.metrics.validation_wape_seasonal_naive).toBeGreaterThan(0);
    const rows = await readRows(lake, `demand_forecasts/as_of=${FIXTURE.asOf}`, DEMAND_FORECAST_COLUMNS);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows.slice(0, 50)) {
      expect(String(r.period_start).slice(0, 10) > FIXTURE.asOf).toBe(true);
      expect(String(r.series_id)).toMatch(/\|/);
      expect(Number(r.lower)).toBeLessThanOrEqual(Number(r.forecast));
      expect(r.model_version).toBe(c.version);
    }
  });
  it('recs reports hit rate @10 beside most-popular; sentiment reports cross-validated AUC', () => {
    expect(cards.recs!.metrics.backtest_hit_rate_at_10).toBeGreaterThan(0);
    expect(cards.recs!.metrics.backtest_popularity_hit_rate_at_10).not.toBeUndefined();
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
