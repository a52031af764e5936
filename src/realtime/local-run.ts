/**
 * The stream rules on a laptop: the curated events (those the rules have not processed yet, or an event-time range)
 * in event-time order, in batches of 500 as Kinesis would hand them, through the same processBatch the Lambda runs,
 * with the lake's latest scores, consent, prices and review sentiment as context; events go to the local bus (its
 * ledger skips ids published before), state and live counters to the lake, all in one lake commit.
 *
 * `retail-lake ingest` runs it after its own commit on every curated event the rules have not processed yet (the
 * rules' cursor, `realtime/cursor.json`: received_at at or before it has been processed), so an ingest killed between
 * the two commits loses nothing: its rerun (or the next ingest) finds those records beyond the cursor. The demo runs
 * it after scoring on the last days of the year (so VipArrived has scores to go by).
 */
import { openDuckDB, queryRows, sqlString } from '../adapters/local/duckdb.ts';
import { LocalEventBus } from '../adapters/local/event-bus.ts';
import { LocalRealtimeState } from '../adapters/local/realtime-state.ts';
import { consentOfTag, type CustomerConsent } from '../consent/index.ts';
import { identityColumn } from '../contract/tables.ts';
import { IDENTITY_TYPES } from '../contract/envelope.ts';
import { publishNew } from '../events/bus.ts';
import type { DetailType, ModelEvent } from '../events/schemas.ts';
import { crashPoint, lakeFiles, withLakeCommit } from '../lake/commit.ts';
import { Sfc32 } from '../random/sfc32.ts';
import { partitionValues, tableFileList } from '../lake/table-files.ts';
import { loadRealtimeConfig, type RealtimeConfig } from './config.ts';
import { ruleContext, type ScoreFacts } from './context.ts';
import { processBatch } from './process.ts';
import { mapResolver, toStreamEvent, type CuratedEventLike, type StreamEvent } from './stream-event.ts';

/**
 * Which events: without any of `occurredSince`, `lastDays`, `receivedSince` or `all`: those the rules have not
 * processed yet (received after the cursor), what `ingest` runs. With one of them, that window whether processed
 * before or not (a replay: the state and the ledger make it publish nothing twice). Either way the cursor moves to
 * the newest received_at in the lake: events received by then and outside a window are left out for good.
 */
export interface LocalStreamOptions {
  readonly lakeDir: string;
  /** Only events that occurred at or after this ISO time. */
  readonly occurredSince?: string;
  /** Only events of the last this many days before the newest event time (the demo). */
  readonly lastDays?: number;
  /** Only events the cleanser received at or after this ISO time. */
  readonly receivedSince?: string;
  /** Every curated event, processed before or not. */
  readonly all?: boolean;
  /** @default loadRealtimeConfig() */
  readonly config?: RealtimeConfig;
  /**
   * Simulated late arrival (tests and the bench): each event arrives up to this many ms after it occurred (seeded
   * draws), and batches follow arrival order, so events reach the rules out of event-time order. @default 0
   */
  readonly arrivalJitterMs?: number;
  readonly seed?: number;
  /** Events per batch. @default 500 */
  readonly batchSize?: number;
  readonly now?: () => Date;
}

export interface LocalStreamSummary {
  readonly events: number;
  /** Events naming nobody (anonymous till sales): no customer to keep state for. */
  readonly anonymous: number;
  readonly customers: number;
  readonly published: number;
  readonly alreadyPublished: number;
  readonly byType: Partial<Record<DetailType, number>>;
  readonly openCarts: number;
  readonly scoresAsOf: string | null;
  /** The rules' cursor after the run (ISO): every event received at or before it has been through them. */
  readonly receivedThrough: string | null;
  /** The events published, for the caller (bench, tests). */
  readonly publishedEvents: readonly ModelEvent[];
}

/** A lake folder's committed Parquet files as a DuckDB list, or undefined when there are none. */
function folderFiles(lakeDir: string, rel: string): string | undefined {
  const files = lakeFiles(lakeDir, rel, '.parquet');
  return files.length ? `[${files.map(sqlString).join(', ')}]` : undefined;
}

async function rowsOf(conn: Awaited<ReturnType<typeof openDuckDB>>, sql: string): Promise<Record<string, unknown>[]> {
  return queryRows(conn, sql);
}

