/** Shared rows for the AWS adapter tests. */
import type { CustomerScore } from '../../../src/score/schema.ts';

/** One customer_scores row as the scorer writes it (one top reason, no recommendations). */
export const customerScore = (key: string, asOf: string): CustomerScore => ({
  customer_key: key,
  member_id: null,
  as_of: asOf,
  segment: 'Loyal',
  segment_id: 1,
  is_outlier: false,
  churn_probability: 0.25,
  churn_percentile: 40,
  top_reasons: [{ feature: 'recency_days', meaning: 'days since the last order', value: 30, contribution: 0.4 }],
  p_alive: 0.9,
  p_no_order: 0.2,
  expected_orders_90d: 1.5,
  clv_365d: 120.5,
  next_best_products: null,
  segments_model_version: 'segments-1',
  churn_model_version: 'churn-1',
  clv_model_version: null,
  scored_at: '2025-03-02T03:30:00.000Z',
});
