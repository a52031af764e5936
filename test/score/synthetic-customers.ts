/**
 * Many synthetic customers for sharded scoring, without running the pipeline for them: customer i is a copy of the
 * pre-scored lake's customer i mod 400 (its tag row of the day, its purchases), under its own customer_key and
 * member_id, with purchase amounts scaled by a factor of i so CLVs differ while churn probabilities tie in groups (the
 * percentile ranks must survive ties). On the second day the copies shift by one, so some customers change segment and
 * risk and the events compare two scorings. Used by test/score/shards.test.ts (2,000) and bench/score-shards.ts (2M).
 */
import type { TagRow } from '../../src/models/index.ts';
import type { CustomerScore } from '../../src/score/schema.ts';
import type { Shard, ShardScoreSource, ShardedScoresTable } from '../../src/score/shards.ts';
import { purchasers, readPurchases, readTagSnapshot, type Purchase } from '../../src/train/lake-data.ts';

export const syntheticKey = (i: number): string => `ck_syn_${i.toString(36).padStart(6, '0')}`;

interface Day {
  readonly tags: TagRow[];
  readonly purchases: Map<string, Purchase[]>;
}

/** A ShardScoreSource of n synthetic customers; `shardOfKey` splits them (the test's own hash, not the code's). */
export class SyntheticCustomers implements ShardScoreSource {
  private constructor(
    private readonly days: Map<string, Day>,
    readonly n: number,
    private readonly shardOfKey: (key: string, count: number) => number,
  ) {}

  static async fromLake(lakeDir: string, dates: readonly string[], n: number, shardOfKey: (key: string, count: number) => number): Promise<SyntheticCustomers> {
    const days = new Map<string, Day>();
    for (const d of dates) {
      const tags = purchasers(await readTagSnapshot(lakeDir, d, { refresh: false }));
      const purchases = new Map<string, Purchase[]>();
      for (const p of await readPurchases(lakeDir, d)) {
        const list = purchases.get(p.customerId) ?? [];
        list.push(p);
        purchases.set(p.customerId, list);
      }
      days.set(d, { tags, purchases });
    }
    return new SyntheticCustomers(days, n, shardOfKey);
  }

  private day(asOf: string): Day {
    const d = this.days.get(asOf);
    if (!d) throw new Error(`no synthetic day ${asOf}`);
    return d;
  }

  /** The base customer of synthetic customer i on a day: shifted by one on every later day. */
  private base(day: Day, asOf: string, i: number): TagRow {
    const shift = [...this.days.keys()].indexOf(asOf);
    return day.tags[(i + shift) % day.tags.length]!;
  }

  private *members(asOf: string, shard: Shard): Generator<[number, TagRow]> {
    const day = this.day(asOf);
    for (let i = 0; i < this.n; i++) {
      const key = syntheticKey(i);
      if (shard.count > 1 && this.shardOfKey(key, shard.count) !== shard.index) continue;
      yield [i, this.base(day, asOf, i)];
    }
  }

  async tags(asOf: string, shard: Shard): Promise<TagRow[]> {
    const out: TagRow[] = [];
    for (const [i, t] of this.members(asOf, shard)) out.push({ ...t, customer_key: syntheticKey(i), member_id: `SYN${i}` });
    return out;
  }

  async purchases(asOf: string, shard: Shard): Promise<Purchase[]> {
    const day = this.day(asOf);
    const out: Purchase[] = [];
    for (const [i, t] of this.members(asOf, shard)) {
      const factor = 1 + (i % 997) / 1000;
      for (const p of day.purchases.get(String(t.customer_key)) ?? day.purchases.get(String(t.member_id)) ?? []) {
        out.push({ customerId: syntheticKey(i), at: p.at, amount: Math.round(p.amount * factor * 100) / 100 });
      }
    }
    return out;
  }
}

/** customer_scores in memory, split by the test's own hash. */
export class MemoryScores implements ShardedScoresTable {
  readonly partitions = new Map<string, CustomerScore[]>();
  private readonly staged = new Map<string, CustomerScore[]>();
  commits = 0;

  constructor(private readonly shardOfKey: (key: string, count: number) => number) {}

  async previousDate(asOf: string) {
    return [...this.partitions.keys()].filter((d) => d < asOf).sort().at(-1);
  }

  async read(asOf: string, shard: Shard) {
    return (this.partitions.get(asOf) ?? []).filter((r) => shard.count === 1 || this.shardOfKey(r.customer_key, shard.count) === shard.index).map((r) => structuredClone(r));
  }

  async stage(runId: string, shard: Shard, rows: readonly CustomerScore[]) {
    this.staged.set(`${runId}/${shard.index}`, rows.map((r) => structuredClone(r)));
  }

  async commit(asOf: string, runId: string, shards: number) {
    const rows: CustomerScore[] = [];
    for (let i = 0; i < shards; i++) for (const r of this.staged.get(`${runId}/${i}`)!) rows.push(r);
    rows.sort((a, b) => (a.customer_key < b.customer_key ? -1 : 1));
    this.partitions.set(asOf, rows);
    this.commits++;
    return `memory:${asOf}`;
  }

  async release(runId: string, shards: number) {
    for (let i = 0; i < shards; i++) this.staged.delete(`${runId}/${i}`);
  }
}