/** Scores, consent, prices, sentiment and identity from the lake (empty where a table does not exist yet). */
async function lakeContext(lakeDir: string, config: RealtimeConfig, now?: () => Date) {
  const conn = await openDuckDB();
  try {
    const scoreDay = partitionValues(lakeDir, 'curated/customer_scores', 'dt').at(-1);
    const scoreFiles = scoreDay ? folderFiles(lakeDir, `curated/customer_scores/dt=${scoreDay}`) : undefined;
    const scores = (scoreFiles
      ? await rowsOf(conn, `select customer_key, cast(as_of as varchar) as as_of, clv_365d, churn_probability from read_parquet(${scoreFiles})`)
      : []) as unknown as ScoreFacts[];
    const tagDay = partitionValues(lakeDir, 'curated/customer_tags', 'dt').at(-1);
    const tagFiles = tagDay ? folderFiles(lakeDir, `curated/customer_tags/dt=${tagDay}`) : undefined;
    const consent = new Map<string, CustomerConsent>();
    if (tagFiles) {
      const cols = (await rowsOf(conn, `select column_name from (describe select * from read_parquet(${tagFiles}))`)).map((r) => String(r.column_name));
      if (cols.includes('consent')) {
        for (const r of await rowsOf(conn, `select customer_key, consent from read_parquet(${tagFiles})`)) consent.set(String(r.customer_key), consentOfTag(r as never));
      }
    }
    const productFiles = folderFiles(lakeDir, 'curated/products');
    const prices = new Map<string, number>();
    if (productFiles) for (const r of await rowsOf(conn, `select sku, cast(list_price as double) as p from read_parquet(${productFiles}, union_by_name = true)`)) prices.set(String(r.sku), Number(r.p));
    const reviewFiles = folderFiles(lakeDir, 'curated/review_scores');
    const sentiment = new Map<string, number>();
    if (reviewFiles) for (const r of await rowsOf(conn, `select review_id, sentiment_score from read_parquet(${reviewFiles}, union_by_name = true)`)) sentiment.set(String(r.review_id), Number(r.sentiment_score));
    const mapFiles = folderFiles(lakeDir, 'curated/identity_map');
    const identity = mapFiles ? await rowsOf(conn, `select identity_type, identity_value, customer_key from read_parquet(${mapFiles})`) : [];
    return {
      ctx: ruleContext({ scores, consent, prices, sentiment, ...(now ? { now } : {}) }, config),
      resolver: mapResolver(identity as never),
      scoresAsOf: scoreDay ?? null,
    };
  } finally {
    conn.closeSync();
  }
}

const tsLiteral = (iso: string) => `cast(${sqlString(iso.replace('T', ' ').replace('Z', ''))} as timestamp)`;

/** Whether the options name a window (a replay) rather than "what the rules have not processed". */
const windowed = (o: LocalStreamOptions) => o.all === true || o.occurredSince !== undefined || o.lastDays !== undefined || o.receivedSince !== undefined;

/**
 * The curated events in range, in event-time order (ties by event id, so every run sees one order), and the newest
 * received_at in the lake (the cursor's next value; null when there are no events).
 */
async function curatedEvents(lakeDir: string, o: LocalStreamOptions, receivedThrough: number | null): Promise<{ rows: CuratedEventLike[]; newestReceived: number | null }> {
  const files = tableFileList(lakeDir, 'curated_events');
  if (!files) return { rows: [], newestReceived: null };
  const conn = await openDuckDB();
  try {
    const newest = (await queryRows(conn, `select strftime(max(received_at), '%Y-%m-%dT%H:%M:%S.%gZ') as t from read_parquet(${files}, hive_partitioning = false, union_by_name = true)`))[0]?.t;
    const newestReceived = typeof newest === 'string' ? Date.parse(newest) : null;
    // Nothing received since the cursor: no need to read the events.
    if (!windowed(o) && (newestReceived === null || (receivedThrough !== null && newestReceived <= receivedThrough))) return { rows: [], newestReceived };
    let since = o.occurredSince;
    if (o.lastDays !== undefined) {
      const newest = (await queryRows(conn, `select strftime(max(occurred_at), '%Y-%m-%dT%H:%M:%S.%gZ') as t from read_parquet(${files}, hive_partitioning = false, union_by_name = true)`))[0]?.t;
      if (typeof newest === 'string') since = new Date(Date.parse(newest) - o.lastDays * 86_400_000).toISOString();
    }
    const where = [
      since ? `occurred_at >= ${tsLiteral(since)}` : null,
      o.receivedSince ? `received_at >= ${tsLiteral(o.receivedSince)}` : null,
      !windowed(o) && receivedThrough !== null ? `received_at > ${tsLiteral(new Date(receivedThrough).toISOString())}` : null,
    ].filter(Boolean);
    const ids = IDENTITY_TYPES.map((t) => identityColumn(t));
    const rows = (await queryRows(
      conn,
      `select event_id, event_type, strftime(occurred_at, '%Y-%m-%dT%H:%M:%S.%gZ') as occurred_at, store_id, payload, ${ids.join(', ')} from read_parquet(${files}, hive_partitioning = false, union_by_name = true)${where.length ? ` where ${where.join(' and ')}` : ''} order by occurred_at, event_id`,
    )) as unknown as CuratedEventLike[];
    return { rows, newestReceived };
  } finally {
    conn.closeSync();
  }
}

