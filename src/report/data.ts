/**
 * Everything the report shows, read from the lake as one plain JSON value (ReportData). Each section is either
 * available with its figures, or says which table is missing and which command makes it — so the report renders
 * on a lake that has only been ingested, and fills in as tags, scores, events, coupons and forecasts land.
 *
 * Every query here is a constant; the only value handed to SQL, the as-of date, is bound as a parameter.
 */
import { readDecisionsFrom } from '../campaigns/command.ts';
import { measureCampaigns, type CampaignMeasurement } from '../campaigns/measure.ts';
import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { eventDayFiles } from '../adapters/local/event-bus.ts';
import { LocalModelStore } from '../models/store.ts';
import { hasParquet, partitionValues } from '../lake/table-files.ts';
import { DEFAULT_PSI_ALARM, latestModelsDrift } from '../train/drift.ts';
import { TrainError } from '../train/errors.ts';
import { readTagSnapshot } from '../train/lake-data.ts';
import { boundRows, columnNames, isMaterialised, num, numOrNull, occurredDaySql, rawRecordsPerDay, strOrNull, suppressedRecords } from './lake-read.ts';

/** A section whose table is not in the lake yet: what is missing and the command that makes it. */
export interface Missing {
  readonly available: false;
  readonly table: string;
  readonly run: string;
}

export type Section<T> = ({ readonly available: true } & T) | Missing;

export interface DayCount {
  readonly day: string;
  readonly raw: number;
  readonly clean: number;
  readonly orderLines: number;
  readonly quarantined: number;
}

export interface PipelineSection {
  /**
   * received = clean + quarantined + duplicates + suppressed: raw counts the stream records the raw zone holds;
   * suppressed, an erased person's records routed away before the raw zone (src/lake/layout.ts SUPPRESSED_COUNTS_DIR).
   */
  readonly totals: { received: number; raw: number; clean: number; orderLines: number; quarantined: number; duplicates: number | null; suppressed: number };
  /** Days from the first to the last day of clean data. */
  readonly byDay: readonly DayCount[];
  /** Records dated outside the charted days (counted in totals). */
  readonly uncharted: { raw: number; quarantined: number };
  readonly byReason: readonly { reason: string; records: number }[];
  readonly freshness: readonly { source: string; events: number; latest: string | null }[];
}

export interface RfmSegmentProfile {
  readonly segment: string;
  readonly customers: number;
  readonly avgRecencyDays: number | null;
  readonly avgOrders365d: number | null;
  readonly avgRevenue365d: number | null;
  readonly avgOrderValue: number | null;
}

export interface TagsSection {
  readonly asOf: string;
  readonly customers: number;
  readonly purchasers: number;
  readonly revenue365d: number;
  readonly rfmSegments: readonly RfmSegmentProfile[];
  /** Customers per (r_score, f_score) cell, with their mean m_score. */
  readonly rfmGrid: readonly { r: number; f: number; customers: number; avgM: number | null }[];
  readonly lifecycle: readonly { stage: string; customers: number }[];
}

export interface SegmentProfile {
  readonly segment: string;
  readonly customers: number;
  readonly outliers: number;
  readonly avgChurnProbability: number | null;
  readonly avgClv365d: number | null;
  readonly avgRecencyDays: number | null;
  readonly avgOrders365d: number | null;
  readonly avgOrderValue: number | null;
}

export interface SegmentsSection {
  readonly asOf: string;
  readonly modelVersion: string | null;
  readonly segments: readonly SegmentProfile[];
}

export interface Bin {
  readonly from: number;
  /** null for the open last bin (from and above). */
  readonly to: number | null;
  readonly customers: number;
}

export interface Reason {
  readonly feature: string;
  readonly meaning: string;
  readonly value: number | null;
  readonly contribution: number | null;
}

export interface AtRiskCustomer {
  readonly customerKey: string;
  readonly memberId: string | null;
  readonly segment: string | null;
  readonly churnProbability: number;
  readonly clv365d: number;
  readonly reasons: readonly Reason[];
}

export interface ChurnSection {
  readonly asOf: string;
  readonly modelVersion: string | null;
  readonly scored: number;
  readonly histogram: readonly Bin[];
  /** The churn probability at and above which a customer counts as at risk in the table. */
  readonly atRiskThreshold: number;
  readonly atRiskCount: number;
  readonly atRisk: readonly AtRiskCustomer[];
}

export interface ClvSection {
  readonly asOf: string;
  readonly modelVersion: string | null;
  readonly customers: number;
  readonly total: number;
  readonly median: number | null;
  readonly p90: number | null;
  readonly histogram: readonly Bin[];
}

export interface ForecastSeries {
  readonly seriesId: string;
  readonly points: readonly { period: string; forecast: number | null; lower: number | null; upper: number | null; actual: number | null }[];
}

