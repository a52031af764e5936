/**
 * The segmentation's default features, in input order: RFM (recency, frequency, monetary), tenure, basket size and
 * the behaviours marketing acts on (promotions, returns, range, channel). Fewer, more distinct features give
 * clusters people can tell apart; churn uses the wider list.
 */
import { CUSTOMER_FEATURES, featureSpecs, type FeatureSpec } from '../../src/models/features.ts';

export const SEGMENT_FEATURE_NAMES = [
  'recency_days',
  'tenure_days',
  'orders_365d',
  'net_revenue_365d',
  'avg_order_value',
  'category_diversity',
  'promo_share',
  'return_rate',
  'share_store',
] as const;

export function segmentFeatureSpecs(
  names: readonly string[] = SEGMENT_FEATURE_NAMES,
  catalog: Readonly<Record<string, FeatureSpec>> = CUSTOMER_FEATURES,
): FeatureSpec[] {
  return featureSpecs(names, catalog);
}
