/**
 * Sharded scoring (src/score/shards.ts): the same customer_scores and the same events in any number of shards as in
 * one scoring of everyone, retries that publish nothing twice, and a shard hash that SQL and TypeScript agree on.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLakeCatalog } from '../../src/lake/local-catalog.ts';
import { queryRows } from '../../src/adapters/local/duckdb.ts';
import { LocalEventBus } from '../../src/adapters/local/event-bus.ts';
import type { BusEntry, EventBus, EventLedger } from '../../src/events/bus.ts';
import { evaluateRules } from '../../src/events/rules.ts';
import type { ModelEvent } from '../../src/events/schemas.ts';
import { LocalModelStore } from '../../src/models/index.ts';
import { scoreLakeSharded } from '../../src/score/local-shards.ts';
import { readScores, scoreCustomers } from '../../src/score/score.ts';
import { Predictor } from '../../src/score/predictor.ts';
import { readTagSnapshot } from '../../src/train/lake-data.ts';
import type { CustomerScore } from '../../src/score/schema.ts';
import {
  checkShardCount,
  commitScoring,
  finishShard,
  MemoryScoringStaging,
  planScoring,
  rankScoring,
  scoreInShards,
  scoreShard,
  shardOf,
  shardPredicate,
  type ShardedScoringPorts,
} from '../../src/score/shards.ts';
import { copyOfScoredLake, scoredLake, scoredRules, SCORED } from '../train/fixture-lake.ts';
import { MemoryScores, SyntheticCustomers, syntheticKey } from './synthetic-customers.ts';

/** The test's own shard hash: the first four bytes of sha256 as a big-endian unsigned integer, modulo the count. */
const testShard = (key: string, count: number): number => createHash('sha256').update(key).digest().readUInt32BE(0) % count;

/** A bus that is its own ledger, in memory; `failOnce` makes the first put of that many entries or more throw. */
class MemoryBus implements EventBus, EventLedger {
  readonly entries: BusEntry[] = [];
  failNextPut = false;
  async putEvents(entries: readonly BusEntry[]) {
    if (this.failNextPut) {
      this.failNextPut = false;
      throw new Error('emulated crash before the bus took the batch');
    }
    this.entries.push(...entries);
  }
  async published(ids: readonly string[]) {
    const seen = new Set(this.entries.map((e) => (JSON.parse(e.Detail) as { event_id: string }).event_id));
    return new Set(ids.filter((id) => seen.has(id)));
  }
}

const details = (entries: readonly BusEntry[]) => entries.map((e) => JSON.parse(e.Detail) as { event_id: string }).sort((a, b) => (a.event_id < b.event_id ? -1 : 1));
const withoutStamp = (rows: readonly CustomerScore[]) => rows.map(({ scored_at: _s, ...r }) => r);

describe('shard of a customer', () => {
  it('is the first 32 bits of sha256(customer_key) modulo the count, in TypeScript and in SQL on DuckDB', async () => {
    const keys = Array.from({ length: 500 }, (_, i) => (i % 2 ? syntheticKey(i) : `ck_${createHash('md5').update(String(i)).digest('hex').slice(0, 20)}`));
    for (const k of keys) expect(shardOf(k, 7)).toBe(testShard(k, 7));
    const lake = await scoredLake();
    const cat = await openLakeCatalog(lake);
    try {
      const values = keys.map((k) => `('${k}')`).join(', ');
      for (const index of [0, 3, 6]) {
        const rows = await queryRows(cat.conn, `select k from (values ${values}) as t(k) where ${shardPredicate('k', { index, count: 7 })} order by k`);
        expect(rows.map((r) => String(r.k))).toEqual(keys.filter((k) => testShard(k, 7) === index).sort());
      }
    } finally {
      cat.close();
    }
    // Every key lands in some shard: the counts add up.
    expect([0, 1, 2, 3, 4, 5, 6].reduce((n, s) => n + keys.filter((k) => shardOf(k, 7) === s).length, 0)).toBe(keys.length);
  });

  it('rejects a shard count that is not a whole number from 1 to 1000, naming the setting and the value', () => {
    expect(() => checkShardCount(0, 'scoring.shards')).toThrow('scoring.shards must be a whole number from 1 to 1000 (received 0)');
    expect(() => checkShardCount(2.5, '--shards')).toThrow('received 2.5');
    expect(() => checkShardCount('many', 'scoring.shards')).toThrow('received "many"');
    expect(checkShardCount('4')).toBe(4);
  });
});

