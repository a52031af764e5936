/**
 * Scoring in shards: the customers of a customer_tags snapshot split by a stable hash of their customer_key, each
 * shard scored by its own invocation (a Step Functions Distributed Map in AWS, a loop locally), with the same scores
 * and the same change-only events as one scoring of everyone. The steps, each a function over ports so the local
 * command and the AWS state machine run the same code:
 *
 *   planScoring      once: the as-of, the model versions (pinned: a model pushed mid-run changes no shard), the run id
 *   scoreShard       per shard: the models on the shard's customers; staged rows, plus the shard's churn and CLV
 *                    values (and the previous scoring's CLVs) for the ranks
 *   rankScoring      once: the whole run's ranks from every shard's values: churn_percentile's 1,001 breakpoints,
 *                    the high-value CLV cut of this and the previous scoring, the CLV tail for clv_percentile
 *   finishShard      per shard: churn_percentile, next-best products, profiles, then the events of the shard's
 *                    customers against the previous scoring (ledger: nothing published twice), rows staged
 *   commitScoring    once: customer_scores dt=<as-of> from every shard's rows (one write), the run's summary
 *
 * Why the rank step: churn_percentile and the HighValueCustomerAtRisk rule rank a customer among all customers of the
 * scoring, not of its shard; the breakpoints and the cut make those ranks exactly the unsharded ones (tested against
 * scoreLake). Everything a retried step writes has a fixed name, so a step retried after a crash overwrites what it
 * wrote, and its events are in the ledger already.
 */
import { createHash, randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { MarketingChannel } from '../consent/index.ts';
import { publishNew, type EventBus, type EventLedger } from '../events/bus.ts';
import { evaluateRules, upperBound, type EventRules, type Population } from '../events/rules.ts';
import type { DetailType } from '../events/schemas.ts';
import type { ModelCard, ModelStore, TagRow } from '../models/index.ts';
import { nothingToDo, type NothingToDo } from '../ops/nothing-to-do.ts';
import type { ProfileStore } from '../ports/index.ts';
import { buildProfileDocuments, type IdentityRow } from '../profiles/document.ts';
import type { Purchase } from '../train/lake-data.ts';
import { ScoreError } from './errors.ts';
import type { CustomerScore } from './schema.ts';
import { SCORED_MODELS, scoreCustomers } from './score.ts';
import { scoreUplift, withPredictedUplift } from './uplift-scorer.ts';

/** Most shards a scoring may have (a Distributed Map runs thousands; more than this is a typo, not a plan). */
export const MAX_SHARDS = 1000;

/** Shard `index` (0-based) of `count`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** A shard count that is not a whole number from 1 to MAX_SHARDS. */
export class ShardCountError extends ScoreError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ShardCountError';
  }
}

/** A sharded run whose staged data is missing or from another run (a step ran out of order). */
export class ShardedScoringError extends ScoreError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ShardedScoringError';
  }
}

/** Checks a shard count; `where` names the setting in the message. */
export function checkShardCount(value: unknown, where = 'shard count'): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_SHARDS) {
    throw new ShardCountError(`${where} must be a whole number from 1 to ${MAX_SHARDS} (received ${JSON.stringify(value)})`);
  }
  return n;
}

/**
 * The shard of a customer: the first 32 bits of sha256(customer_key) modulo the count. Stable across runs, machines
 * and engines: shardPredicate is the same function in SQL.
 */
export function shardOf(customerKey: string, count: number): number {
  return Number.parseInt(createHash('sha256').update(customerKey, 'utf8').digest('hex').slice(0, 8), 16) % count;
}

/** shardOf in SQL that runs on Athena (Trino) and on DuckDB (from_base, to_utf8 and sha256 from sql/_dialect/duckdb.sql). */
export function shardPredicate(column: string, shard: Shard): string {
  return `from_base(substr(lower(to_hex(sha256(to_utf8(${column})))), 1, 8), 16) % ${shard.count} = ${shard.index}`;
}

/** The lake data of one shard; an adapter may return more purchases than the shard's (scoreShard keeps its own). */
export interface ShardScoreSource {
  /** The snapshot rows of the shard's customers (shardOf(customer_key) = index), sorted by customer_key. */
  tags(asOf: string, shard: Shard): Promise<TagRow[]>;
  /** At least every purchase whose customer_id is a customer_key or a member_id of the shard's tag rows. */
  purchases(asOf: string, shard: Shard): Promise<Purchase[]>;
}

