/**
 * The tables the insights jobs write (forecasts, replenishment checks, next-best products), defined once in zod:
 * the local Parquet writers, the Athena INSERT statements of the Lambda refresh and the Glue tables of the insights
 * stack all take their columns from here. DuckDB-free, so Lambda bundles can import it.
 */
import { z } from 'zod';
import { columnsOf, type Column } from '../contract/columns.ts';

/** Event types sentiment is scored for on ingest (the stream filter of the insights stack). */
export const SCORED_TYPES = ['review.submitted', 'service.ticket', 'social.weibo_post'] as const;

export const DEMAND_FORECASTS_TABLE = 'demand_forecasts';
export const REPLENISHMENT_CHECKS_TABLE = 'replenishment_checks';
export const NEXT_BEST_PRODUCTS_TABLE = 'next_best_products';

export const demandForecastSchema = z.object({
  series_id: z.string().meta({ description: 'Series id: demand_series.series_id, or category|store_id for series built from order lines' }),
  period_start: z.iso.date().meta({ description: 'First day of the forecast period' }),
  forecast: z.number().meta({ description: 'Point forecast of the period' }),
  lower: z.number().meta({ description: 'Lower bound of the 80% prediction interval' }),
  upper: z.number().meta({ description: 'Upper bound of the 80% prediction interval' }),
  model_version: z.string().meta({ description: 'Forecast model version' }),
  as_of: z.iso.date().meta({ description: 'The forecast uses data up to the end of this day' }),
});
export const DEMAND_FORECAST_COLUMNS: readonly Column[] = columnsOf(demandForecastSchema);

export const replenishmentCheckSchema = z.object({
  store_id: z.string().meta({ description: 'Store' }),
  sku: z.string().meta({ description: 'category:<name> at the category x store grain' }),
  as_of: z.iso.date().meta({ description: 'Check date' }),
  on_hand_units: z.number().meta({ description: 'Units on hand (latest snapshot on or before as-of)' }),
  forecast_units: z.number().meta({ description: 'Forecast demand over the lead time' }),
  lead_time_days: z.int().meta({ description: 'Lead time' }),
  due: z.boolean().meta({ description: 'forecast_units > on_hand_units' }),
  model_version: z.string().meta({ description: 'Forecast model version' }),
});
export const REPLENISHMENT_CHECK_COLUMNS: readonly Column[] = columnsOf(replenishmentCheckSchema);
export type ReplenishmentCheck = z.infer<typeof replenishmentCheckSchema>;

export const nextBestProductSchema = z.object({
  customer_id: z.string().meta({ description: 'customer_key, or the member id for customers without one (imports)' }),
  rank: z.int().meta({ description: '1 = best' }),
  sku: z.string().meta({ description: 'Recommended product' }),
  score: z.number().meta({ description: 'Item-to-item score (0 for products topped up from the most popular)' }),
  reason: z.string().meta({ description: "the largest part of the score: 'repeat' (the customer bought it before), 'similar' (bought with what the customer bought) or 'popular'" }),
  model_version: z.string().meta({ description: 'Recommendations model version' }),
  as_of: z.iso.date().meta({ description: 'Purchases up to the end of this day were used' }),
});
export const NEXT_BEST_PRODUCT_COLUMNS: readonly Column[] = columnsOf(nextBestProductSchema);
export type NextBestProduct = z.infer<typeof nextBestProductSchema>;

/**
 * A derived table as the insights stack catalogues it in Glue: data columns from zod, then one date partition
 * (a folder `<key>=YYYY-MM-DD/`, as in the local lake). Athena's INSERT takes the columns in this order.
 */
export interface InsightsTable {
  readonly name: string;
  /** Prefix under the curated bucket (no slashes). */
  readonly path: string;
  readonly dataColumns: readonly Column[];
  readonly partition: Column;
  readonly description: string;
}

/** A table partitioned by one of its own date columns (Glue lists it as a partition key only). */
function byColumn(name: string, columns: readonly Column[], key: string, description: string): InsightsTable {
  return { name, path: name, dataColumns: columns.filter((c) => c.name !== key), partition: columns.find((c) => c.name === key)!, description };
}

const DT: Column = { name: 'dt', type: 'date', nullable: false, description: 'Partition: check date (= as_of)' };

export const INSIGHTS_TABLES: readonly InsightsTable[] = [
  byColumn(DEMAND_FORECASTS_TABLE, DEMAND_FORECAST_COLUMNS, 'as_of', 'Demand forecasts per series and period, one partition per forecast date'),
  { name: REPLENISHMENT_CHECKS_TABLE, path: REPLENISHMENT_CHECKS_TABLE, dataColumns: REPLENISHMENT_CHECK_COLUMNS, partition: DT, description: 'Forecast demand over the lead time vs stock on hand, per category x store and check date' },
  byColumn(NEXT_BEST_PRODUCTS_TABLE, NEXT_BEST_PRODUCT_COLUMNS, 'as_of', 'Top-k recommended products per customer, one partition per refresh date'),
];

export function insightsTable(name: string): InsightsTable {
  const t = INSIGHTS_TABLES.find((x) => x.name === name);
  if (!t) throw new Error(`unknown insights table ${name}; known: ${INSIGHTS_TABLES.map((x) => x.name).join(', ')}`);
  return t;
}
