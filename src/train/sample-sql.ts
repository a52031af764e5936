/**
 * The stratified training sample, as SQL that runs unchanged on Athena (Trino) and DuckDB: the customers with a purchase
 * in the customer_tags snapshot of a day, stratified by RFM segment (recency, frequency and monetary value together: what
 * churn and CLV depend on), each stratum keeping its share of the population. Within a stratum customers are taken in
 * customer_key order: the key is a keyed hash, so its order is a fixed pseudo-random order, the same on every engine and
 * every run. Each stratum keeps ceil(size x n / population) customers, so the sample can exceed n by up to one per stratum.
 *
 * columns: customer_key, stratum, population (customers with a purchase in the snapshot)
 */
import { TrainOptionsError } from './errors.ts';

export const SAMPLE_STRATA = 'rfm_segment';

export function trainingSampleSql(asOf: string, size: number, table = 'customer_tags'): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new TrainOptionsError(`sample as-of must be YYYY-MM-DD, received ${JSON.stringify(asOf)}`);
  if (!Number.isInteger(size) || size < 1) throw new TrainOptionsError(`sample size must be a whole number of customers >= 1, received ${JSON.stringify(size)}`);
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new TrainOptionsError(`sample table must be a plain name, received ${JSON.stringify(table)}`);
  return `with snapshot as (
    select customer_key, coalesce(${SAMPLE_STRATA}, 'none') as stratum
    from ${table}
    where dt = '${asOf}' and orders_total > 0
),
ranked as (
    select
        customer_key,
        stratum,
        row_number() over (partition by stratum order by customer_key) as rank_in_stratum,
        count(*) over (partition by stratum) as stratum_size,
        count(*) over () as population
    from snapshot
),
final as (
    select customer_key, stratum, population
    from ranked
    where rank_in_stratum <= ceil(cast(stratum_size as double) * ${size} / population)
)
select * from final`;
}
