/**
 * What the scheduled retraining reads through Athena: the customer_tags snapshots and the purchases, limited to a
 * stratified sample of customers (src/train/sample-sql.ts) when the customer base exceeds what one function can hold.
 * The sample is drawn by Athena from the snapshot of the as-of day; rows come back in the shapes the local readers give
 * (src/train/lake-data.ts), as AthenaScoreSource's do.
 */
import type { TagRow } from '../../models/index.ts';
import { NotEnoughHistoryError } from '../../train/errors.ts';
import type { Purchase } from '../../train/lake-data.ts';
import { purchasesSql } from '../../train/purchases-sql.ts';
import type { SampleInfo, TrainingSource } from '../../train/retrain.ts';
import { SAMPLE_STRATA, trainingSampleSql } from '../../train/sample-sql.ts';
import type { RowReader } from './athena-score-source.ts';
import { TAG_SNAPSHOTS_TABLE } from './tag-snapshot.ts';

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class AthenaTrainingSource implements TrainingSource {
  private filter = '';

  private constructor(
    private readonly reader: RowReader,
    readonly sample: SampleInfo,
  ) {}

  /**
   * Counts the purchasers of the as-of snapshot; above `size`, every later read is limited to the stratified sample
   * (the sample query runs inside each read, so no list of keys travels through the function).
   */
  static async open(reader: RowReader, o: { readonly asOf: string; readonly size: number }): Promise<AthenaTrainingSource> {
    const sample = trainingSampleSql(o.asOf, o.size, TAG_SNAPSHOTS_TABLE);
    const [row] = await reader.rows(`select count(*) as customers, max(population) as population from (${sample}) s`);
    const population = Number(row?.population ?? 0);
    const customers = Number(row?.customers ?? 0);
    const sampled = population > o.size;
    const source = new AthenaTrainingSource(reader, {
      population,
      customers: sampled ? customers : population,
      size: o.size,
      strata: SAMPLE_STRATA,
      drawn_from: `customer_tags dt = ${o.asOf}`,
    });
    if (sampled) source.filter = sample;
    return source;
  }

  async tags(asOf: string): Promise<TagRow[]> {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new NotEnoughHistoryError(`as-of must be YYYY-MM-DD, received ${JSON.stringify(asOf)}`);
    const where = this.filter ? ` and customer_key in (select customer_key from (${this.filter}) s)` : '';
    const rows = await this.reader.rows(`select * from ${TAG_SNAPSHOTS_TABLE} where dt = '${asOf}'${where}`);
    if (!rows.length) throw new NotEnoughHistoryError(`${TAG_SNAPSHOTS_TABLE} has no snapshot for dt = ${asOf}: the daily tag refresh had not run on that day`);
    return rows.map(({ dt: _partition, ...r }) => r as TagRow).sort((a, b) => byKey(String(a.customer_key), String(b.customer_key)));
  }

  async purchases(asOf: string): Promise<Purchase[]> {
    const sql = this.filter ? `select * from (${purchasesSql(asOf)}) p where customer_id in (select customer_key from (${this.filter}) s)` : purchasesSql(asOf);
    return (await this.reader.rows(sql))
      .map((r) => ({ customerId: String(r.customer_id), at: String(r.day), amount: Number(r.amount) }))
      .sort((a, b) => byKey(a.customerId, b.customerId) || byKey(a.at, b.at));
  }
}