/** customer_scores as the sharded run uses it. */
export interface ShardedScoresTable {
  previousDate(asOf: string): Promise<string | undefined>;
  /** The rows of one scoring whose customer_key is in the shard. */
  read(asOf: string, shard: Shard): Promise<CustomerScore[]>;
  /** Keeps one shard's final rows for the run (replacing what a previous attempt of the shard staged). */
  stage(runId: string, shard: Shard, rows: readonly CustomerScore[]): Promise<void>;
  /** Replaces the partition dt = asOf with every shard's staged rows of the run, in one write; returns its location. */
  commit(asOf: string, runId: string, shards: number): Promise<string>;
  /** Deletes the run's staged rows (after the commit was recorded, so a retried commit never writes an empty partition). */
  release(runId: string, shards: number): Promise<void>;
}

/** Scratch objects of a run (S3 under the scores' staging prefix, memory locally). */
export interface ScoringStaging {
  put(runId: string, key: string, body: Buffer): Promise<void>;
  /** The object, or undefined. */
  get(runId: string, key: string): Promise<Buffer | undefined>;
  /** Deletes the run's objects except those named in `keep`. */
  clear(runId: string, keep?: readonly string[]): Promise<void>;
}

export interface ShardedScoringPorts {
  readonly source: ShardScoreSource;
  readonly store: ModelStore;
  /** Where the models live, for messages. */
  readonly modelsLocation: string;
  readonly scores: ShardedScoresTable;
  readonly staging: ScoringStaging;
  readonly bus: EventBus & EventLedger;
  readonly rules: EventRules;
  /** Recommended SKUs per customer_key (else member_id). @default next_best_products stays null */
  readonly nextBestProducts?: (asOf: string) => Promise<ReadonlyMap<string, readonly string[]>>;
  /** Where profile documents go, and the identity_map rows of a shard's customers. @default no profiles */
  readonly profiles?: { readonly store: ProfileStore; readonly identities: (shard: Shard) => Promise<IdentityRow[]> };
  readonly now?: () => Date;
}

/** One run, as planScoring fixes it and every later step receives it (the state machine's payload). */
export interface ScoringRun {
  readonly runId: string;
  readonly asOf: string;
  readonly shards: number;
  /** The shard indexes, 0..shards-1 (what the Map iterates). */
  readonly shardIndexes: readonly number[];
  readonly scoredAt: string;
  readonly previousAsOf: string | null;
  readonly publish: boolean;
  /** Pinned model versions (null: not trained). */
  readonly versions: Partial<Record<(typeof SCORED_MODELS)[number], string | null>>;
}

/** What a daily scoring run reports, in one invocation (src/adapters/aws/scheduled-scoring.ts) or in shards. */
export interface ScoringRunSummary {
  readonly asOf: string;
  readonly customers: number;
  readonly output: string;
  readonly models: Record<string, string | null>;
  readonly previousAsOf: string | null;
  /** Customers whose next_best_products were filled (0 without the port or without lists). */
  readonly withNextBestProducts: number;
  readonly events: { readonly published: number; readonly alreadyPublished: number; readonly byType: Partial<Record<DetailType, number>> };
  /** Purchasers left unscored because they refused profiling as of the as-of date (the consent tag). */
  readonly profilingRefused: number;
  /** Profile documents written (0 without the profiles option). */
  readonly profilesWritten: number;
}