export interface ForecastsSection {
  readonly asOf: string;
  readonly modelVersion: string | null;
  readonly seriesCount: number;
  /** Where the actuals came from, or null when the lake holds none for these series yet. */
  readonly actualsTable: string | null;
  readonly series: readonly ForecastSeries[];
}

export interface CountByType {
  readonly type: string;
  readonly count: number;
}

export interface EventsSection {
  readonly total: number;
  readonly byType: readonly CountByType[];
  readonly unreadable: number;
}

export interface CouponsSection {
  readonly table: string;
  readonly total: number;
  readonly typeColumn: string | null;
  /** Sum of the coupons' face value, where the table has one. */
  readonly faceValue: number | null;
  readonly byType: readonly CountByType[];
}

export interface SourceCouponsSection {
  readonly byType: readonly { discountType: string; issued: number; redeemed: number }[];
}

export interface CampaignsSection {
  readonly campaigns: readonly CampaignMeasurement[];
}

/** Finished shipments and how many of them were late, for one carrier, region or month. */
export interface LateRate {
  readonly key: string;
  readonly finished: number;
  readonly late: number;
  /** late / finished, or null without a finished shipment. */
  readonly rate: number | null;
}

/**
 * How the carriers delivered (stg_deliveries): shipments finished (delivered, or returned to the sender) per month of
 * finishing (UTC), carrier and region, and how many were late: returned, or delivered after the time promised at
 * checkout (the rule of tag_deliveries' late_delivery_rate). A shipment counts once its shipment_created is in the lake.
 */
export interface DeliveriesSection {
  readonly finished: number;
  readonly late: number;
  readonly rate: number | null;
  /** Months (YYYY-MM) with a finished shipment, oldest first. */
  readonly months: readonly string[];
  /** Most finished shipments first. */
  readonly byCarrier: readonly LateRate[];
  readonly byRegion: readonly LateRate[];
  /** Per carrier / region, the late rate of each month of `months` (null in a month without a finished shipment). */
  readonly carrierByMonth: readonly { readonly key: string; readonly rates: readonly (number | null)[] }[];
  readonly regionByMonth: readonly { readonly key: string; readonly rates: readonly (number | null)[] }[];
  /** The counts everything above is summed from. */
  readonly cells: readonly { readonly month: string; readonly carrier: string; readonly region: string; readonly finished: number; readonly late: number }[];
}

export interface ReportData {
  readonly title: string;
  readonly generatedAt: string;
  readonly lake: string;
  /** The --as-of date, or null for "the newest of everything". */
  readonly asOf: string | null;
  readonly pipeline: Section<PipelineSection>;
  readonly tags: Section<TagsSection>;
  readonly segments: Section<SegmentsSection>;
  readonly churn: Section<ChurnSection>;
  readonly clv: Section<ClvSection>;
  readonly forecasts: Section<ForecastsSection>;
  readonly events: Section<EventsSection>;
  readonly coupons: Section<CouponsSection>;
  readonly sourceCoupons: Section<SourceCouponsSection>;
  readonly campaigns: Section<CampaignsSection>;
  readonly deliveries: Section<DeliveriesSection>;
  /** Feature drift of the latest churn and segments models (absent in reports built before it existed). */
  readonly drift?: Section<DriftSection>;
}

export interface DriftSection {
  /** The newest tag snapshot: "today". */
  readonly today: string;
  /** PSI above which a feature counts as drifted (the AWS alarm's threshold). */
  readonly threshold: number;
  readonly models: readonly {
    readonly model: string;
    readonly version: string;
    readonly trainingSnapshot: string;
    readonly maxPsi: number;
    /** Highest PSI first. */
    readonly features: readonly { readonly feature: string; readonly psi: number }[];
  }[];
}

export interface CollectOptions {
  readonly lakeDir: string;
  readonly asOf?: string;
  /** @default new Date() */
  readonly now?: Date;
}

/** The far end of time: "no as-of limit", as a date DuckDB can compare with. */
const NO_LIMIT = '9999-12-31';

export const RUN = {
  ingest: 'retail-lake ingest PATH... (or npm start)',
  tags: 'retail-lake tags',
  scores: 'retail-lake train all && retail-lake score',
  events: 'retail-lake score (it evaluates the event rules)',
  coupons: 'the coupon issuer on the events (the demo\'s coupons step)',
  forecasts: 'retail-lake train forecast',
  campaigns: 'the coupon issuer (its holdouts) or retail-lake import-campaign',
  deliveries: "retail-lake ingest of the carriers' delivery.* events (or npm start)",
} as const;

const missing = (table: string, run: string): Missing => ({ available: false, table, run });

