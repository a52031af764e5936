import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDB, sqlString } from '../../src/adapters/local/duckdb.ts';
import { ingestJsonl } from '../../src/ingest/local-pipeline.ts';
import { openLakeCatalog } from '../../src/lake/local-catalog.ts';
import { collectReportData, RUN, type ReportData } from '../../src/report/data.ts';
import { refreshTags } from '../../src/tags/refresh.ts';
import { createPii } from '../../src/cleanse/pii.ts';
import { DEVELOPMENT_PII_KEY } from '../../src/config/local.ts';
import { erasePeople } from '../../src/privacy/erase.ts';
import { buildCharts } from '../../src/report/charts.ts';
import { reportBody } from '../../src/report/render.ts';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/events/small.jsonl');
let lake: string;

async function collect(asOf?: string): Promise<ReportData> {
  const cat = await openLakeCatalog(lake);
  try {
    return await collectReportData(cat.conn, { lakeDir: lake, asOf });
  } finally {
    cat.close();
  }
}

/** Writes rows (a SELECT) as one Parquet file under the lake. */
async function writeParquet(rel: string, select: string): Promise<void> {
  const file = path.join(lake, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const conn = await openDuckDB();
  try {
    await conn.run(`copy (${select}) to ${sqlString(file)} (format parquet)`);
  } finally {
    conn.closeSync();
  }
}

/** The section, asserted available (a failed expectation, never a silently skipped check). */
function available<T extends { available: boolean }>(section: T): Extract<T, { available: true }> {
  expect(section.available, 'section should be available').toBe(true);
  return section as Extract<T, { available: true }>;
}

const reasons = (meaning: string) => JSON.stringify([{ feature: 'recency_days', meaning, value: 40, contribution: 0.7 }]).replaceAll("'", "''");

beforeAll(async () => {
  lake = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-report-data-'));
  await ingestJsonl([FIXTURE], { lakeDir: lake });
}, 60_000);
afterAll(() => fs.rmSync(lake, { recursive: true, force: true }));

describe('collectReportData', () => {
  it('reconciles pipeline health with what ingest reported: 6 received = 3 clean + 2 quarantined + 1 duplicate', async () => {
    const pipeline = available((await collect()).pipeline);
    expect(pipeline.totals).toMatchObject({ raw: 6, clean: 3, quarantined: 2, duplicates: 1 });
    expect(Object.fromEntries(pipeline.byReason.map((r) => [r.reason, r.records]))).toEqual({ 'value.out_of_range': 1, 'json.malformed': 1 });
    // Clean events by UTC day: pos-1 (2025-03-01 10:00 Shanghai), web-1 (03-02 10:00+08) and app-1 (03-02 07:20Z).
    expect(pipeline.byDay.map((x) => [x.day, x.clean])).toEqual([
      ['2025-03-01', 1],
      ['2025-03-02', 2],
    ]);
  });

  it('shows every later stage as not available yet, with the command that makes it', async () => {
    const d = await collect();
    expect(d.tags).toEqual({ available: false, table: 'customer_tags', run: RUN.tags });
    expect(d.churn).toEqual({ available: false, table: 'customer_scores', run: RUN.scores });
    expect(d.clv.available || d.segments.available).toBe(false);
    expect(d.forecasts).toEqual({ available: false, table: 'demand_forecasts', run: RUN.forecasts });
    expect(d.events).toEqual({ available: false, table: 'events/', run: RUN.events });
    expect(d.coupons).toEqual({ available: false, table: 'coupons', run: RUN.coupons });
    // The fixture has no carrier events (the delivery section: test/report/delivery-section.test.ts).
    expect(d.deliveries).toEqual({ available: false, table: 'stg_deliveries', run: RUN.deliveries });
  });

  it('fills the tag sections once customer_tags is materialised', async () => {
    await refreshTags({ lakeDir: lake });
    const tags = available((await collect()).tags);
    const cat = await openLakeCatalog(lake);
    const [row] = (await cat.conn.runAndReadAll('select count(*)::int as n, count(case when orders_total > 0 then 1 end)::int as p from customer_tags')).getRowObjects();
    cat.close();
    expect(tags.customers).toBe(row!.n);
    expect(tags.purchasers).toBe(row!.p);
    expect(tags.lifecycle.reduce((a, s) => a + s.customers, 0)).toBe(tags.customers);
    expect(tags.rfmGrid.reduce((a, c) => a + c.customers, 0)).toBe(tags.rfmSegments.reduce((a, s) => a + s.customers, 0));
  });

  it('ranks at-risk customers by CLV, bins churn and CLV, and profiles segments from customer_scores', async () => {
    await writeParquet(
      'curated/customer_scores/dt=2025-03-02/part-0.parquet',
      `select * from (values
        ('ck_a', 'M1', date '2025-03-02', 'Loyal', false, 0.10, 10.0, '${reasons('a')}', 'seg-v1', 'churn-v1', 'clv-v1'),
        ('ck_b', 'M2', date '2025-03-02', 'Loyal', false, 0.55, 500.0, '${reasons('b')}', 'seg-v1', 'churn-v1', 'clv-v1'),
        ('ck_c', null, date '2025-03-02', 'Lapsed', true, 0.90, 50.0, 'not json', 'seg-v1', 'churn-v1', 'clv-v1'),
        ('ck_d', 'M4', date '2025-03-02', 'Lapsed', false, 0.95, 2000.0, '${reasons('days since the last order')}', 'seg-v1', 'churn-v1', 'clv-v1'))
        as t(customer_key, member_id, as_of, segment, is_outlier, churn_probability, clv_365d, top_reasons, segments_model_version, churn_model_version, clv_model_version)`,
    );
    const d = await collect();
    const churn = available(d.churn);
    const clv = available(d.clv);
    const segments = available(d.segments);
    expect(churn.atRisk.map((c) => c.customerKey)).toEqual(['ck_d', 'ck_b', 'ck_c']);
    expect(churn.atRisk[0]!.reasons).toEqual([{ feature: 'recency_days', meaning: 'days since the last order', value: 40, contribution: 0.7 }]);
    expect(churn.atRisk[2]!.reasons).toEqual([]);
    expect(churn.atRiskCount).toBe(3);
    expect(churn.histogram).toHaveLength(20);
    expect(churn.histogram[19]!.customers).toBe(1); // 0.95
    expect(churn.histogram[2]!.customers).toBe(1); // 0.10
    expect(churn.modelVersion).toBe('churn-v1');
    expect(clv.total).toBe(2560);
    expect(clv.histogram.reduce((a, b) => a + b.customers, 0)).toBe(4);
    expect(Object.fromEntries(segments.segments.map((s) => [s.segment, [s.customers, s.outliers]]))).toEqual({ Loyal: [2, 0], Lapsed: [2, 1] });
  });

  it('uses only snapshots on or before --as-of', async () => {
    const d = await collect('2025-03-01');
    expect(d.churn.available).toBe(false);
    // Only pos-1 is dated on or before 2025-03-01.
    const pipeline = available(d.pipeline);
    expect(pipeline.byDay.map((x) => [x.day, x.clean])).toEqual([['2025-03-01', 1]]);
    expect(pipeline.totals.clean).toBe(1);
  });

  it('counts events by detail type, coupons by campaign, and pairs forecasts with actuals', async () => {
    const entry = (type: string, asOf: string) =>
      JSON.stringify({ Source: 'retail-lake.models', DetailType: type, Detail: JSON.stringify({ event_id: 'evt_1', customer_key: 'ck_d', as_of: asOf }), EventBusName: 'retail-lake', Time: '2026-01-01T00:00:00.000Z' });
    fs.mkdirSync(path.join(lake, 'events'), { recursive: true });
    fs.writeFileSync(
      path.join(lake, 'events', '2026-01-01.jsonl'),
      [entry('HighValueCustomerAtRisk', '2025-03-02'), entry('CustomerChurnRiskRaised', '2025-03-02'), entry('CustomerChurnRiskRaised', '2025-03-02'), 'not json'].join('\n') + '\n',
    );
    await writeParquet(
      'curated/coupons/dt=2026-01-01/part-0.parquet',
      // Every column of the coupon record (src/coupons/schema.ts): the lake's typed coupons view reads them all.
      `select coupon_id, 'CODE-' || coupon_id as code, 'evt_' || coupon_id as event_id, 'ck_d' as customer_key, null::varchar as member_id, campaign, value, 'CNY' as currency,
              timestamp '2025-03-02 06:00:00' as issued_at, date '2025-04-01' as valid_until, '2025-03' as budget_period, as_of, null::double as clv_365d,
              null::double as churn_probability, null::varchar as churn_model_version, '[]' as reasons
         from (values ('cpn_1', 'win-back', 50.0, date '2025-03-02'), ('cpn_2', 'win-back', 50.0, date '2025-03-02')) as t(coupon_id, campaign, value, as_of)`,
    );
    await writeParquet(
      'curated/demand_forecasts/part-0.parquet',
      `select * from (values ('S1|Food', date '2025-03-03', 5.0, 3.0, 7.0, 'fc-v1', date '2025-03-02'), ('S2|Toys', date '2025-03-03', 1.0, 0.0, 2.0, 'fc-v1', date '2025-03-02'))
       as t(series_id, period_start, forecast, lower, upper, model_version, as_of)`,
    );
    await writeParquet('curated/demand_series/part-0.parquet', `select * from (values ('S1|Food', date '2025-03-02', 4.0), ('S1|Food', date '2025-03-03', 6.0)) as t(series_id, period_start, value)`);
    const d = await collect();
    const events = available(d.events);
    const forecasts = available(d.forecasts);
    expect(events.byType).toEqual([{ type: 'CustomerChurnRiskRaised', count: 2 }, { type: 'HighValueCustomerAtRisk', count: 1 }]);
    expect(events.unreadable).toBe(1);
    expect(d.coupons).toMatchObject({ total: 2, faceValue: 100, typeColumn: 'campaign', byType: [{ type: 'win-back', count: 2 }] });
    expect(forecasts.series.map((s) => s.seriesId)).toEqual(['S1|Food', 'S2|Toys']);
    expect(forecasts.actualsTable).toBe('demand_series');
    expect(forecasts.series[0]!.points).toEqual([
      { period: '2025-03-02', forecast: null, lower: null, upper: null, actual: 4 },
      { period: '2025-03-03', forecast: 5, lower: 3, upper: 7, actual: 6 },
    ]);
  });
});

describe('collectReportData after an erasure', () => {
  let erased: string;
  beforeAll(async () => {
    erased = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-report-suppressed-'));
    await ingestJsonl([FIXTURE], { lakeDir: erased });
    await erasePeople({ lakeDir: erased, selectors: [{ kind: 'member_id', value: 'M1' }], piiKey: DEVELOPMENT_PII_KEY, pii: createPii({ piiKey: DEVELOPMENT_PII_KEY, defaultPhoneRegion: 'CN' }) });
  }, 60_000);
  afterAll(() => fs.rmSync(erased, { recursive: true, force: true }));

  it('counts the erased person’s records that arrive again as suppressed: received = clean + quarantined + duplicates + suppressed', async () => {
    // The same six records again, in a file of another name (the raw zone keeps one copy per file name and content):
    // M1's three (pos-1 twice, app-1) are suppressed, the other three are duplicates.
    const file = path.join(erased, 'again.jsonl');
    fs.copyFileSync(FIXTURE, file);
    const again = await ingestJsonl([file], { lakeDir: erased });
    expect(again.suppressed).toBe(3);
    const cat = await openLakeCatalog(erased);
    let data: ReportData;
    try {
      data = await collectReportData(cat.conn, { lakeDir: erased });
    } finally {
      cat.close();
    }
    const pipeline = available(data.pipeline);
    expect(pipeline.totals.suppressed).toBe(again.suppressed);
    // The lake still holds the three records of the first run that were not M1's, and the second run's three others.
    expect(pipeline.totals.received).toBe(3 + again.received);
    const { received, clean, quarantined, duplicates, suppressed } = pipeline.totals;
    expect(received).toBe(clean + quarantined + duplicates! + suppressed);
    const html = reportBody(data, buildCharts(data));
    expect(html).toContain(`Reconciliation: received ${received} = clean ${clean} + quarantined ${quarantined} + duplicates ${duplicates} + suppressed ${suppressed} ✓`);
  });
});