export interface ShardedScoringSummary extends ScoringRunSummary {
  readonly shards: number;
  /** Seconds each shard's scoring took, by shard index. */
  readonly shardSeconds: readonly number[];
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const parse = <T>(b: Buffer | undefined, what: string, runId: string): T => {
  if (!b) throw new ShardedScoringError(`run ${runId}: ${what} is missing (the step before it did not finish, or the run was committed already)`);
  return JSON.parse(b.toString('utf8')) as T;
};
const floats = (v: readonly number[]) => Buffer.from(Float64Array.from(v).buffer);
const unfloats = (b: Buffer) => new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
const ROWS_PER_PART = 50_000;

/** Fixes the run: as-of (the newest snapshot unless named), pinned model versions, run id; nothing to do without a snapshot or a model. */
export async function planScoring(
  ports: Pick<ShardedScoringPorts, 'store' | 'scores' | 'modelsLocation' | 'now'>,
  o: { readonly asOf?: string; readonly tagDates: () => Promise<string[]>; readonly shards: number; readonly publish?: boolean; readonly versions?: ScoringRun['versions'] },
): Promise<ScoringRun | (NothingToDo & { readonly asOf: string | null })> {
  const shards = checkShardCount(o.shards);
  const dates = await o.tagDates();
  const asOf = o.asOf ?? dates.at(-1);
  if (!asOf) return { asOf: null, ...nothingToDo('no customer_tags snapshot yet: the tag refresh writes the first one once the lake has events or order lines') };
  if (!dates.includes(asOf)) throw new ShardedScoringError(`no customer_tags snapshot for ${asOf} (snapshots: ${dates.slice(-5).join(', ') || 'none'})`);
  const versions: Record<string, string | null> = {};
  for (const m of SCORED_MODELS) {
    const pinned = o.versions?.[m];
    if (pinned) versions[m] = pinned;
    else versions[m] = (await ports.store.versions(m)).length ? (await ports.store.get(m, 'latest')).version : null;
  }
  if (SCORED_MODELS.every((m) => versions[m] === null)) {
    return { asOf, ...nothingToDo(`no ${SCORED_MODELS.join(', ')} model in ${ports.modelsLocation} yet: train them on a copy of the lake and upload them with \`retail-lake models push\` (docs/deploy.md)`) };
  }
  return {
    runId: randomUUID(),
    asOf,
    shards,
    shardIndexes: Array.from({ length: shards }, (_, i) => i),
    scoredAt: (ports.now ?? (() => new Date()))().toISOString(),
    previousAsOf: (await ports.scores.previousDate(asOf)) ?? null,
    publish: o.publish ?? true,
    versions,
  };
}

interface StagedRow {
  readonly r: CustomerScore;
  /** Segment features (for segment-change reasons). */
  readonly f?: Record<string, number>;
  /** Marketing channels the customer allowed. */
  readonly c: readonly MarketingChannel[];
}

interface ShardStats {
  readonly customers: number;
  readonly parts: number;
  readonly profilingRefused: number;
  readonly seconds: number;
  readonly cards: { readonly segments?: ModelCard; readonly churn?: ModelCard };
}

const shardOfRun = (run: ScoringRun, index: number): Shard => {
  if (!Number.isInteger(index) || index < 0 || index >= run.shards) throw new ShardCountError(`shard must be a whole number from 0 to ${run.shards - 1} (received ${JSON.stringify(index)})`);
  return { index, count: run.shards };
};

/** Scores one shard's customers and stages the rows (churn_percentile not yet set) and the values the ranks need. */
export async function scoreShard(ports: ShardedScoringPorts, run: ScoringRun, index: number): Promise<{ readonly shard: number; readonly customers: number; readonly seconds: number }> {
  const started = Date.now();
  const shard = shardOfRun(run, index);
  const tags = await ports.source.tags(run.asOf, shard);
  const versions = Object.fromEntries(Object.entries(run.versions).filter(([, v]) => v)) as Partial<Record<(typeof SCORED_MODELS)[number], string>>;
  const scored = await scoreCustomers({
    lakeDir: ports.modelsLocation,
    asOf: run.asOf,
    store: ports.store,
    versions,
    now: () => new Date(run.scoredAt),
    source: {
      tags: async () => tags,
      purchases: async (asOf) => {
        const ids = new Set<string>();
        for (const t of tags) {
          ids.add(String(t.customer_key));
          if (t.member_id !== null && t.member_id !== undefined) ids.add(String(t.member_id));
        }
        return (await ports.source.purchases(asOf, shard)).filter((p) => ids.has(p.customerId));
      },
    },
  });
  try {
    const rows = scored.rows;
    let parts = 0;
    for (let i = 0; i < rows.length || parts === 0; i += ROWS_PER_PART, parts++) {
      const lines = rows.slice(i, i + ROWS_PER_PART).map((r) => {
        const f = scored.segmentFeatures.get(r.customer_key);
        return JSON.stringify({ r, ...(f ? { f } : {}), c: scored.marketingChannels.get(r.customer_key) ?? [] } satisfies StagedRow);
      });
      await ports.staging.put(run.runId, `scored/${index}/${parts}`, gzipSync(lines.join('\n')));
    }
    const previous = run.previousAsOf ? await ports.scores.read(run.previousAsOf, shard) : [];
    const values = (rs: readonly CustomerScore[], pick: (r: CustomerScore) => number | null) => rs.map(pick).filter((v): v is number => v !== null);
    await ports.staging.put(run.runId, `values/${index}/churn`, floats(values(rows, (r) => r.churn_probability)));
    await ports.staging.put(run.runId, `values/${index}/clv`, floats(values(rows, (r) => r.clv_365d)));
    await ports.staging.put(run.runId, `values/${index}/previous-clv`, floats(values(previous, (r) => r.clv_365d)));
    const seconds = (Date.now() - started) / 1000;
    const stats: ShardStats = {
      customers: rows.length,
      parts,
      profilingRefused: scored.profilingRefused,
      seconds,
      cards: {
        ...(scored.predictors.segments ? { segments: scored.predictors.segments.card } : {}),
        ...(scored.predictors.churn ? { churn: scored.predictors.churn.card } : {}),
      },
    };
    // Written last: its presence says the shard is scored.
    await ports.staging.put(run.runId, `stats/${index}`, json(stats));
    return { shard: index, customers: rows.length, seconds };
  } finally {
    for (const p of Object.values(scored.predictors)) await p.release();
  }
}

/** The run-wide ranks rankScoring computes (JSON: an absent cut is null, i.e. no customer reaches it). */
interface Ranks {
  readonly customers: number;
  /** churn_percentile j/10 applies from churnBreaks[j] up (null: from the lowest value). */
  readonly churnBreaks: readonly (number | null)[];
  readonly highValueCut: number | null;
  readonly previousHighValueCut: number | null;
  /** CLV values below highValueCut (the sorted tail at or above it is staged as clv-tail). */
  readonly clvBelow: number;
  readonly clvCount: number;
  readonly cards: ShardStats['cards'];
}

function sortedUnion(parts: readonly Float64Array[]): Float64Array {
  const all = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all.sort();
}

/** percentileValue of src/events/rules.ts on sorted values: nearest rank; Infinity when there are none. */
const nearestRank = (sorted: Float64Array, p: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]! : Infinity);

