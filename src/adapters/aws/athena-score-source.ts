/**
 * What the scheduled scorer feeds scoreCustomers (src/score/score.ts) in AWS, read through Athena: the customer_tags
 * snapshot partition of a day and the purchases up to that day. The rows have the shapes the local DuckDB reader
 * gives (src/train/lake-data.ts), so features are built the same way: numbers as numbers, maps (channel_mix) as
 * objects, timestamps as text.
 */
import type { TagRow } from '../../models/index.ts';
import type { ScoreSource } from '../../score/score.ts';
import { shardPredicate, type Shard, type ShardScoreSource } from '../../score/shards.ts';
import type { Purchase } from '../../train/lake-data.ts';
import { purchasesSql } from '../../train/purchases-sql.ts';
import { AthenaQueryError } from './errors.ts';
import { TAG_SNAPSHOTS_TABLE } from './tag-snapshot.ts';

export { TAG_SNAPSHOTS_TABLE, purchasesSql };

export interface RowReader {
  rows(sql: string): Promise<Record<string, unknown>[]>;
}

const day = (asOf: string) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new AthenaQueryError(`as-of must be YYYY-MM-DD, received ${JSON.stringify(asOf)}`);
  return asOf;
};


export class AthenaScoreSource implements ScoreSource {
  constructor(
    private readonly reader: RowReader,
    private readonly table = TAG_SNAPSHOTS_TABLE,
  ) {}

  /** The snapshot partition dt = asOf, one row per customer, sorted by customer_key (as readTagSnapshot sorts). */
  async tags(asOf: string): Promise<TagRow[]> {
    const rows = await this.reader.rows(`select * from ${this.table} where dt = '${day(asOf)}'`);
    if (!rows.length) throw new AthenaQueryError(`${this.table} has no snapshot for dt = ${asOf}; run the tag refresh for that day first`);
    return rows
      .map(({ dt: _partition, ...r }) => r as TagRow)
      .sort((a, b) => (String(a.customer_key) < String(b.customer_key) ? -1 : String(a.customer_key) > String(b.customer_key) ? 1 : 0));
  }

  async purchases(asOf: string): Promise<Purchase[]> {
    const rows = await this.reader.rows(purchasesSql(asOf));
    return rows
      .map((r) => ({ customerId: String(r.customer_id), at: String(r.day), amount: Number(r.amount) }))
      .sort((a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  }
}

/**
 * One shard's customers (src/score/shards.ts), filtered in Athena: the snapshot rows whose customer_key hashes to the
 * shard, and the purchases of those customers (by customer_key, or by member_id for order lines without a key).
 */
export class AthenaShardScoreSource implements ShardScoreSource {
  private readonly whole: AthenaScoreSource;

  constructor(
    private readonly reader: RowReader,
    private readonly table = TAG_SNAPSHOTS_TABLE,
  ) {
    this.whole = new AthenaScoreSource(reader, table);
  }

  async tags(asOf: string, shard: Shard): Promise<TagRow[]> {
    if (shard.count === 1) return this.whole.tags(asOf);
    const rows = await this.reader.rows(`select * from ${this.table} where dt = '${day(asOf)}' and ${shardPredicate('customer_key', shard)}`);
    return rows
      .map(({ dt: _partition, ...r }) => r as TagRow)
      .sort((a, b) => (String(a.customer_key) < String(b.customer_key) ? -1 : String(a.customer_key) > String(b.customer_key) ? 1 : 0));
  }

  async purchases(asOf: string, shard: Shard): Promise<Purchase[]> {
    if (shard.count === 1) return this.whole.purchases(asOf);
    const members = `select cast(member_id as varchar) from ${this.table} where dt = '${day(asOf)}' and member_id is not null and ${shardPredicate('customer_key', shard)}`;
    const rows = await this.reader.rows(purchasesSql(asOf, { customerFilter: `${shardPredicate('customer_id', shard)} or customer_id in (${members})` }));
    return rows.map((r) => ({ customerId: String(r.customer_id), at: String(r.day), amount: Number(r.amount) }));
  }
}