describe('a customer\'s model outputs do not depend on the batch it is scored in', () => {
  // The cause of a 200,000-customer bench whose 1- and 4-shard churn scores differed for one customer: onnxruntime's
  // path depends on the batch size and on the row's place in it (src/score/predictor.ts SCORING_SESSION_OPTIONS).
  it('gives every customer the same churn probability, margin and contributions in one batch and in batches of 1, 7 and 37 of shuffled rows', async () => {
    const lake = await scoredLake();
    const tags = (await readTagSnapshot(lake, SCORED.dates[1]!, { refresh: false })).filter((t) => Number(t.orders_total ?? 0) > 0);
    const churn = await Predictor.load(new LocalModelStore(lake), 'churn');
    try {
      const n = tags.length;
      const outputs = async (order: readonly number[], batchSize: number) => {
        const r = await churn.score(order.map((i) => tags[i]!), { asOf: SCORED.dates[1]!, batchSize });
        const perRow = (name: string) => {
          const v = r.outputs[name]!.values as number[];
          const w = v.length / n;
          const out: number[][] = [];
          order.forEach((row, i) => (out[row] = v.slice(i * w, (i + 1) * w)));
          return out;
        };
        return { probability: perRow('probability'), margin: perRow('margin'), contributions: perRow('contributions') };
      };
      const identity = tags.map((_, i) => i);
      const one = await outputs(identity, 10_000);
      expect(n).toBeGreaterThan(100);
      for (const [batch, shift] of [[1, 0], [7, 3], [37, 11]] as const) {
        const rotated = identity.map((i) => (i + shift) % n);
        expect(await outputs(rotated, batch), `batches of ${batch}`).toEqual(one);
      }
    } finally {
      await churn.release();
    }
  }, 60_000);
});

