/** The churn model's default features, in input order: every customer_tags column that carries churn signal. */
import {
  BGNBD_COLUMNS,
  CUSTOMER_FEATURES,
  bgnbdInputs,
  featureSpecs,
  type BgNbdOutput,
  type FeatureSpec,
  type TagRow,
} from '../../src/models/features.ts';
import { fitBgNbd, type BgNbdParams, type Rft } from '../clv/bgnbd.ts';
import { fitScorableBgNbd } from '../clv/train.ts';

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
 * The delivery tags (tag_deliveries via customer_tags) as churn features: not in the default list yet; train with
 * `extraFeatureNames: CHURN_DELIVERY_FEATURES` (bench/delivery-features.ts compares the AUC with and without them).
 */
export const CHURN_DELIVERY_FEATURES = ['delivery_days_median', 'delivery_days_last', 'late_delivery_rate', 'failed_delivery_attempts', 'last_delivery_experience'] as const;

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

/** The BG/NBD outputs the churn classifier adds to the tags (issue 6: P(no order) stays informative where P(alive) collapses). */
export const CHURN_BGNBD_FEATURES = ['bgnbd_p_alive', 'bgnbd_p_no_order', 'bgnbd_expected_orders'] as const;

/**
 * Specs for the BG/NBD features with the parameters fitted on the training cut (weeks) frozen in them, so the
 * score path computes the same numbers from the same tag columns. horizonDays: the churn label's horizon.
 */
export function bgnbdFeatureSpecs(params: BgNbdParams, horizonDays: number): FeatureSpec[] {
  const horizon_weeks = horizonDays / 7;
  const enc = (output: BgNbdOutput) => ({ kind: 'bgnbd' as const, output, params: { r: params.r, alpha: params.alpha, a: params.a, b: params.b }, horizon_weeks });
  return [
    { name: 'bgnbd_p_alive', column: BGNBD_COLUMNS, meaning: 'BG/NBD probability that the customer is still active', missing: { fill: 'constant', value: 1 }, encoding: enc('p_alive') },
    {
      name: 'bgnbd_p_no_order',
      column: BGNBD_COLUMNS,
      meaning: `BG/NBD probability of no order in the next ${horizonDays} days`,
      missing: { fill: 'constant', value: 1 },
      encoding: enc('p_no_order'),
    },
    {
      name: 'bgnbd_expected_orders',
      column: BGNBD_COLUMNS,
      meaning: `BG/NBD expected orders in the next ${horizonDays} days`,
      missing: { fill: 'zero' },
      encoding: enc('expected_orders'),
      skewed: true,
    },
  ];
}

function tagRft(rows: readonly TagRow[], asOf: string): Rft[] {
  const asOfMs = Date.parse(`${asOf}T00:00:00Z`);
  return rows.map((r) => bgnbdInputs(r, asOfMs)).filter((c): c is Rft => c !== undefined);
}

/** BG/NBD fitted on the (x, t_x, T) that the tag rows give as of a date: the unconstrained maximum-likelihood fit. */
export function fitBgNbdOnTags(rows: readonly TagRow[], asOf: string): BgNbdParams {
  return fitBgNbd(tagRft(rows, asOf)).params;
}

/**
 * The parameters bgnbdFeatureSpecs freezes: the fit on the tag rows as of a date, checked to give every customer a
 * value at the churn horizon (the worst case is a customer first seen on the scoring date, x = T = 0). A collapsed
 * fit (alpha or a run off to a bound, as on small or short lakes) falls back as trainClv does (fitScorableBgNbd,
 * a bounded) and says so in `warning`. Throws ClvFitError when no fit can be used (no repeat buyer, or no bounded
 * fit converges): the caller then leaves the BG/NBD features out.
 */
export function fitChurnBgNbdOnTags(rows: readonly TagRow[], asOf: string, horizonDays: number): { readonly params: BgNbdParams; readonly warning?: string } {
  const { fit, fallback } = fitScorableBgNbd(tagRft(rows, asOf), [horizonDays / 7]);
  if (!fallback) return { params: fit.params };
  const u = fallback.unconstrained.params;
  return {
    params: fit.params,
    warning:
      `BG/NBD features as of ${asOf}: the unconstrained fit collapsed (r ${u.r.toPrecision(4)}, alpha ${u.alpha.toPrecision(4)}, a ${u.a.toPrecision(4)}, b ${u.b.toPrecision(4)}: ${fallback.reason}); ` +
      `a fit with a <= ${fallback.maxA} is used (log-likelihood ${fit.logLikelihood.toFixed(2)} against ${fallback.unconstrained.logLikelihood.toFixed(2)}).`,
  };
}