/** Reads every section of the report from an open lake catalog. */
export async function collectReportData(conn: DuckDBConnection, options: CollectOptions): Promise<ReportData> {
  const { lakeDir } = options;
  const limit = options.asOf ?? NO_LIMIT;
  const tags = isMaterialised(lakeDir, 'customer_tags') ? await tagsSection(conn, limit) : missing('customer_tags', RUN.tags);
  const scored = isMaterialised(lakeDir, 'customer_scores');
  const scoresAsOf = scored ? await latestScoresAsOf(conn, limit) : null;
  const tagsAsOf = tags.available ? tags.asOf : null;
  return {
    title: 'retail-lake report',
    generatedAt: (options.now ?? new Date()).toISOString(),
    lake: path.resolve(lakeDir),
    asOf: options.asOf ?? null,
    pipeline: await pipelineSection(conn, lakeDir, limit),
    tags,
    segments: scoresAsOf ? await segmentsSection(conn, scoresAsOf, tagsAsOf) : missing('customer_scores', RUN.scores),
    churn: scoresAsOf ? await churnSection(conn, scoresAsOf) : missing('customer_scores', RUN.scores),
    clv: scoresAsOf ? await clvSection(conn, scoresAsOf) : missing('customer_scores', RUN.scores),
    forecasts: isMaterialised(lakeDir, 'demand_forecasts') ? await forecastsSection(conn, limit) : missing('demand_forecasts', RUN.forecasts),
    events: eventsSection(lakeDir, limit),
    coupons: await couponsSection(conn, lakeDir, limit),
    sourceCoupons: await sourceCouponsSection(conn, limit),
    campaigns: await campaignsSection(conn),
    deliveries: await deliveriesSection(conn, lakeDir, limit),
    drift: await driftSection(lakeDir, limit),
  };
}

/** PSI of the latest churn and segments models' inputs between their training snapshot and the newest snapshot. */
async function driftSection(lakeDir: string, limit: string): Promise<Section<DriftSection>> {
  const today = partitionValues(lakeDir, 'curated/customer_tags', 'dt')
    .filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d) && d <= limit)
    .sort()
    .at(-1);
  if (!today) return missing('customer_tags', RUN.tags);
  let models;
  try {
    models = await latestModelsDrift(new LocalModelStore(lakeDir), (d) => readTagSnapshot(lakeDir, d, { refresh: false }), today);
  } catch (e) {
    if (e instanceof TrainError) return missing('customer_tags (the training snapshot)', 'retail-lake tags --as-of <the card\'s training snapshot>');
    throw e;
  }
  if (!models.length) return missing('models/churn, models/segments', RUN.scores);
  return {
    available: true,
    today,
    threshold: DEFAULT_PSI_ALARM,
    models: models.map((m) => ({ model: m.model, version: m.version, trainingSnapshot: m.trainingSnapshot, maxPsi: m.maxPsi, features: [...m.features].sort((a, b) => b.psi - a.psi) })),
  };
}

/** Campaign measurement (src/campaigns/measure.ts) over campaign_outcomes: the same figures as `retail-lake campaigns`. */
async function campaignsSection(conn: DuckDBConnection): Promise<Section<CampaignsSection>> {
  const { rows, controlShares } = await readDecisionsFrom(conn);
  if (!rows.length) return missing('campaign_outcomes', RUN.campaigns);
  return { available: true, campaigns: measureCampaigns(rows, { expectedControlShare: controlShares }) };
}

