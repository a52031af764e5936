/**
 * The scheduled insights refresh, DuckDB-free: reads the lake through a `RowReader` (Athena in Lambda, DuckDB in
 * tests), runs the same TypeScript forecast / recommendation models as `retail-lake train`, stores the models
 * through the `ModelStore` port, writes the result tables through a `PartitionWriter` and publishes the
 * ReplenishmentDue events that changed.
 *
 * - forecast: retrained on every run (cheap: a global ridge over all category x store series plus per-series
 *   classical members; 88 series fit in 0.13 s, Walmart's 20 x 143 weeks in 0.4 s), so each weekly run's forecast
 *   uses a model that saw the newest weeks; `mode: 'apply'` reuses the latest stored model instead.
 * - recs: `apply` (daily) scores everyone's current history with the latest stored model; `retrain` (weekly) fits
 *   a new one first. Similarities move slowly, histories daily.
 * - replenishment: the newest forecast against the latest stock, change-only (src/insights/replenishment.ts).
 *
 * A job whose inputs do not exist yet (no order lines, no stored model for an apply, no forecast to check) has
 * nothing to do: it says why and succeeds (src/ops/nothing-to-do.ts), so an empty sandbox's first nights stay quiet.
 */
import { forecast, forecastArtifacts, parseForecastModel, trainForecastModel, MODEL_JSON as FORECAST_JSON, type Series } from '../../models/forecast/index.ts';
import { parseRecsModel, recommend, recsArtifacts, trainRecsModel, MODEL_JSON as RECS_JSON, type Purchase } from '../../models/recs/index.ts';
import { publishNew, idOf, type EventBus } from '../events/bus.ts';
import type { ModelStore } from '../models/index.ts';
import { nothingToDo, type NothingToDo } from '../ops/nothing-to-do.ts';
import { dueChecksSql, latestForecastSql, recsPurchasesSql, stockLevelsSql, weeklyOrderSeriesSql } from './queries.ts';
import { checkKey, replenishmentChecks, replenishmentDueEvents, DEFAULT_LEAD_TIME_DAYS } from './replenishment.ts';
import { DEMAND_FORECASTS_TABLE, insightsTable, NEXT_BEST_PRODUCTS_TABLE, REPLENISHMENT_CHECKS_TABLE, type InsightsTable, type NextBestProduct } from './tables.ts';

/** Query results as text (what Athena returns); null for SQL NULL. */
export type TextRow = Readonly<Record<string, string | null>>;

export interface RowReader {
  rows(sql: string): Promise<TextRow[]>;
  /** Column names of a table or view, or null when it does not exist. */
  columns(table: string): Promise<string[] | null>;
}

export interface PartitionWriter {
  /** Replaces one date partition of a table with the rows (an empty list empties it). */
  replacePartition(table: InsightsTable, value: string, rows: readonly Record<string, unknown>[]): Promise<void>;
}

export class InsightsRefreshError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InsightsRefreshError';
  }
}

const DAY_MS = 86_400_000;
const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
const num = (v: string | null | undefined) => (v === null || v === undefined ? null : Number(v));

/** Category x store weekly series from the rows of `weeklyOrderSeriesSql`: period_start = as-of - 6 - 7 x weeks_back. */
export function seriesFromWeeklyRows(rows: readonly TextRow[], asOf: string): Series[] {
  const by = new Map<string, { period_start: string[]; value: number[]; holiday: boolean[] }>();
  for (const r of rows) {
    const id = r.series_id;
    if (id === null || id === undefined) continue;
    let s = by.get(id);
    if (!s) by.set(id, (s = { period_start: [], value: [], holiday: [] }));
    s.period_start.push(addDays(asOf, -6 - 7 * Number(r.weeks_back)));
    s.value.push(Number(r.units));
    s.holiday.push(false);
  }
  return [...by].map(([series_id, s]) => ({ series_id, ...s }));
}

export function purchasesFromRows(rows: readonly TextRow[]): Purchase[] {
  return rows.map((r) => ({ customer_id: String(r.customer_id), item_id: String(r.item_id), at: String(r.day) }));
}

