/**
 * Sharded scoring at scale: N synthetic customers (default 2M; test/score/synthetic-customers.ts copies the fixture
 * lake's scored customers under new keys, no pipeline run) scored on two days in 1 shard and in 4, side by side in one
 * process: content hashes of customer_scores (every column, sorted by customer_key) and of the published event ids,
 * which must be equal, and the time of each shard, from which docs/operations.md derives customers per 15 minutes.
 *
 *   npx tsx bench/score-shards.ts [customers] [--lake DIR]   (last stdout line: JSON)
 *
 * Without --lake it builds the fixture's pre-scored lake (400 customers, a few minutes) in a temporary directory.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BusEntry, EventBus, EventLedger } from '../src/events/bus.ts';
import { parseEventRules } from '../src/events/rules.ts';
import { LocalModelStore } from '../src/models/index.ts';
import { MemoryScoringStaging, scoreInShards, shardOf, type ShardedScoringSummary } from '../src/score/shards.ts';
import { buildScored } from '../test/train/fixture-lake.ts';
import { SCORED } from '../test/train/fixture-lake-paths.ts';
import { MemoryScores, SyntheticCustomers } from '../test/score/synthetic-customers.ts';
import { note, round } from './lib.ts';

/** Remembers only the ids (2M events would not fit as entries). */
class IdBus implements EventBus, EventLedger {
  readonly ids = new Set<string>();
  async putEvents(entries: readonly BusEntry[]) {
    for (const e of entries) this.ids.add((JSON.parse(e.Detail) as { event_id: string }).event_id);
  }
  async published(ids: readonly string[]) {
    return new Set(ids.filter((id) => this.ids.has(id)));
  }
}

export interface ScoreShardsResult {
  readonly customers: number;
  readonly shards: number;
  readonly sameScores: boolean;
  readonly sameEvents: boolean;
  readonly scoresHash: string;
  readonly eventsHash: string;
  readonly events: number;
  readonly oneShardSeconds: number;
  readonly shardedSeconds: number;
  readonly shardSeconds: readonly number[];
  /** Customers per second of one shard's scoring (the second day, the slowest shard). */
  readonly customersPerShardSecond: number;
  /** Customers one invocation scores in 15 minutes at that rate, with a third kept free (reads, writes, slower CPUs). */
  readonly customersPer15MinWithHeadroom: number;
  readonly peakRssMb: number;
}

export async function measureScoreShards(o: { customers: number; shards: number; lake?: string }): Promise<ScoreShardsResult> {
  let lake = o.lake;
  let built: string | undefined;
  if (!lake) {
    built = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-bench-shards-'));
    lake = path.join(built, 'lake');
    note('score-shards: building the fixture lake (400 customers, scored on two days)');
    await buildScored(lake);
  }
  const rules = parseEventRules(SCORED.rules);
  const source = await SyntheticCustomers.fromLake(lake, SCORED.dates, o.customers, shardOf);
  const run = async (shards: number) => {
    const scores = new MemoryScores(shardOf);
    const bus = new IdBus();
    const t0 = Date.now();
    const summaries: ShardedScoringSummary[] = [];
    for (const asOf of SCORED.dates) {
      const s = await scoreInShards(
        { source, store: new LocalModelStore(lake), modelsLocation: lake, scores, staging: new MemoryScoringStaging(), bus, rules, now: () => new Date('2026-01-02T06:00:00Z') },
        { asOf, tagDates: async () => [...SCORED.dates], shards },
      );
      if ('nothingToDo' in s) throw new Error(s.nothingToDo);
      summaries.push(s);
      note(`score-shards: ${o.customers.toLocaleString('en')} customers, ${shards} shard(s), ${asOf}: ${s.customers} scored, ${s.events.published} events, shards ${s.shardSeconds.join(' / ')} s`);
    }
    const seconds = (Date.now() - t0) / 1000;
    const h = createHash('sha256');
    for (const d of SCORED.dates) for (const r of scores.partitions.get(d) ?? []) h.update(JSON.stringify(r)).update('\n');
    const e = createHash('sha256');
    for (const id of [...bus.ids].sort()) e.update(id).update('\n');
    scores.partitions.clear();
    return { scoresHash: h.digest('hex'), eventsHash: e.digest('hex'), events: bus.ids.size, seconds, summaries };
  };
  const one = await run(1);
  const many = await run(o.shards);
  if (built) fs.rmSync(built, { recursive: true, force: true });
  const last = many.summaries.at(-1)!;
  const slowest = Math.max(...last.shardSeconds);
  const rate = slowest > 0 ? last.customers / o.shards / slowest : 0;
  return {
    customers: o.customers,
    shards: o.shards,
    sameScores: one.scoresHash === many.scoresHash,
    sameEvents: one.eventsHash === many.eventsHash,
    scoresHash: many.scoresHash.slice(0, 16),
    eventsHash: many.eventsHash.slice(0, 16),
    events: many.events,
    oneShardSeconds: round(one.seconds, 1),
    shardedSeconds: round(many.seconds, 1),
    shardSeconds: last.shardSeconds,
    customersPerShardSecond: Math.round(rate),
    customersPer15MinWithHeadroom: Math.round((rate * 900 * 2) / 3),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const lakeAt = args.indexOf('--lake');
  const lake = lakeAt >= 0 ? args[lakeAt + 1] : undefined;
  const customers = Number(args.find((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--lake') ?? 2_000_000);
  note(`score-shards: load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const r = await measureScoreShards({ customers, shards: 4, ...(lake ? { lake } : {}) });
  note(`score-shards: load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  process.stdout.write(JSON.stringify(r) + '\n');
}