async function pipelineSection(conn: DuckDBConnection, lakeDir: string, limit: string): Promise<Section<PipelineSection>> {
  const perDay = async (sql: string) => new Map((await boundRows(conn, sql, [limit])).map((r) => [String(r.day), num(r.n)]));
  const clean = await perDay('select cast(dt as varchar) as day, count(*) as n from curated_events where dt <= cast($1 as date) group by all');
  const lines = await perDay('select cast(dt as varchar) as day, count(*) as n from curated_order_lines where dt <= cast($1 as date) group by all');
  // A quarantined record is dated by its own occurred_at where the raw text still shows one, else by receipt.
  const quarantine = await boundRows(
    conn,
    `with q as (select reason_code, coalesce(${occurredDaySql('raw_payload')}, dt) as day from quarantine_events)
     select cast(day as varchar) as day, reason_code, count(*) as n from q where day <= cast($1 as date) group by all`,
    [limit],
  );
  const raw = new Map([...rawRecordsPerDay(lakeDir)].filter(([d]) => d <= limit));
  const suppressed = suppressedRecords(lakeDir, limit);
  if (!clean.size && !lines.size && !quarantine.length && !raw.size && !suppressed) return missing('curated_events', RUN.ingest);

  const quarantinedByDay = new Map<string, number>();
  const byReason = new Map<string, number>();
  for (const r of quarantine) {
    quarantinedByDay.set(String(r.day), (quarantinedByDay.get(String(r.day)) ?? 0) + num(r.n));
    byReason.set(String(r.reason_code), (byReason.get(String(r.reason_code)) ?? 0) + num(r.n));
  }
  const days = [...new Set([...raw.keys(), ...clean.keys(), ...lines.keys(), ...quarantinedByDay.keys()])].sort();
  const byDay = days.map((day) => ({ day, raw: raw.get(day) ?? 0, clean: clean.get(day) ?? 0, orderLines: lines.get(day) ?? 0, quarantined: quarantinedByDay.get(day) ?? 0 }));
  const sum = (rows: readonly DayCount[], k: keyof Omit<DayCount, 'day'>) => rows.reduce((a, d) => a + d[k], 0);
  const totals = { raw: sum(byDay, 'raw'), clean: sum(byDay, 'clean'), orderLines: sum(byDay, 'orderLines'), quarantined: sum(byDay, 'quarantined') };
  // The time axis spans the clean data; records dated outside it (implausible timestamps, received-date fallbacks)
  // are counted in the totals but not drawn, or one record from 1970 would squash a year into a sliver.
  const cleanDays = [...clean.keys(), ...lines.keys()].sort();
  const inRange = (d: DayCount) => !cleanDays.length || (d.day >= cleanDays[0]! && d.day <= cleanDays.at(-1)!);
  const outside = byDay.filter((d) => !inRange(d));
  // Every raw stream record ends exactly once as clean, quarantined or duplicate; imports bypass the raw stream.
  const duplicates = totals.raw - totals.clean - totals.quarantined;
  const freshness = await boundRows(
    conn,
    `select source, count(*) as events, cast(max(occurred_at) as varchar) as latest
     from curated_events where dt <= cast($1 as date) group by source order by source`,
    [limit],
  );
  return {
    available: true,
    totals: { ...totals, received: totals.raw + suppressed, duplicates: totals.raw > 0 && duplicates >= 0 ? duplicates : null, suppressed },
    byDay: byDay.filter(inRange),
    uncharted: { raw: sum(outside, 'raw'), quarantined: sum(outside, 'quarantined') },
    byReason: [...byReason].map(([reason, records]) => ({ reason, records })).sort((a, b) => b.records - a.records || a.reason.localeCompare(b.reason)),
    freshness: freshness.map((r) => ({ source: String(r.source), events: num(r.events), latest: strOrNull(r.latest) })),
  };
}

const LIFECYCLE_ORDER = ['prospect', 'new', 'active', 'cooling', 'lapsed', 'churned'];

async function tagsSection(conn: DuckDBConnection, limit: string): Promise<Section<TagsSection>> {
  const snap = await boundRows(conn, 'select cast(max(as_of_date) as varchar) as as_of from customer_tags where as_of_date <= cast($1 as date)', [limit]);
  const asOf = strOrNull(snap[0]?.as_of);
  if (!asOf) return missing('customer_tags', `${RUN.tags} --as-of ${limit === NO_LIMIT ? 'D' : limit}`);
  const [k] = await boundRows(
    conn,
    `select count(*) as customers, count(case when orders_total > 0 then 1 end) as purchasers, coalesce(sum(net_revenue_365d), 0) as revenue
     from customer_tags where as_of_date = cast($1 as date)`,
    [asOf],
  );
  const segments = await boundRows(
    conn,
    `select rfm_segment as segment, count(*) as customers, avg(recency_days) as recency, avg(orders_365d) as orders,
            avg(net_revenue_365d) as revenue, avg(avg_order_value) as aov
     from customer_tags where as_of_date = cast($1 as date) and rfm_segment is not null
     group by rfm_segment order by customers desc, segment`,
    [asOf],
  );
  const grid = await boundRows(
    conn,
    `select r_score as r, f_score as f, count(*) as customers, avg(m_score) as avg_m
     from customer_tags where as_of_date = cast($1 as date) and r_score is not null and f_score is not null
     group by all order by r, f`,
    [asOf],
  );
  const stages = await boundRows(
    conn,
    'select lifecycle_stage as stage, count(*) as customers from customer_tags where as_of_date = cast($1 as date) group by all',
    [asOf],
  );
  const rank = (s: string) => (LIFECYCLE_ORDER.includes(s) ? LIFECYCLE_ORDER.indexOf(s) : LIFECYCLE_ORDER.length);
  return {
    available: true,
    asOf,
    customers: num(k?.customers),
    purchasers: num(k?.purchasers),
    revenue365d: num(k?.revenue),
    rfmSegments: segments.map((r) => ({
      segment: String(r.segment),
      customers: num(r.customers),
      avgRecencyDays: numOrNull(r.recency),
      avgOrders365d: numOrNull(r.orders),
      avgRevenue365d: numOrNull(r.revenue),
      avgOrderValue: numOrNull(r.aov),
    })),
    rfmGrid: grid.map((r) => ({ r: num(r.r), f: num(r.f), customers: num(r.customers), avgM: numOrNull(r.avg_m) })),
    lifecycle: stages
      .map((r) => ({ stage: String(r.stage ?? 'unknown'), customers: num(r.customers) }))
      .sort((a, b) => rank(a.stage) - rank(b.stage) || a.stage.localeCompare(b.stage)),
  };
}

