/** train forecast | recs | sentiment from the lake: cards in the model store, demand_forecasts written after as-of. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDB, queryRows, sqlString } from '../../src/adapters/local/duckdb.ts';
import { importSeries, parseFieldMap, SERIES_FIELDS } from '../../src/ingest/table-import.ts';
import { openLakeCatalog } from '../../src/lake/local-catalog.ts';
import { LocalModelStore, readArtifacts, type ModelCard } from '../../src/models/index.ts';
import { readRows } from '../../src/score/parquet.ts';
import { DEMAND_FORECAST_COLUMNS } from '../../src/train/lake-models.ts';
import { trainModels } from '../../src/train/train.ts';
import { copyOfTrainedLake, FIXTURE, fixedNow } from './fixture-lake.ts';

let lake: string;

interface Ranking {
  readonly hitRate: number;
  readonly map: number;
  readonly recall: number;
}

/**
 * The recs backtest's baselines by a second path, in SQL over the lake's order lines: customers who bought before
 * the cut-off and bought, in the next `days`, a product they had not bought in the 30 days before it; for each, the
 * top 10 of (a) the products most customers bought in the 90 days before the cut-off (ties: more customers ever,
 * then SKU) and (b) their own products by sum of 0.5 ^ (days ago / 90) over their orders, then the same
 * bestsellers; neither list holds a product the customer bought in the 30 days before the cut-off.
 */
async function baselinesInSql(lakeDir: string, cutOff: string, days: number): Promise<{ customers: number; popular: Ranking; repeat: Ranking }> {
  const cat = await openLakeCatalog(lakeDir);
  const cut = `date '${cutOff}'`;
  const metrics = (list: string) => `
    hits_${list} as (
        select t.customer_id, l.pos, row_number() over (partition by t.customer_id order by l.pos) as found
        from targets t join ${list} l on l.customer_id = t.customer_id and l.item_id = t.item_id and l.pos <= 10
    ),
    per_customer_${list} as (
        select n.customer_id, n.bought, count(h.pos) as hits, coalesce(sum(h.found / h.pos), 0) as precisions
        from target_counts n left join hits_${list} h on h.customer_id = n.customer_id
        group by n.customer_id, n.bought
    ),
    final_${list} as (
        select avg(case when hits > 0 then 1e0 else 0e0 end) as hit_rate, avg(precisions / least(bought, 10)) as map, avg(hits / bought) as recall
        from per_customer_${list}
    )`;
  try {
    const rows = await queryRows(
      cat.conn,
      `with purchases as (
          select coalesce(customer_key, member_id) as customer_id, sku as item_id,
                 cast(strftime(min(ordered_at), '%Y-%m-%d') as date) as d
          from int_order_lines
          where order_status = 'placed' and sku is not null and coalesce(customer_key, member_id) is not null
          group by 1, 2, order_key
      ),
      before as (
          select customer_id, item_id, max(d) as last_day, sum(pow(0.5, datediff('day', d, ${cut}) / 90e0)) as repeat_weight
          from purchases where d <= ${cut} group by 1, 2
      ),
      ranked_popular as (
          select item_id, row_number() over (
              order by count(*) filter (where last_day > ${cut} - 90) desc, count(*) desc, item_id) as popular_rank
          from before group by item_id
      ),
      targets as (
          select distinct p.customer_id, p.item_id
          from purchases p
          join (select distinct customer_id from before) c on c.customer_id = p.customer_id
          left join before b on b.customer_id = p.customer_id and b.item_id = p.item_id
          where p.d > ${cut} and p.d <= ${cut} + ${days} and (b.last_day is null or b.last_day <= ${cut} - 30)
      ),
      target_counts as (select customer_id, count(*) as bought from targets group by customer_id),
      candidates as (
          select n.customer_id, r.item_id, r.popular_rank, b.repeat_weight
          from target_counts n cross join ranked_popular r
          left join before b on b.customer_id = n.customer_id and b.item_id = r.item_id
          where b.last_day is null or b.last_day <= ${cut} - 30
      ),
      popular as (select customer_id, item_id, row_number() over (partition by customer_id order by popular_rank) as pos from candidates),
      repeat as (
          select customer_id, item_id,
                 -- rounded: a sum in another order must not split what is a tie (same days) in the model
                 row_number() over (partition by customer_id order by repeat_weight is null, round(repeat_weight, 9) desc, popular_rank) as pos
          from candidates
      ),
      ${metrics('popular')},
      ${metrics('repeat')}
      select (select count(*) from target_counts) as customers, p.hit_rate as p_hit, p.map as p_map, p.recall as p_recall,
             r.hit_rate as r_hit, r.map as r_map, r.recall as r_recall
      from final_popular p cross join final_repeat r`,
    );
    const r = rows[0]!;
    return {
      customers: Number(r.customers),
      popular: { hitRate: Number(r.p_hit), map: Number(r.p_map), recall: Number(r.p_recall) },
      repeat: { hitRate: Number(r.r_hit), map: Number(r.r_map), recall: Number(r.r_recall) },
    };
  } finally {
    cat.close();
  }
}
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
  it('recs beat most-popular on the held-out month, most-popular and repeat-only recomputed here in SQL', async () => {
    const m = cards.recs!.metrics;
    const sql = await baselinesInSql(lake, '2025-12-01', 30);
    // The backtest refits as of as-of - 30 days and scores the purchases of the 30 days after: the same customers.
    expect(m.backtest_customers).toBe(sql.customers);
    expect(sql.customers).toBeGreaterThan(100);
    expect(m.backtest_popularity_hit_rate_at_10).toBeCloseTo(sql.popular.hitRate, 12);
    expect(m.backtest_popularity_map_at_10).toBeCloseTo(sql.popular.map, 12);
    expect(m.backtest_popularity_recall_at_10).toBeCloseTo(sql.popular.recall, 12);
    expect(m.backtest_repeat_hit_rate_at_10).toBeCloseTo(sql.repeat.hitRate, 12);
    expect(m.backtest_repeat_map_at_10).toBeCloseTo(sql.repeat.map, 12);

    // The recommender beats the bestseller list on hit rate and MAP @10, so the card carries no warning.
    expect(m.backtest_hit_rate_at_10).toBeGreaterThan(sql.popular.hitRate);
    expect(m.backtest_map_at_10).toBeGreaterThan(sql.popular.map);
    expect(m.backtest_map_at_10).toBeGreaterThan(sql.repeat.map);
    expect(cards.recs!.warnings ?? []).toEqual([]);
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