/** Number of sorted values < v. */
function lowerBound(sorted: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * For each j in 0..1000, the smallest value from which percentiles() (src/events/rules.ts) gives j/10: percentiles
 * rounds 1000 * (values <= v) / n, which only grows with v, so j starts at the m-th smallest value, m the smallest
 * count that rounds to j or more.
 */
export function churnBreakpoints(sorted: Float64Array): (number | null)[] {
  const n = sorted.length;
  const breaks: (number | null)[] = [];
  if (!n) return breaks;
  let m = 0;
  for (let j = 0; j <= 1000; j++) {
    while (Math.round((1000 * m) / n) < j) m++;
    breaks.push(m === 0 ? null : sorted[m - 1]!);
  }
  return breaks;
}

/** churn_percentile of a value of the run, from the breakpoints: what percentiles() gives over all values. */
export function percentileFromBreaks(breaks: readonly (number | null)[], v: number): number {
  let lo = 0;
  let hi = breaks.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    const b = breaks[mid];
    if (b === null || b === undefined || v >= b) lo = mid;
    else hi = mid - 1;
  }
  return lo / 10;
}

/** Every shard's values -> the run's ranks. Fails when a shard has not been scored. */
export async function rankScoring(ports: Pick<ShardedScoringPorts, 'staging' | 'rules'>, run: ScoringRun): Promise<{ readonly customers: number }> {
  const stats: ShardStats[] = [];
  const churn: Float64Array[] = [];
  const clv: Float64Array[] = [];
  const previousClv: Float64Array[] = [];
  for (const i of run.shardIndexes) {
    stats.push(parse<ShardStats>(await ports.staging.get(run.runId, `stats/${i}`), `shard ${i}'s scoring`, run.runId));
    const values = async (name: string) => unfloats((await ports.staging.get(run.runId, `values/${i}/${name}`))!);
    churn.push(await values('churn'));
    clv.push(await values('clv'));
    previousClv.push(await values('previous-clv'));
  }
  const hv = ports.rules.highValueAtRisk;
  const cut = (sorted: Float64Array) => Math.max(hv.minClv365d, nearestRank(sorted, hv.minClvPercentile));
  const clvSorted = sortedUnion(clv);
  const highValueCut = cut(clvSorted);
  const previousHighValueCut = cut(sortedUnion(previousClv));
  const clvBelow = Number.isFinite(highValueCut) ? lowerBound(clvSorted, highValueCut) : clvSorted.length;
  await ports.staging.put(run.runId, 'clv-tail', Buffer.from(clvSorted.slice(clvBelow).buffer));
  const ranks: Ranks = {
    customers: stats.reduce((n, s) => n + s.customers, 0),
    churnBreaks: churnBreakpoints(sortedUnion(churn)),
    highValueCut: Number.isFinite(highValueCut) ? highValueCut : null,
    previousHighValueCut: Number.isFinite(previousHighValueCut) ? previousHighValueCut : null,
    clvBelow,
    clvCount: clvSorted.length,
    cards: stats.find((s) => s.cards.segments || s.cards.churn)?.cards ?? {},
  };
  await ports.staging.put(run.runId, 'ranks', json(ranks));
  return { customers: ranks.customers };
}

