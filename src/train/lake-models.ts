/**
 * Forecast, recommendations and sentiment trained from the lake as of a date, packaged like the customer models
 * (versioned ONNX + card + model.json through the ModelStore). Each reads only data on or before as-of.
 *
 * - forecast: series from curated/demand_series when present (import-series), else units sold per category x store
 *   per week, the weeks ending on as-of; writes the N periods after as-of to curated/demand_forecasts/as_of=T/.
 * - recs: placed order lines per customer x SKU.
 * - sentiment: the lake's rated reviews (stg_reviews, latest version per review) plus curated/imported_reviews.
 *
 * Example:
 *   const t = await trainForecastFromLake({ lakeDir: 'lake', asOf: '2012-01-27', horizonPeriods: 39 });
 *   t.rows // demand_forecasts rows
 */
import { forecast, forecastArtifacts, trainForecastModel, type ForecastRow, type Grain, type Series } from '../../models/forecast/index.ts';
import { recsArtifacts, trainRecsModel, type Purchase as RecsPurchase } from '../../models/recs/index.ts';
import { sentimentArtifacts, trainSentimentModel, type LabelledText } from '../../models/sentiment/index.ts';
import { queryRows, sqlString } from '../adapters/local/duckdb.ts';
import { DEMAND_FORECAST_COLUMNS, DEMAND_FORECASTS_TABLE } from '../insights/tables.ts';
import { DEMAND_SERIES_TABLE } from '../ingest/table-import.ts';
import { openLakeCatalog } from '../lake/local-catalog.ts';
import { hasParquet } from '../lake/table-files.ts';
import { writeRows } from '../score/parquet.ts';
import type { TrainedModel } from './churn.ts';
import { NotEnoughHistoryError } from './errors.ts';

export { DEMAND_FORECAST_COLUMNS, DEMAND_FORECASTS_TABLE, demandForecastSchema } from '../insights/tables.ts';
export const DEFAULT_HORIZON_PERIODS = 13;

export interface DemandSeriesInput {
  readonly series: Series[];
  readonly grain: Grain;
  /** 'demand_series' or 'order_lines'. */
  readonly source: string;
}

/** Series as of a date: imported ones when the lake has demand_series, else category x store weekly units. */
export async function readDemandSeries(lakeDir: string, asOf: string): Promise<DemandSeriesInput> {
  const imported = hasParquet(lakeDir, `curated/${DEMAND_SERIES_TABLE}`);
  const cat = await openLakeCatalog(lakeDir);
  try {
    const sql = imported
      ? `select series_id, strftime(period_start, '%Y-%m-%d') as period_start, cast(value as double) as value, is_holiday
         from demand_series order by series_id, period_start`
      : // Weeks end on as-of, so the last period is complete: period_start = as-of - 6 - 7k.
        `with l as (
            select coalesce(category, 'uncategorised') || '|' || store_id as series_id,
                   cast(ordered_at as date) as d, quantity
            from int_order_lines
            where order_status = 'placed' and cast(ordered_at as date) <= cast(${sqlString(asOf)} as date)
         )
         select series_id,
                strftime(cast(${sqlString(asOf)} as date) - 6 - 7 * cast(floor(datediff('day', d, cast(${sqlString(asOf)} as date)) / 7) as integer), '%Y-%m-%d') as period_start,
                cast(sum(quantity) as double) as value, false as is_holiday
         from l group by all order by series_id, period_start`;
    const rows = await queryRows(cat.conn, sql);
    const by = new Map<string, { period_start: string[]; value: number[]; holiday: boolean[] }>();
    for (const r of rows) {
      const id = String(r.series_id);
      let s = by.get(id);
      if (!s) by.set(id, (s = { period_start: [], value: [], holiday: [] }));
      s.period_start.push(String(r.period_start));
      s.value.push(Number(r.value));
      s.holiday.push(Boolean(r.is_holiday));
    }
    const series = [...by].map(([series_id, s]) => ({ series_id, ...s }));
    // Imported series: day grain when consecutive periods are a day apart, else week.
    let grain: Grain = 'week';
    if (imported) {
      const s = series.find((x) => x.period_start.length > 1);
      if (s && Date.parse(s.period_start[1]!) - Date.parse(s.period_start[0]!) === 86_400_000) grain = 'day';
    }
    return { series, grain, source: imported ? DEMAND_SERIES_TABLE : 'order_lines' };
  } finally {
    cat.close();
  }
}

/** The newest period of demand_series, when the lake has one (what --as-of defaults to for forecast on imports). */
export async function latestSeriesDate(lakeDir: string): Promise<string | undefined> {
  if (!hasParquet(lakeDir, `curated/${DEMAND_SERIES_TABLE}`)) return undefined;
  const cat = await openLakeCatalog(lakeDir);
  try {
    const r = await queryRows(cat.conn, `select strftime(max(period_start), '%Y-%m-%d') as d from demand_series`);
    return typeof r[0]?.d === 'string' ? r[0].d : undefined;
  } finally {
    cat.close();
  }
}

/**
 * The newest day of curated/imported_reviews (today, UTC, when none of the imported reviews is dated), or undefined
 * without imports: what --as-of defaults to on a lake that holds only imported reviews.
 */
export async function latestImportedReviewDate(lakeDir: string, today: () => Date = () => new Date()): Promise<string | undefined> {
  if (!hasParquet(lakeDir, 'curated/imported_reviews')) return undefined;
  const cat = await openLakeCatalog(lakeDir);
  try {
    const r = await queryRows(cat.conn, `select strftime(max(reviewed_at), '%Y-%m-%d') as d, count(*) as n from imported_reviews`);
    if (typeof r[0]?.d === 'string') return r[0].d;
    return Number(r[0]?.n ?? 0) > 0 ? today().toISOString().slice(0, 10) : undefined;
  } finally {
    cat.close();
  }
}