async function latestScoresAsOf(conn: DuckDBConnection, limit: string): Promise<string | null> {
  const r = await boundRows(conn, 'select cast(max(as_of) as varchar) as as_of from customer_scores where cast(as_of as date) <= cast($1 as date)', [limit]);
  return strOrNull(r[0]?.as_of);
}

async function modelVersion(conn: DuckDBConnection, column: string, asOf: string): Promise<string | null> {
  const cols = await columnNames(conn, 'customer_scores');
  if (!cols.includes(column)) return null;
  const r = await boundRows(conn, `select max(${column}) as v from customer_scores where cast(as_of as date) = cast($1 as date)`, [asOf]);
  return strOrNull(r[0]?.v);
}

async function segmentsSection(conn: DuckDBConnection, asOf: string, tagsAsOf: string | null): Promise<Section<SegmentsSection>> {
  // Profiles add the tags of the same date where that snapshot exists (the scores were computed from it).
  const withTags = tagsAsOf !== null;
  const rows = await boundRows(
    conn,
    `select s.segment, count(*) as customers, count(case when s.is_outlier then 1 end) as outliers,
            avg(s.churn_probability) as churn, avg(s.clv_365d) as clv,
            ${withTags ? 'avg(t.recency_days) as recency, avg(t.orders_365d) as orders, avg(t.avg_order_value) as aov' : 'null as recency, null as orders, null as aov'}
     from customer_scores as s
     ${withTags ? 'left join customer_tags as t on t.customer_key = s.customer_key and t.as_of_date = (select max(as_of_date) from customer_tags where as_of_date <= cast($1 as date))' : ''}
     where cast(s.as_of as date) = cast($1 as date) and s.segment is not null
     group by s.segment order by customers desc, s.segment`,
    [asOf],
  );
  if (!rows.length) return missing('customer_scores.segment', 'retail-lake train segments && retail-lake score');
  return {
    available: true,
    asOf,
    modelVersion: await modelVersion(conn, 'segments_model_version', asOf),
    segments: rows.map((r) => ({
      segment: String(r.segment),
      customers: num(r.customers),
      outliers: num(r.outliers),
      avgChurnProbability: numOrNull(r.churn),
      avgClv365d: numOrNull(r.clv),
      avgRecencyDays: numOrNull(r.recency),
      avgOrders365d: numOrNull(r.orders),
      avgOrderValue: numOrNull(r.aov),
    })),
  };
}

/** Churn probability at and above which the table lists a customer as at risk. */
export const AT_RISK_PROBABILITY = 0.5;
const CHURN_BINS = 20;

/** top_reasons as stored (JSON text, or already a list); anything unreadable gives no reasons rather than failing. */
export function parseReasons(v: unknown): Reason[] {
  let list: unknown = v;
  if (typeof v === 'string') {
    try {
      list = JSON.parse(v);
    } catch {
      return [];
    }
  }
  if (!Array.isArray(list)) return [];
  return list
    .filter((x): x is Record<string, unknown> => x !== null && typeof x === 'object')
    .map((x) => ({ feature: String(x.feature ?? ''), meaning: String(x.meaning ?? x.feature ?? ''), value: numOrNull(x.value), contribution: numOrNull(x.contribution) }));
}

