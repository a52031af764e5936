/** The churn model's default features, in input order: every customer_tags column that carries churn signal. */
import { CUSTOMER_FEATURES, featureSpecs, type FeatureSpec } from '../../src/models/features.ts';

export const CHURN_FEATURE_NAMES = [
  'recency_days',
  'tenure_days',
  'orders_total',
  'orders_90d',
  'orders_365d',
  'net_revenue_total',
  'net_revenue_365d',
  'avg_order_value',
  'repurchase_cycle_days',
  'is_overdue',
  'category_diversity',
  'promo_share',
  'return_rate',
  'service_tickets_90d',
  'avg_review_rating',
  'share_store',
  'share_online',
  'share_app',
  'member_tier',
] as const;

/**
 * Specs for the churn features. Extra specs (e.g. BG/NBD outputs joined onto the rows by the train command) can be
 * appended: `churnFeatureSpecs([...CHURN_FEATURE_NAMES, 'p_alive'], { ...CUSTOMER_FEATURES, p_alive: {...} })`.
 */
export function churnFeatureSpecs(
  names: readonly string[] = CHURN_FEATURE_NAMES,
  catalog: Readonly<Record<string, FeatureSpec>> = CUSTOMER_FEATURES,
): FeatureSpec[] {
  return featureSpecs(names, catalog);
}
