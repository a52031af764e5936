/**
 * `retail-lake score --shards N`: the sharded scoring of src/score/shards.ts with the local adapters (the lake's
 * Parquet files read through DuckDB, the local bus and ledger, scratch in memory), every step in this process, shard
 * after shard. It gives what `retail-lake score` gives: the same customer_scores and the same events, and the same
 * review scores and ReplenishmentDue events, which are not per customer and run once after the shards.
 */
import { LocalEventBus } from '../adapters/local/event-bus.ts';
import { publishNew } from '../events/bus.ts';
import { loadEventRules } from '../events/rules.ts';
import { replenishmentEvents } from '../events/replenishment.ts';
import type { DetailType } from '../events/schemas.ts';
import { localConfig } from '../config/local.ts';
import { withLakeCommit } from '../lake/commit.ts';
import { LocalModelStore } from '../models/index.ts';
import { isNothingToDo } from '../ops/nothing-to-do.ts';
import { checkAsOf, newestLakeDate, noEventsMessage, readPurchases, readTagSnapshot, type Purchase } from '../train/lake-data.ts';
import { NoTrainedModelsError, ScoreError } from './errors.ts';
import { writeRows } from './parquet.ts';
import { CUSTOMER_SCORE_COLUMNS, CUSTOMER_SCORES_TABLE, type CustomerScore } from './schema.ts';
import { previousScoringDate, readScores, SCORED_MODELS, scoreFigures, scoreLake, type ScoreOptions, type ScoreSummary } from './score.ts';
import { checkShardCount, MemoryScoringStaging, scoreInShards, shardOf, type ShardScoreSource, type ShardedScoresTable, type Shard } from './shards.ts';
import { nextBestProductLists, scoreReviewTexts } from './text-and-recs.ts';

/** The lake's tag snapshot and purchases, read once and split by shard. */
export class LocalShardScoreSource implements ShardScoreSource {
  private tagsCache?: { asOf: string; rows: Awaited<ReturnType<typeof readTagSnapshot>> };
  private purchasesCache?: { asOf: string; rows: Purchase[] };

  constructor(private readonly lakeDir: string) {}

  async tags(asOf: string, shard: Shard) {
    if (this.tagsCache?.asOf !== asOf) this.tagsCache = { asOf, rows: await readTagSnapshot(this.lakeDir, asOf) };
    return this.tagsCache.rows.filter((t) => shardOf(String(t.customer_key), shard.count) === shard.index);
  }

  async purchases(asOf: string): Promise<Purchase[]> {
    if (this.purchasesCache?.asOf !== asOf) this.purchasesCache = { asOf, rows: await readPurchases(this.lakeDir, asOf) };
    return this.purchasesCache.rows;
  }
}

/** customer_scores under the lake: shards' rows kept in memory, written as one partition on commit. */
export class LocalShardedScores implements ShardedScoresTable {
  private readonly staged = new Map<string, CustomerScore[]>();
  /** The rows of the last commit, sorted by customer_key. */
  committed: CustomerScore[] = [];

  constructor(private readonly lakeDir: string) {}

  async previousDate(asOf: string) {
    return previousScoringDate(this.lakeDir, asOf);
  }

  async read(asOf: string, shard: Shard) {
    return (await readScores(this.lakeDir, asOf)).filter((r) => shardOf(r.customer_key, shard.count) === shard.index);
  }

  async stage(runId: string, shard: Shard, rows: readonly CustomerScore[]) {
    this.staged.set(`${runId}/${shard.index}`, [...rows]);
  }

  async commit(asOf: string, runId: string, shards: number) {
    const rows: CustomerScore[] = [];
    for (let i = 0; i < shards; i++) {
      const part = this.staged.get(`${runId}/${i}`);
      if (!part) throw new ScoreError(`run ${runId}: shard ${i} staged no rows`);
      for (const r of part) rows.push(r); // not push(...part): a shard of a million rows overflows the stack
    }
    rows.sort((a, b) => (a.customer_key < b.customer_key ? -1 : a.customer_key > b.customer_key ? 1 : 0));
    this.committed = rows;
    return writeRows({ lakeDir: this.lakeDir, relDir: `${CUSTOMER_SCORES_TABLE}/dt=${asOf}`, columns: CUSTOMER_SCORE_COLUMNS, rows, mode: 'replace' });
  }

  async release(runId: string, shards: number) {
    for (let i = 0; i < shards; i++) this.staged.delete(`${runId}/${i}`);
  }
}

/** `score` in shards; in one lake commit. */
export function scoreLakeSharded(o: ScoreOptions & { readonly shards: number }): Promise<ScoreSummary & { readonly shardSeconds: readonly number[] }> {
  const shards = checkShardCount(o.shards, '--shards');
  return withLakeCommit(o.lakeDir, 'score', async () => {
    const started = Date.now();
    const store = o.store ?? new LocalModelStore(o.lakeDir);
    const trained = await Promise.all(SCORED_MODELS.map(async (m) => o.versions?.[m] !== undefined || (await store.versions(m)).length > 0));
    // Review scores alone (no customer model): nothing to shard.
    if (!trained.some(Boolean)) return { ...(await scoreLake(o)), shardSeconds: [] };
    const asOf = o.asOf !== undefined ? checkAsOf(o.asOf) : await newestLakeDate(o.lakeDir);
    if (asOf === undefined) throw new ScoreError(noEventsMessage(o.lakeDir));
    const rules = o.rules ?? loadEventRules();
    const bus = o.bus ?? new LocalEventBus(o.lakeDir);
    const scores = new LocalShardedScores(o.lakeDir);
    let recsVersion: string | null = null;
    const summary = await scoreInShards(
      {
        source: new LocalShardScoreSource(o.lakeDir),
        store,
        modelsLocation: o.lakeDir,
        scores,
        staging: new MemoryScoringStaging(),
        bus,
        rules,
        nextBestProducts: async (day) => {
          const r = await nextBestProductLists(o.lakeDir, day, store);
          recsVersion = r.version;
          return r.lists;
        },
        ...(o.now ? { now: o.now } : {}),
      },
      { asOf, tagDates: async () => [asOf], shards, ...(o.versions ? { versions: o.versions } : {}) },
    );
    if (isNothingToDo(summary)) throw new NoTrainedModelsError(summary.nothingToDo);
    const reviewScores = await scoreReviewTexts(o.lakeDir, asOf, store);
    const replenishment = await replenishmentEvents(o.lakeDir, asOf, o.leadTimeDays ?? localConfig().leadTimeDays);
    const more = await publishNew(replenishment.events, { bus, ledger: bus, busName: rules.busName, source: rules.source, ...(o.now ? { now: o.now } : {}) });
    const byType: Partial<Record<DetailType, number>> = { ...summary.events.byType };
    for (const e of more.published) byType[e.detailType] = (byType[e.detailType] ?? 0) + 1;
    return {
      asOf,
      customers: summary.customers,
      output: summary.output,
      models: { ...summary.models, recs: recsVersion, sentiment: reviewScores.version },
      ...scoreFigures(scores.committed, rules),
      previousAsOf: summary.previousAsOf,
      events: { published: summary.events.published + more.published.length, alreadyPublished: summary.events.alreadyPublished + more.alreadyPublished, byType },
      profilingRefused: summary.profilingRefused,
      reviewScores,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      shardSeconds: summary.shardSeconds,
    };
  });
}