/** Runs in one lake commit: events, state and live counters land together, or nothing does. */
export function runLocalStreamRules(o: LocalStreamOptions): Promise<LocalStreamSummary> {
  return withLakeCommit(o.lakeDir, 'stream rules', () => run(o));
}

async function run(o: LocalStreamOptions): Promise<LocalStreamSummary> {
  const config = o.config ?? loadRealtimeConfig();
  const store = LocalRealtimeState.open(o.lakeDir);
  const before = store.receivedThrough();
  const { rows, newestReceived } = await curatedEvents(o.lakeDir, o, before);
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  if (!rows.length && (newestReceived === null || (before !== null && newestReceived <= before))) {
    // Nothing new: no lake write at all.
    const live = store.live();
    return { events: 0, anonymous: 0, customers: live.length, published: 0, alreadyPublished: 0, byType: {}, openCarts: live.filter((l) => l.open_cart_skus.length > 0).length, scoresAsOf: null, receivedThrough: iso(before), publishedEvents: [] };
  }
  const { ctx, resolver, scoresAsOf } = await lakeContext(o.lakeDir, config, o.now);
  const bus = new LocalEventBus(o.lakeDir);
  const decided: ModelEvent[] = [];
  const events: StreamEvent[] = [];
  let anonymous = 0;
  for (const r of rows) {
    const e = toStreamEvent(r, resolver);
    if (e) events.push(e);
    else anonymous++;
  }
  if (o.arrivalJitterMs) {
    const rng = new Sfc32(o.seed ?? 1, 'arrival');
    const arrival = new Map(events.map((e) => [e, e.at + rng.next() * o.arrivalJitterMs!]));
    events.sort((a, b) => arrival.get(a)! - arrival.get(b)!);
  }
  const size = o.batchSize ?? 500;
  for (let i = 0; i < events.length; i += size) {
    // Decisions are collected and published once at the end (one write of the day file); the ledger check happens there.
    const r = await processBatch(events.slice(i, i + size), { store, config, ctx, publish: async (d) => (decided.push(...d), { published: d, alreadyPublished: 0 }) });
    void r;
  }
  const { published, alreadyPublished } = decided.length ? await publishNew(decided, { bus, ledger: bus, ...(o.now ? { now: o.now } : {}) }) : { published: [], alreadyPublished: 0 };
  if (newestReceived !== null) store.advanceReceivedThrough(newestReceived);
  crashPoint('stream rules:decided');
  // The state, the live counters and the cursor in the same commit as the events: all of this run, or none of it.
  await store.flush();
  const byType: Partial<Record<DetailType, number>> = {};
  for (const e of published) byType[e.detailType] = (byType[e.detailType] ?? 0) + 1;
  const live = store.live();
  return {
    events: rows.length,
    anonymous,
    customers: live.length,
    published: published.length,
    alreadyPublished,
    byType,
    openCarts: live.filter((l) => l.open_cart_skus.length > 0).length,
    scoresAsOf,
    receivedThrough: iso(store.receivedThrough()),
    publishedEvents: published,
  };
}

/** The figures a command prints (--json) for a run. */
export function streamRulesFigures(s: LocalStreamSummary): Record<string, unknown> {
  return { events: s.events, customers: s.customers, published: s.published, alreadyPublished: s.alreadyPublished, byType: s.byType, openCarts: s.openCarts, scoresAsOf: s.scoresAsOf, receivedThrough: s.receivedThrough };
}

/** One human line for a run. */
export function streamRulesLine(s: LocalStreamSummary): string {
  if (s.events === 0) return `nothing they had not processed (cursor ${s.receivedThrough ?? 'unset'}); ${s.customers.toLocaleString('en')} customers, ${s.openCarts} open carts`;
  const types = Object.entries(s.byType).map(([t, n]) => `${t} ${n}`).join(', ') || 'no events';
  return `${s.events.toLocaleString('en')} events, ${s.customers.toLocaleString('en')} customers: ${types}${s.alreadyPublished ? ` (${s.alreadyPublished} published before)` : ''}; ${s.openCarts} open carts${s.scoresAsOf ? `; VIPs from scores as of ${s.scoresAsOf}` : '; no scores yet, so no VipArrived'}`;
}