export interface RefreshContext {
  readonly reader: RowReader;
  readonly writer: PartitionWriter;
  readonly store: ModelStore;
  readonly asOf: string;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export type RefreshMode = 'retrain' | 'apply';

/** A job that found nothing to work on. */
export type RefreshSkipped<J extends string> = NothingToDo & { readonly job: J; readonly asOf: string };

const skipped = <J extends string>(job: J, asOf: string, reason: string): RefreshSkipped<J> => ({ job, asOf, ...nothingToDo(reason) });

async function hasStoredModel(store: ModelStore, name: string): Promise<boolean> {
  return (await store.versions(name)).length > 0;
}

export interface ForecastRefreshResult {
  readonly job: 'forecast';
  readonly asOf: string;
  readonly mode: RefreshMode;
  readonly version: string;
  readonly series: number;
  readonly rows: number;
}

async function latestModelJson(store: ModelStore, name: string, file: string): Promise<{ version: string; bytes: Uint8Array }> {
  const m = await store.get(name, 'latest');
  const bytes = m.files[file];
  if (!bytes) throw new InsightsRefreshError(`model ${name} ${m.version} has no ${file}; retrain it (mode "retrain")`);
  return { version: m.version, bytes };
}

/** demand_forecasts for the `horizon` weeks after as-of, from category x store weekly units. */
export async function refreshForecast(ctx: RefreshContext & { horizon: number; mode?: RefreshMode }): Promise<ForecastRefreshResult | RefreshSkipped<'forecast'>> {
  const mode = ctx.mode ?? 'retrain';
  if (mode === 'apply' && !(await hasStoredModel(ctx.store, 'forecast'))) return skipped('forecast', ctx.asOf, 'no stored forecast model to apply yet: the weekly retrain stores the first one');
  const series = seriesFromWeeklyRows(await ctx.reader.rows(weeklyOrderSeriesSql(ctx.asOf)), ctx.asOf);
  if (!series.length) return skipped('forecast', ctx.asOf, `no placed order lines on or before ${ctx.asOf} yet`);
  let model;
  if (mode === 'retrain') {
    const t = trainForecastModel(series, { grain: 'week', asOf: ctx.asOf, horizon: ctx.horizon, ...(ctx.now ? { now: ctx.now } : {}) });
    await ctx.store.put('forecast', t.version, forecastArtifacts(t));
    model = t.model;
  } else {
    model = parseForecastModel((await latestModelJson(ctx.store, 'forecast', FORECAST_JSON)).bytes);
  }
  const rows = forecast(model, series, { asOf: ctx.asOf, horizon: ctx.horizon });
  await ctx.writer.replacePartition(insightsTable(DEMAND_FORECASTS_TABLE), ctx.asOf, rows as unknown as Record<string, unknown>[]);
  return { job: 'forecast', asOf: ctx.asOf, mode, version: model.version, series: series.length, rows: rows.length };
}

export interface RecsRefreshResult {
  readonly job: 'recs';
  readonly asOf: string;
  readonly mode: RefreshMode;
  readonly version: string;
  readonly customers: number;
  readonly rows: number;
}

/** next_best_products: the top k per customer with a placed purchase on or before as-of (recent purchases excluded). */
export async function refreshRecs(ctx: RefreshContext & { mode: RefreshMode; k?: number }): Promise<RecsRefreshResult | RefreshSkipped<'recs'>> {
  if (ctx.mode === 'apply' && !(await hasStoredModel(ctx.store, 'recs'))) {
    return skipped('recs', ctx.asOf, 'no stored recs model to apply yet: the weekly retrain stores one, or push one with `retail-lake models push`');
  }
  const purchases = purchasesFromRows(await ctx.reader.rows(recsPurchasesSql(ctx.asOf)));
  if (!purchases.length) return skipped('recs', ctx.asOf, `no placed order line with a customer on or before ${ctx.asOf} yet`);
  let model;
  if (ctx.mode === 'retrain') {
    const t = trainRecsModel(purchases, { asOf: ctx.asOf, ...(ctx.now ? { now: ctx.now } : {}) });
    await ctx.store.put('recs', t.version, recsArtifacts(t));
    model = t.model;
  } else {
    model = parseRecsModel((await latestModelJson(ctx.store, 'recs', RECS_JSON)).bytes);
  }
  const lists = recommend(model, purchases, { k: ctx.k ?? 10, asOf: ctx.asOf });
  const rows: NextBestProduct[] = [];
  for (const [customer_id, list] of lists) {
    for (const r of list) rows.push({ customer_id, rank: r.rank, sku: r.item_id, score: r.score, reason: r.source, model_version: model.version, as_of: ctx.asOf });
  }
  await ctx.writer.replacePartition(insightsTable(NEXT_BEST_PRODUCTS_TABLE), ctx.asOf, rows);
  return { job: 'recs', asOf: ctx.asOf, mode: ctx.mode, version: model.version, customers: lists.size, rows: rows.length };
}

export interface ReplenishmentRefreshResult {
  readonly job: 'replenishment';
  readonly asOf: string;
  readonly checked: number;
  readonly due: number;
  readonly published: number;
  readonly alreadyPublished: number;
}

/**
 * Checks the newest forecast against stock and publishes ReplenishmentDue for the series that became due since the
 * previous check. Events go out before the day's checks are written: a run that fails in between publishes the same
 * event ids again on the rerun (subscribers key on event_id), rather than never.
 */
export async function refreshReplenishment(
  ctx: Omit<RefreshContext, 'store'> & { bus: EventBus; leadTimeDays?: number; busName?: string; source?: string },
): Promise<ReplenishmentRefreshResult | RefreshSkipped<'replenishment'>> {
  const hasChecks = (await ctx.reader.columns(REPLENISHMENT_CHECKS_TABLE)) !== null;
  const forecasts = (await ctx.reader.rows(latestForecastSql(ctx.asOf))).map((r) => ({
    series_id: String(r.series_id),
    period_start: String(r.period_start),
    forecast: Number(r.forecast),
    model_version: String(r.model_version),
  }));
  if (!forecasts.length) return skipped('replenishment', ctx.asOf, `no demand forecast on or before ${ctx.asOf} yet: the forecast job writes the first one`);
  const hasLeadTime = ((await ctx.reader.columns('stg_stock_snapshots')) ?? []).includes('lead_time_days');
  const stock = (await ctx.reader.rows(stockLevelsSql(ctx.asOf, hasLeadTime))).map((r) => ({ series_id: String(r.series_id), on_hand: Number(r.on_hand), lead_time_days: num(r.lead_time_days) }));
  const checks = replenishmentChecks(forecasts, stock, ctx.asOf, ctx.leadTimeDays ?? DEFAULT_LEAD_TIME_DAYS);
  const keys = async (when: 'before' | 'on') => new Set(hasChecks ? (await ctx.reader.rows(dueChecksSql(ctx.asOf, when))).map((r) => checkKey({ store_id: String(r.store_id), sku: String(r.sku) })) : []);
  const events = replenishmentDueEvents(checks, await keys('before'), ctx.asOf);
  // Series already due in today's partition were published by an earlier run of the same day.
  const publishedToday = await keys('on');
  const ledger = { published: async () => new Set(events.filter((e) => publishedToday.has(checkKey(e.detail as { store_id: string; sku: string }))).map(idOf)) };
  const result = await publishNew(events, { bus: ctx.bus, ledger, ...(ctx.busName ? { busName: ctx.busName } : {}), ...(ctx.source ? { source: ctx.source } : {}), ...(ctx.now ? { now: ctx.now } : {}) });
  await ctx.writer.replacePartition(insightsTable(REPLENISHMENT_CHECKS_TABLE), ctx.asOf, checks.map((c) => ({ ...c, dt: ctx.asOf })));
  return { job: 'replenishment', asOf: ctx.asOf, checked: checks.length, due: checks.filter((c) => c.due).length, published: result.published.length, alreadyPublished: result.alreadyPublished };
}