interface ShardResult {
  readonly published: number;
  readonly alreadyPublished: number;
  readonly byType: Partial<Record<DetailType, number>>;
  readonly profilesWritten: number;
  readonly withNextBestProducts: number;
}

/** Ranks, next-best products, profiles and events of one shard's customers; stages the shard's final rows. */
export async function finishShard(ports: ShardedScoringPorts, run: ScoringRun, index: number): Promise<ShardResult & { readonly shard: number }> {
  const shard = shardOfRun(run, index);
  const ranks = parse<Ranks>(await ports.staging.get(run.runId, 'ranks'), 'the ranks', run.runId);
  const stats = parse<ShardStats>(await ports.staging.get(run.runId, `stats/${index}`), `shard ${index}'s scoring`, run.runId);
  const staged: StagedRow[] = [];
  for (let p = 0; p < stats.parts; p++) {
    const body = await ports.staging.get(run.runId, `scored/${index}/${p}`);
    if (!body) throw new ShardedScoringError(`run ${run.runId}: part ${p} of shard ${index} is missing`);
    const text = gunzipSync(body).toString('utf8');
    if (text) for (const line of text.split('\n')) staged.push(JSON.parse(line) as StagedRow);
  }
  const rows = staged.map((s) => s.r);
  for (const r of rows) if (r.churn_probability !== null) r.churn_percentile = percentileFromBreaks(ranks.churnBreaks, r.churn_probability);

  let withNextBestProducts = 0;
  if (ports.nextBestProducts) {
    const lists = await ports.nextBestProducts(run.asOf);
    for (const r of rows) {
      const list = lists.get(r.customer_key) ?? (r.member_id ? lists.get(r.member_id) : undefined);
      r.next_best_products = list ? [...list] : null;
      if (list) withNextBestProducts++;
    }
  }
  const result: ShardResult = { published: 0, alreadyPublished: 0, byType: {}, profilesWritten: 0, withNextBestProducts };
  if (run.publish) {
    const tags = await ports.source.tags(run.asOf, shard);
    if (ports.profiles) {
      const docs = buildProfileDocuments({ tagsAsOf: run.asOf, tags, scores: rows, identities: await ports.profiles.identities(shard) });
      await ports.profiles.store.writeBatch(docs);
      (result as { profilesWritten: number }).profilesWritten = docs.length;
    }
    const previous = run.previousAsOf ? await ports.scores.read(run.previousAsOf, shard) : undefined;
    const tail = unfloats((await ports.staging.get(run.runId, 'clv-tail')) ?? Buffer.alloc(0));
    const population: Population = {
      highValueCut: ranks.highValueCut ?? Infinity,
      previousHighValueCut: ranks.previousHighValueCut ?? Infinity,
      // Asked only for CLVs at or above the cut (the rule's high-value band): values below it are counted in clvBelow.
      clvPercentile: (v) => (100 * (ranks.clvBelow + upperBound(tail, v))) / ranks.clvCount,
    };
    const events = evaluateRules({
      ...(previous ? { previous } : {}),
      current: rows,
      rules: ports.rules,
      segmentFeatures: new Map(staged.filter((s) => s.f).map((s) => [s.r.customer_key, s.f!])),
      marketingChannels: new Map(staged.map((s) => [s.r.customer_key, s.c])),
      context: { ...(ranks.cards.segments ? { segmentsCard: ranks.cards.segments } : {}), ...(ranks.cards.churn ? { churnCard: ranks.cards.churn } : {}) },
      population,
    });
    let toPublish = events;
    if (events.some((e) => e.detailType === 'HighValueCustomerAtRisk')) {
      try {
        const scores = await scoreUplift(ports.store, tags, run.asOf);
        if (scores) toPublish = withPredictedUplift(events, scores);
      } catch (e) {
        if (!(e instanceof ScoreError)) throw e;
      }
    }
    const published = await publishNew(toPublish, { bus: ports.bus, ledger: ports.bus, busName: ports.rules.busName, source: ports.rules.source, ...(ports.now ? { now: ports.now } : {}) });
    const byType: Partial<Record<DetailType, number>> = {};
    for (const e of published.published) byType[e.detailType] = (byType[e.detailType] ?? 0) + 1;
    Object.assign(result, { published: published.published.length, alreadyPublished: published.alreadyPublished, byType });
  }
  await ports.scores.stage(run.runId, shard, rows);
  await ports.staging.put(run.runId, `result/${index}`, json(result));
  return { shard: index, ...result };
}