async function churnSection(conn: DuckDBConnection, asOf: string): Promise<Section<ChurnSection>> {
  const bins = await boundRows(
    conn,
    `select least(cast(floor(churn_probability * ${CHURN_BINS}) as integer), ${CHURN_BINS - 1}) as bin, count(*) as n
     from customer_scores where cast(as_of as date) = cast($1 as date) and churn_probability is not null group by all`,
    [asOf],
  );
  if (!bins.length) return missing('customer_scores.churn_probability', 'retail-lake train churn && retail-lake score');
  const counts = new Map(bins.map((b) => [num(b.bin), num(b.n)]));
  const histogram = Array.from({ length: CHURN_BINS }, (_, i) => ({ from: i / CHURN_BINS, to: (i + 1) / CHURN_BINS, customers: counts.get(i) ?? 0 }));
  const [c] = await boundRows(
    conn,
    `select count(case when churn_probability >= $2 then 1 end) as n from customer_scores where cast(as_of as date) = cast($1 as date)`,
    [asOf, AT_RISK_PROBABILITY],
  );
  const top = await boundRows(
    conn,
    `select customer_key, member_id, segment, churn_probability, clv_365d, top_reasons
     from customer_scores
     where cast(as_of as date) = cast($1 as date) and churn_probability >= $2 and clv_365d is not null
     order by clv_365d desc, churn_probability desc, customer_key limit 15`,
    [asOf, AT_RISK_PROBABILITY],
  );
  return {
    available: true,
    asOf,
    modelVersion: await modelVersion(conn, 'churn_model_version', asOf),
    scored: histogram.reduce((a, b) => a + b.customers, 0),
    histogram,
    atRiskThreshold: AT_RISK_PROBABILITY,
    atRiskCount: num(c?.n),
    atRisk: top.map((r) => ({
      customerKey: String(r.customer_key),
      memberId: strOrNull(r.member_id),
      segment: strOrNull(r.segment),
      churnProbability: num(r.churn_probability),
      clv365d: num(r.clv_365d),
      reasons: parseReasons(r.top_reasons).slice(0, 3),
    })),
  };
}

const CLV_BINS = 20;

async function clvSection(conn: DuckDBConnection, asOf: string): Promise<Section<ClvSection>> {
  const [s] = await boundRows(
    conn,
    `select count(*) as n, coalesce(sum(clv_365d), 0) as total, median(clv_365d) as median,
            quantile_cont(clv_365d, 0.9) as p90, quantile_cont(clv_365d, 0.99) as p99, min(clv_365d) as lo
     from customer_scores where cast(as_of as date) = cast($1 as date) and clv_365d is not null`,
    [asOf],
  );
  const n = num(s?.n);
  if (!n) return missing('customer_scores.clv_365d', 'retail-lake train clv && retail-lake score');
  // Equal-width bins from 0 up to the 99th percentile, and one open bin above it, so a few whales do not squash
  // the shape of everyone else.
  const lo = Math.min(0, num(s?.lo));
  const hi = Math.max(num(s?.p99), lo + 1e-9);
  const width = (hi - lo) / CLV_BINS;
  const bins = await boundRows(
    conn,
    `select least(cast(floor((clv_365d - $2) / $3) as integer), ${CLV_BINS}) as bin, count(*) as n
     from customer_scores where cast(as_of as date) = cast($1 as date) and clv_365d is not null group by all`,
    [asOf, lo, width],
  );
  const counts = new Map(bins.map((b) => [num(b.bin), num(b.n)]));
  const histogram: Bin[] = Array.from({ length: CLV_BINS + 1 }, (_, i) => ({
    from: lo + i * width,
    to: i < CLV_BINS ? lo + (i + 1) * width : null,
    customers: counts.get(i) ?? 0,
  }));
  return {
    available: true,
    asOf,
    modelVersion: await modelVersion(conn, 'clv_model_version', asOf),
    customers: n,
    total: num(s?.total),
    median: numOrNull(s?.median),
    p90: numOrNull(s?.p90),
    histogram,
  };
}

/** Tables that may hold the observed values of forecast series: (series_id, period_start, value). */
const ACTUALS_TABLES = ['demand_actuals', 'demand_series'];
const TOP_SERIES = 6;

async function forecastsSection(conn: DuckDBConnection, limit: string): Promise<Section<ForecastsSection>> {
  const [a] = await boundRows(conn, 'select cast(max(as_of) as varchar) as as_of from demand_forecasts where cast(as_of as date) <= cast($1 as date)', [limit]);
  const asOf = strOrNull(a?.as_of);
  if (!asOf) return missing('demand_forecasts', RUN.forecasts);
  const [meta] = await boundRows(
    conn,
    'select count(distinct series_id) as n, max(model_version) as v from demand_forecasts where cast(as_of as date) = cast($1 as date)',
    [asOf],
  );
  // The series with the most forecast demand: the stores / categories that matter most.
  const top = `top as (
      select series_id, sum(forecast) as total from demand_forecasts where cast(as_of as date) = cast($1 as date)
      group by series_id order by total desc, series_id limit ${TOP_SERIES})`;
  const fc = await boundRows(
    conn,
    `with ${top}
     select f.series_id, cast(f.period_start as varchar) as period, f.forecast, f.lower, f.upper, t.total
     from demand_forecasts as f inner join top as t on t.series_id = f.series_id
     where cast(f.as_of as date) = cast($1 as date) order by t.total desc, f.series_id, period`,
    [asOf],
  );
  const ids = [...new Set(fc.map((r) => String(r.series_id)))];
  let actualsTable: string | null = null;
  const actuals = new Map<string, Map<string, number>>();
  for (const t of ACTUALS_TABLES) {
    const cols = await columnNames(conn, t).catch(() => [] as string[]);
    if (!['series_id', 'period_start', 'value'].every((c) => cols.includes(c))) continue;
    // History before the as-of date (what the model learnt from) and any periods already observed after it.
    const rows = await boundRows(
      conn,
      `with ${top}
       select a.series_id, cast(a.period_start as varchar) as period, sum(a.value) as value
       from ${t} as a inner join top as t on t.series_id = a.series_id group by all`,
      [asOf],
    );
    if (!rows.length) continue;
    actualsTable = t;
    for (const r of rows) {
      const m = actuals.get(String(r.series_id)) ?? new Map<string, number>();
      m.set(String(r.period), num(r.value));
      actuals.set(String(r.series_id), m);
    }
    break;
  }
  const series = ids.map((id) => {
    const f = new Map(fc.filter((r) => r.series_id === id).map((r) => [String(r.period), r]));
    const act = actuals.get(id) ?? new Map<string, number>();
    const periods = [...new Set([...f.keys(), ...act.keys()])].sort().slice(-3 * Math.max(f.size, 1));
    return {
      seriesId: id,
      points: periods.map((p) => {
        const r = f.get(p);
        return { period: p, forecast: numOrNull(r?.forecast), lower: numOrNull(r?.lower), upper: numOrNull(r?.upper), actual: act.has(p) ? act.get(p)! : null };
      }),
    };
  });
  return { available: true, asOf, modelVersion: strOrNull(meta?.v), seriesCount: num(meta?.n), actualsTable, series };
}