describe('2,000 synthetic customers on two days, in 1 and in 3 shards', () => {
  const N = 2_000;
  const [day1, day2] = SCORED.dates;
  const rules = scoredRules();
  let lake: string;
  let synthetic: SyntheticCustomers;
  const runs = new Map<number, { scores: MemoryScores; bus: MemoryBus; summaries: unknown[] }>();
  const ports = (scores: MemoryScores, bus: MemoryBus, staging = new MemoryScoringStaging()): ShardedScoringPorts => ({
    source: synthetic,
    store: new LocalModelStore(lake),
    modelsLocation: lake,
    scores,
    staging,
    bus,
    rules,
    now: () => new Date('2026-01-02T06:00:00Z'),
  });

  beforeAll(async () => {
    lake = await scoredLake();
    synthetic = await SyntheticCustomers.fromLake(lake, SCORED.dates, N, testShard);
    for (const shards of [1, 3]) {
      const scores = new MemoryScores(testShard);
      const bus = new MemoryBus();
      const summaries = [];
      for (const asOf of [day1!, day2!]) summaries.push(await scoreInShards(ports(scores, bus), { asOf, tagDates: async () => [...SCORED.dates], shards }));
      runs.set(shards, { scores, bus, summaries });
    }
  }, 240_000);

  it('gives every customer the same scores, churn percentiles among all 2,000 included', () => {
    for (const [d, asOf] of [day1!, day2!].entries()) {
      const one = runs.get(1)!.scores.partitions.get(asOf)!;
      const three = runs.get(3)!.scores.partitions.get(asOf)!;
      // Every customer scored, but those whose base customer refused profiling.
      const summary = runs.get(3)!.summaries[d] as { customers: number; profilingRefused: number };
      expect(summary.customers + summary.profilingRefused).toBe(N);
      expect(summary.profilingRefused).toBeLessThan(N / 5);
      expect(one).toHaveLength(summary.customers);
      expect(three).toEqual(one);
    }
    // Customers of each base row tie on churn: one percentile per tie, however the ties are split across shards.
    const rows = runs.get(3)!.scores.partitions.get(day2!)!;
    const byProbability = new Map<number, Set<number>>();
    for (const r of rows) byProbability.set(r.churn_probability!, (byProbability.get(r.churn_probability!) ?? new Set()).add(r.churn_percentile!));
    expect([...byProbability.values()].every((s) => s.size === 1)).toBe(true);
    expect(Math.max(...rows.map((r) => r.churn_percentile!))).toBe(100);
  });

  it('publishes the same events, with the same details, as one scoring of everyone does', async () => {
    const one = details(runs.get(1)!.bus.entries);
    expect(one.length).toBeGreaterThan(50);
    expect(details(runs.get(3)!.bus.entries)).toEqual(one);
    // Both days' kinds are there: the change events need the previous day's scoring of the same customers.
    const types = new Set(runs.get(3)!.bus.entries.map((e) => e.DetailType));
    expect([...types].sort()).toEqual(['CustomerChurnRiskRaised', 'CustomerSegmentChanged', 'HighValueCustomerAtRisk']);

    // A second implementation: the unsharded scoring and rules over all 2,000 at once, for the second day.
    const store = new LocalModelStore(lake);
    const all = { index: 0, count: 1 };
    const scored = await scoreCustomers({ lakeDir: lake, asOf: day2!, store, now: () => new Date('2026-01-02T06:00:00Z'), source: { tags: (d) => synthetic.tags(d, all), purchases: (d) => synthetic.purchases(d, all) } });
    expect(withoutStamp(runs.get(3)!.scores.partitions.get(day2!)!)).toEqual(withoutStamp(scored.rows.map((r) => ({ ...r, next_best_products: null }))));
    const events: ModelEvent[] = evaluateRules({
      previous: runs.get(1)!.scores.partitions.get(day1!)!,
      current: scored.rows,
      rules,
      segmentFeatures: scored.segmentFeatures,
      marketingChannels: scored.marketingChannels,
      context: { segmentsCard: scored.predictors.segments!.card, churnCard: scored.predictors.churn!.card },
    });
    for (const p of Object.values(scored.predictors)) await p.release();
    const day2Published = details(runs.get(3)!.bus.entries).filter((d) => (d as unknown as { as_of: string }).as_of === day2);
    expect(day2Published).toEqual(events.map((e) => JSON.parse(JSON.stringify(e.detail)) as { event_id: string }).sort((a, b) => (a.event_id < b.event_id ? -1 : 1)));
  });

  it('publishes nothing twice when a shard is retried after a crash, and commits the same scores once', async () => {
    const scores = new MemoryScores(testShard);
    const bus = new MemoryBus();
    const p = ports(scores, bus);
    const run = await planScoring(p, { asOf: day1!, tagDates: async () => [...SCORED.dates], shards: 3 });
    if ('nothingToDo' in run) throw new Error(run.nothingToDo);
    for (const i of run.shardIndexes) await scoreShard(p, run, i);
    await scoreShard(p, run, 1); // a shard retried after its first attempt finished
    await rankScoring(p, run);
    await finishShard(p, run, 0);
    bus.failNextPut = true;
    await expect(finishShard(p, run, 1)).rejects.toThrow('emulated crash');
    await finishShard(p, run, 1); // the retry
    await finishShard(p, run, 2);
    const again = await finishShard(p, run, 0); // shard 0 ran twice: its events are in the ledger
    expect(again.published).toBe(0);
    expect(again.alreadyPublished).toBeGreaterThan(0);
    const first = await commitScoring(p, run);
    const second = await commitScoring(p, run); // a retried commit returns the first one's summary
    expect(second).toEqual(first);
    expect(scores.commits).toBe(1);
    expect(scores.partitions.get(day1!)).toEqual(runs.get(1)!.scores.partitions.get(day1!));
    const ids = bus.entries.map((e) => (JSON.parse(e.Detail) as { event_id: string }).event_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(details(bus.entries)).toEqual(details(runs.get(1)!.bus.entries.filter((e) => JSON.parse(e.Detail).as_of === day1)));
  });

  it('fails the rank step, naming the shard, when a shard has not been scored', async () => {
    const p = ports(new MemoryScores(testShard), new MemoryBus());
    const run = await planScoring(p, { asOf: day1!, tagDates: async () => [...SCORED.dates], shards: 2 });
    if ('nothingToDo' in run) throw new Error(run.nothingToDo);
    await scoreShard(p, run, 0);
    await expect(rankScoring(p, run)).rejects.toThrow(`run ${run.runId}: shard 1's scoring is missing`);
  });
});

describe('retail-lake score --shards 3 on the fixture lake', () => {
  let lake: string;
  const day2 = SCORED.dates[1]!;
  beforeAll(async () => {
    // The pre-scored lake without its second scoring: its scores and the events (the ledger) removed.
    lake = await copyOfScoredLake();
    fs.rmSync(path.join(lake, 'curated', 'customer_scores', `dt=${day2}`), { recursive: true, force: true });
    fs.rmSync(path.join(lake, 'events'), { recursive: true, force: true });
  }, 300_000);
  afterAll(() => fs.rmSync(lake, { recursive: true, force: true }));

  it('writes the customer_scores and publishes the events `retail-lake score` did for the same day', async () => {
    const reference = await scoredLake();
    const summary = await scoreLakeSharded({ lakeDir: lake, asOf: day2, rules: scoredRules(), shards: 3, now: () => new Date('2026-01-01T06:00:00Z') });
    expect(summary.shardSeconds).toHaveLength(3);
    const sharded = withoutStamp(await readScores(lake, day2));
    expect(sharded.length).toBeGreaterThan(100);
    expect(sharded).toEqual(withoutStamp(await readScores(reference, day2)));
    const ours = details(new LocalEventBus(lake).entries());
    expect(ours.length).toBeGreaterThan(10);
    expect(ours).toEqual(details(new LocalEventBus(reference).entries()).filter((d) => (d as unknown as { as_of: string }).as_of === day2));
  }, 240_000);
});