export interface TrainForecastFromLakeInput {
  readonly lakeDir: string;
  readonly asOf: string;
  readonly horizonPeriods: number;
  readonly now?: () => Date;
}

export async function trainForecastFromLake(input: TrainForecastFromLakeInput): Promise<TrainedModel & { rows: ForecastRow[]; source: string }> {
  const { series, grain, source } = await readDemandSeries(input.lakeDir, input.asOf);
  if (series.length === 0) throw new NotEnoughHistoryError(`forecast: no demand_series and no placed order lines on or before ${input.asOf}`);
  let t;
  try {
    t = trainForecastModel(series, { grain, asOf: input.asOf, horizon: input.horizonPeriods, ...(input.now ? { now: input.now } : {}) });
  } catch (e) {
    if ((e as Error).name === 'ForecastInputError') throw new NotEnoughHistoryError(`forecast: ${(e as Error).message}`, { cause: e });
    throw e;
  }
  const rows = forecast(t.model, series, { asOf: input.asOf, horizon: input.horizonPeriods });
  await writeRows({ lakeDir: input.lakeDir, relDir: `${DEMAND_FORECASTS_TABLE}/as_of=${input.asOf}`, columns: DEMAND_FORECAST_COLUMNS, rows: rows as unknown as Record<string, unknown>[], mode: 'replace' });
  return { name: 'forecast', version: t.version, card: t.card, files: forecastArtifacts(t), rows, source };
}

/** Placed lines per customer x SKU on or before as-of (customer_key, else the member id on the line). */
export async function readRecsPurchases(lakeDir: string, asOf: string): Promise<RecsPurchase[]> {
  const cat = await openLakeCatalog(lakeDir);
  try {
    const rows = await queryRows(
      cat.conn,
      `select coalesce(customer_key, member_id) as customer_id, sku as item_id, strftime(min(ordered_at), '%Y-%m-%d') as day
       from int_order_lines
       where order_status = 'placed' and sku is not null and coalesce(customer_key, member_id) is not null
         and cast(ordered_at as date) <= cast(${sqlString(asOf)} as date)
       group by customer_id, item_id, order_key
       order by customer_id, day, item_id`,
    );
    return rows.map((r) => ({ customer_id: String(r.customer_id), item_id: String(r.item_id), at: String(r.day) }));
  } finally {
    cat.close();
  }
}

export async function trainRecsFromLake(input: { lakeDir: string; asOf: string; now?: () => Date }): Promise<TrainedModel> {
  const purchases = await readRecsPurchases(input.lakeDir, input.asOf);
  if (purchases.length === 0) throw new NotEnoughHistoryError(`recs: no placed order line with a customer on or before ${input.asOf}`);
  const t = trainRecsModel(purchases, { asOf: input.asOf, ...(input.now ? { now: input.now } : {}) });
  return { name: 'recs', version: t.version, card: t.card, files: recsArtifacts(t) };
}

/** Review texts of the lake with their rating (or label): the latest version of each review event, plus imports. */
export async function readReviewTexts(lakeDir: string, asOf?: string): Promise<(LabelledText & { review_id: string; sku: string | null; source: string })[]> {
  const imported = hasParquet(lakeDir, 'curated/imported_reviews');
  const cat = await openLakeCatalog(lakeDir);
  try {
    const cut = asOf ? `cast(reviewed_at as date) <= cast(${sqlString(asOf)} as date)` : 'true';
    const rows = await queryRows(
      cat.conn,
      `select review_id, sku, rating, cast(null as integer) as label, review_text as text, strftime(reviewed_at, '%Y-%m-%dT%H:%M:%SZ') as reviewed_at, 'review.submitted' as source
       from (select *, row_number() over (partition by review_id order by reviewed_at desc, event_id desc) as rn from stg_reviews where ${cut} and review_text is not null) where rn = 1
       ${imported ? `union all select review_id, sku, rating, label, review_text as text, strftime(reviewed_at, '%Y-%m-%dT%H:%M:%SZ'), 'import' from imported_reviews where reviewed_at is null or ${cut}` : ''}
       order by review_id`,
    );
    return rows.map((r) => ({
      review_id: String(r.review_id),
      sku: r.sku === null || r.sku === undefined ? null : String(r.sku),
      text: String(r.text),
      rating: r.rating === null || r.rating === undefined ? null : Number(r.rating),
      label: r.label === null || r.label === undefined ? null : Number(r.label),
      reviewed_at: r.reviewed_at === null || r.reviewed_at === undefined ? null : String(r.reviewed_at),
      source: String(r.source),
    }));
  } finally {
    cat.close();
  }
}

export async function trainSentimentFromLake(input: { lakeDir: string; asOf: string; now?: () => Date }): Promise<TrainedModel> {
  const docs = await readReviewTexts(input.lakeDir, input.asOf);
  if (docs.length === 0) throw new NotEnoughHistoryError(`sentiment: no rated review on or before ${input.asOf} (ingest review.submitted events or run import-reviews)`);
  try {
    const t = trainSentimentModel(docs, { asOf: input.asOf, ...(input.now ? { now: input.now } : {}) });
    return { name: 'sentiment', version: t.version, card: t.card, files: sentimentArtifacts(t) };
  } catch (e) {
    if ((e as Error).name === 'SentimentInputError') throw new NotEnoughHistoryError(`sentiment: ${(e as Error).message}`, { cause: e });
    throw e;
  }
}