/** Model events on the local bus (events/YYYY-MM-DD.jsonl, PutEvents entries), by detail type, as of the scores' date. */
function eventsSection(lakeDir: string, limit: string): Section<EventsSection> {
  const files = eventDayFiles(lakeDir);
  if (!files.length) return missing('events/', RUN.events);
  const byType = new Map<string, number>();
  let total = 0;
  let unreadable = 0;
  for (const entry of readEventEntries(files)) {
    if (!entry) {
      unreadable++;
      continue;
    }
    if (entry.asOf !== null && entry.asOf > limit) continue;
    byType.set(entry.detailType, (byType.get(entry.detailType) ?? 0) + 1);
    total++;
  }
  return {
    available: true,
    total,
    unreadable,
    byType: [...byType].map(([type, count]) => ({ type, count })).sort((a, b) => b.count - a.count || a.type.localeCompare(b.type)),
  };
}

export interface EventEntry {
  readonly detailType: string;
  readonly time: string;
  readonly asOf: string | null;
  readonly detail: Record<string, unknown>;
}

/** The stored PutEvents entries of the given day files (eventDayFiles), one per line; null for a line that is not a readable entry. */
export function* readEventEntries(files: readonly string[]): Generator<EventEntry | null> {
  for (const f of files) {
    for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const e = JSON.parse(line) as { DetailType?: unknown; Detail?: unknown; Time?: unknown };
        const detail = typeof e.Detail === 'string' ? (JSON.parse(e.Detail) as Record<string, unknown>) : null;
        if (typeof e.DetailType !== 'string' || !detail || typeof detail !== 'object') {
          yield null;
          continue;
        }
        yield { detailType: e.DetailType, time: String(e.Time ?? ''), asOf: typeof detail.as_of === 'string' ? detail.as_of : null, detail };
      } catch {
        yield null;
      }
    }
  }
}

/** Columns that may name a coupon's kind in the issuer's table (curated/coupons/), in order of preference. */
const COUPON_TYPE_COLUMNS = ['coupon_type', 'campaign', 'offer_type', 'discount_type', 'campaign_id'];

async function couponsSection(conn: DuckDBConnection, lakeDir: string, limit: string): Promise<Section<CouponsSection>> {
  const table = 'coupons';
  if (!isMaterialised(lakeDir, table)) return missing(table, RUN.coupons);
  const cols = await columnNames(conn, table);
  const typeColumn = COUPON_TYPE_COLUMNS.find((c) => cols.includes(c)) ?? null;
  const type = typeColumn ? `coalesce(cast(${typeColumn} as varchar), '(none)')` : "'coupon'";
  const value = cols.includes('value') ? 'sum(value)' : 'null';
  const asOf = cols.includes('as_of') ? 'where cast(as_of as date) <= cast($1 as date)' : 'where $1 is not null';
  const rows = await boundRows(conn, `select ${type} as type, count(*) as n, ${value} as face_value from ${table} ${asOf} group by all order by n desc, type`, [limit]);
  return {
    available: true,
    table,
    typeColumn,
    total: rows.reduce((a, r) => a + num(r.n), 0),
    faceValue: value === 'null' ? null : rows.reduce((a, r) => a + num(r.face_value), 0),
    byType: rows.map((r) => ({ type: String(r.type), count: num(r.n) })),
  };
}

