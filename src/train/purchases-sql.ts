/**
 * The purchases query shared by the local reader (src/train/lake-data.ts readPurchases) and the scheduled scorer in
 * AWS (src/adapters/aws/athena-score-source.ts): portable Trino/DuckDB SQL over int_order_lines, no DuckDB import.
 */
import { TrainOptionsError } from './errors.ts';

function checkedDay(asOf: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new TrainOptionsError(`as-of must be YYYY-MM-DD, received ${JSON.stringify(asOf)}`);
  return asOf;
}

/**
 * Purchases on or before the end of asOf: orders with placed lines and no cancellation by then, per customer. The
 * SQL that runs on Athena and DuckDB alike: readPurchases (local, DuckDB) and the scheduled scorer (Athena) use it.
 * `ordered`: by customer, then purchase time (the local reader's order; the scorer does not need one). `customerFilter`:
 * a condition on customer_id (a scorer shard's customers).
 */
export function purchasesSql(asOf: string, options: { readonly ordered?: boolean; readonly customerFilter?: string } = {}): string {
  return `with lines as (
    select order_key, coalesce(customer_key, member_id) as customer_id, order_status, ordered_at, line_amount
    from int_order_lines
    where cast(ordered_at as date) <= date '${checkedDay(asOf)}'
),
orders as (
    select
        order_key,
        min(customer_id) as customer_id,
        min(case when order_status = 'placed' then ordered_at end) as placed_at,
        bool_or(order_status = 'placed') as has_placed_lines,
        bool_or(order_status = 'cancelled') as is_cancelled,
        sum(case when order_status = 'placed' then line_amount else 0 end) as amount
    from lines
    group by order_key
)
select customer_id, cast(cast(placed_at as date) as varchar) as day, cast(amount as double) as amount
from orders
where has_placed_lines and not is_cancelled and customer_id is not null${options.customerFilter ? ` and (${options.customerFilter})` : ''}${options.ordered ? '\norder by customer_id, placed_at, order_key' : ''}`;
}