/** customer_scores from every shard's staged rows (once), and the run's summary; a retried commit returns the first one's. */
export async function commitScoring(ports: Pick<ShardedScoringPorts, 'staging' | 'scores'>, run: ScoringRun): Promise<ShardedScoringSummary> {
  const done = await ports.staging.get(run.runId, 'committed');
  if (done) return JSON.parse(done.toString('utf8')) as ShardedScoringSummary;
  const stats: ShardStats[] = [];
  const results: ShardResult[] = [];
  for (const i of run.shardIndexes) {
    stats.push(parse<ShardStats>(await ports.staging.get(run.runId, `stats/${i}`), `shard ${i}'s scoring`, run.runId));
    results.push(parse<ShardResult>(await ports.staging.get(run.runId, `result/${i}`), `shard ${i}'s finish`, run.runId));
  }
  const output = await ports.scores.commit(run.asOf, run.runId, run.shards);
  const byType: Partial<Record<DetailType, number>> = {};
  for (const r of results) for (const [t, n] of Object.entries(r.byType)) byType[t as DetailType] = (byType[t as DetailType] ?? 0) + n;
  const sum = (f: (r: ShardResult) => number) => results.reduce((n, r) => n + f(r), 0);
  const summary: ShardedScoringSummary = {
    asOf: run.asOf,
    shards: run.shards,
    customers: stats.reduce((n, s) => n + s.customers, 0),
    output,
    models: Object.fromEntries(SCORED_MODELS.map((m) => [m, run.versions[m] ?? null])),
    previousAsOf: run.previousAsOf,
    withNextBestProducts: sum((r) => r.withNextBestProducts),
    events: { published: sum((r) => r.published), alreadyPublished: sum((r) => r.alreadyPublished), byType },
    profilingRefused: stats.reduce((n, s) => n + s.profilingRefused, 0),
    profilesWritten: sum((r) => r.profilesWritten),
    shardSeconds: stats.map((s) => Math.round(s.seconds * 10) / 10),
  };
  await ports.staging.put(run.runId, 'committed', json(summary));
  await ports.scores.release(run.runId, run.shards);
  await ports.staging.clear(run.runId, ['committed']);
  return summary;
}

/** The whole run in this process, shard after shard: what `retail-lake score --shards N` does locally. */
export async function scoreInShards(
  ports: ShardedScoringPorts,
  o: Parameters<typeof planScoring>[1],
): Promise<ShardedScoringSummary | (NothingToDo & { readonly asOf: string | null })> {
  const run = await planScoring(ports, o);
  if ('nothingToDo' in run) return run;
  for (const i of run.shardIndexes) await scoreShard(ports, run, i);
  await rankScoring(ports, run);
  for (const i of run.shardIndexes) await finishShard(ports, run, i);
  return commitScoring(ports, run);
}

/** ScoringStaging in memory: the local run's scratch (one process runs every step). */
export class MemoryScoringStaging implements ScoringStaging {
  private readonly objects = new Map<string, Buffer>();

  async put(runId: string, key: string, body: Buffer): Promise<void> {
    this.objects.set(`${runId}/${key}`, body);
  }

  async get(runId: string, key: string): Promise<Buffer | undefined> {
    return this.objects.get(`${runId}/${key}`);
  }

  async clear(runId: string, keep: readonly string[] = []): Promise<void> {
    for (const k of [...this.objects.keys()]) if (k.startsWith(`${runId}/`) && !keep.includes(k.slice(runId.length + 1))) this.objects.delete(k);
  }
}