/** Region of a shipment whose shipment_created named none. */
export const UNKNOWN_REGION = '(unknown)';

/** The delivery section alone (collectReportData reads it with every other section). */
export async function deliveriesSection(conn: DuckDBConnection, lakeDir: string, limit: string = NO_LIMIT): Promise<Section<DeliveriesSection>> {
  if (!hasParquet(lakeDir, 'curated/events/source=delivery')) return missing('stg_deliveries', RUN.deliveries);
  const rows = await boundRows(
    conn,
    `with d as (
       select shipment_id, event_type, carrier, region, promised_by, occurred_at
       from stg_deliveries where cast(occurred_at as date) <= cast($1 as date)),
     s as (
       select shipment_id,
              min(case when event_type = 'delivery.shipment_created' then carrier end) as carrier,
              min(case when event_type = 'delivery.shipment_created' then region end) as region,
              min(case when event_type = 'delivery.shipment_created' then promised_by end) as promised_by,
              count(case when event_type = 'delivery.shipment_created' then 1 end) as created,
              min(case when event_type = 'delivery.delivered' then occurred_at end) as delivered_at,
              min(case when event_type = 'delivery.returned_to_sender' then occurred_at end) as returned_at
       from d group by shipment_id),
     f as (
       select strftime(coalesce(delivered_at, returned_at), '%Y-%m') as month, carrier, coalesce(region, '${UNKNOWN_REGION}') as region,
              delivered_at is null or delivered_at > promised_by as is_late
       from s where created > 0 and coalesce(delivered_at, returned_at) is not null)
     select month, carrier, region, count(*) as finished, count(case when is_late then 1 end) as late
     from f group by all order by month, carrier, region`,
    [limit],
  );
  if (!rows.length) return missing('stg_deliveries', RUN.deliveries);
  const cells = rows.map((r) => ({ month: String(r.month), carrier: String(r.carrier), region: String(r.region), finished: num(r.finished), late: num(r.late) }));
  const months = [...new Set(cells.map((c) => c.month))].sort();
  const rate = (finished: number, late: number) => (finished ? late / finished : null);
  const totalsBy = (key: (c: (typeof cells)[number]) => string): LateRate[] => {
    const m = new Map<string, { finished: number; late: number }>();
    for (const c of cells) {
      const t = m.get(key(c)) ?? { finished: 0, late: 0 };
      t.finished += c.finished;
      t.late += c.late;
      m.set(key(c), t);
    }
    return [...m].map(([k, t]) => ({ key: k, ...t, rate: rate(t.finished, t.late) })).sort((a, b) => b.finished - a.finished || a.key.localeCompare(b.key));
  };
  const overMonths = (keys: readonly LateRate[], key: (c: (typeof cells)[number]) => string) =>
    keys.map((k) => ({
      key: k.key,
      rates: months.map((month) => {
        const inMonth = cells.filter((c) => c.month === month && key(c) === k.key);
        return rate(inMonth.reduce((a, c) => a + c.finished, 0), inMonth.reduce((a, c) => a + c.late, 0));
      }),
    }));
  const byCarrier = totalsBy((c) => c.carrier);
  const byRegion = totalsBy((c) => c.region);
  const finished = cells.reduce((a, c) => a + c.finished, 0);
  const late = cells.reduce((a, c) => a + c.late, 0);
  return {
    available: true,
    finished,
    late,
    rate: rate(finished, late),
    months,
    byCarrier,
    byRegion,
    carrierByMonth: overMonths(byCarrier, (c) => c.carrier),
    regionByMonth: overMonths(byRegion, (c) => c.region),
    cells,
  };
}

async function sourceCouponsSection(conn: DuckDBConnection, limit: string): Promise<Section<SourceCouponsSection>> {
  const rows = await boundRows(
    conn,
    // A redemption names only its coupon; its discount type is the one the coupon was issued with.
    `with c as (
       select event_type, coupon_id, discount_type from stg_coupon_events where cast(occurred_at as date) <= cast($1 as date)),
     kinds as (select coupon_id, max(discount_type) as discount_type from c where event_type = 'coupon.issued' group by coupon_id)
     select coalesce(c.discount_type, k.discount_type, '(unknown)') as discount_type,
            count(case when c.event_type = 'coupon.issued' then 1 end) as issued,
            count(case when c.event_type = 'coupon.redeemed' then 1 end) as redeemed
     from c left join kinds as k on k.coupon_id = c.coupon_id
     group by all order by issued desc, discount_type`,
    [limit],
  ).catch(() => []);
  if (!rows.length) return missing('stg_coupon_events', RUN.ingest);
  return { available: true, byType: rows.map((r) => ({ discountType: String(r.discount_type), issued: num(r.issued), redeemed: num(r.redeemed) })) };
}
