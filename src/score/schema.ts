/**
 * The `customer_scores` table, defined once: the row type, the Parquet/DuckDB column types (via the contract's
 * columnsOf) and the column docs. Nested values (top_reasons, next_best_products) are JSON text columns, as
 * everywhere in the lake, so Athena reads them with json_extract.
 */
import { z } from 'zod';
import { columnsOf, duckdbType, glueType, type Column } from '../contract/columns.ts';
import { riskReasonSchema } from '../events/schemas.ts';

export const CUSTOMER_SCORES_TABLE = 'customer_scores';

const version = z.string().nullable();

export const customerScoreSchema = z.object({
  customer_key: z.string().meta({ description: 'The stitched customer' }),
  member_id: z.string().nullable().meta({ description: 'Member id (null for customers known only by other identifiers)' }),
  as_of: z.iso.date().meta({ description: 'Scores use data up to the end of this day (UTC)' }),
  segment: z.string().nullable().meta({ description: 'Readable segment name from the segments model' }),
  segment_id: z.int().nullable().meta({ description: 'Segment index in the segments model (0 = largest at training)' }),
  is_outlier: z.boolean().nullable().meta({ description: 'Far from every dense region of customers (DBSCAN noise)' }),
  churn_probability: z.number().nullable().meta({ description: 'P(no order in the churn model horizon after as_of)' }),
  churn_percentile: z.number().nullable().meta({ description: 'Share of scored customers with a lower or equal churn probability, 0..100' }),
  top_reasons: z.array(riskReasonSchema).nullable().meta({ description: 'JSON: the features raising the churn risk most, with their contribution (log-odds)' }),
  p_alive: z.number().nullable().meta({ description: 'BG/NBD probability that the customer is still active' }),
  p_no_order: z.number().nullable().meta({ description: 'BG/NBD probability of no order in the CLV model horizon' }),
  expected_orders_90d: z.number().nullable().meta({ description: 'BG/NBD expected orders in the CLV model horizon (90 days by default)' }),
  clv_365d: z.number().nullable().meta({ description: 'Expected revenue in the next 365 days, discounted monthly (BG/NBD + Gamma-Gamma)' }),
  next_best_products: z.array(z.string()).nullable().meta({ description: 'JSON: recommended SKUs (null until the recommendations model is scored)' }),
  segments_model_version: version.meta({ description: 'Segments model version used' }),
  churn_model_version: version.meta({ description: 'Churn model version used' }),
  clv_model_version: version.meta({ description: 'CLV model version used' }),
  scored_at: z.iso.datetime().meta({ description: 'When the row was scored (UTC)' }),
});

export type CustomerScore = z.infer<typeof customerScoreSchema>;

export const CUSTOMER_SCORE_COLUMNS: readonly Column[] = columnsOf(customerScoreSchema);

/** `columns={...}` for DuckDB's read_json: the table's Parquet types. */
export function duckdbColumns(columns: readonly Column[]): string {
  return `{${columns.map((c) => `'${c.name}': '${duckdbType(c.type)}'`).join(', ')}}`;
}

/** Markdown column docs for docs/models.md and the Glue table. */
export function columnDocs(columns: readonly Column[]): string {
  return [
    '| column | Athena/Glue | DuckDB/Parquet | description |',
    '|---|---|---|---|',
    ...columns.map((c) => `| \`${c.name}\` | ${glueType(c.type)} | ${duckdbType(c.type)} | ${c.description} |`),
  ].join('\n');
}
