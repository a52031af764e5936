/**
 * The activation events, defined once in zod: the TypeScript types, the validators the publisher and the
 * subscribers use, and the JSON Schemas in docs/events/ (src/events/docs.ts) all come from here.
 *
 * Every detail carries a stable `event_id` (see ids.ts), the customer (or SKU/store) it is about, the as-of date of
 * the scores, the reasons behind the score and the version of the model that produced it.
 */
import { z } from 'zod';
import { MARKETING_CHANNELS } from '../contract/index.ts';

/** EventBridge `source` of every event the models publish. */
export const EVENT_SOURCE = 'retail-lake.models';

const isoDate = z.iso.date();
const probability = z.number().min(0).max(1);
const eventId = z.string().regex(/^evt_[0-9a-f]{32}$/).describe('Stable id: hash of detail type, subject and the state that changed; subscribers deduplicate on it');
const customerKey = z.string().min(1).describe('The stitched customer (customer_scores.customer_key)');
const memberId = z.string().nullable().describe('Member id, null for customers known only by other identifiers');
const asOf = isoDate.describe('Scores were computed with data up to the end of this day (UTC)');
/**
 * Optional only so events published before consent existed still validate; the rules always set it, and the coupon
 * issuer refuses an event without it (src/coupons/issuer.ts).
 */
const marketingChannels = z
  .array(z.enum(MARKETING_CHANNELS))
  .min(1)
  .optional()
  .describe('Channels the customer allowed marketing on as of as_of (the consent tag); a marketing event is only emitted when there is at least one');
const modelVersion = z.string().min(1).describe('Version of the model whose score triggered the event (models/<name>/<version>/)');

/** One feature's part in a churn score: positive contributions raise the risk (log-odds). */
export const riskReasonSchema = z.object({
  feature: z.string().describe('Feature name from the model card'),
  meaning: z.string().describe('What the feature measures, in words'),
  value: z.number().describe("The customer's value of the feature"),
  contribution: z.number().describe('Contribution to the churn log-odds; positive raises the risk'),
});

/** Why a customer moved: a feature whose segment profile differs most between the old and the new segment. */
export const segmentReasonSchema = z.object({
  feature: z.string(),
  meaning: z.string(),
  value: z.number().describe("The customer's value of the feature"),
  segment_mean: z.number().describe('Mean of the feature in the new segment'),
  previous_segment_mean: z.number().nullable().describe('Mean in the previous segment (null when the current model has no segment of that name)'),
});

export const customerChurnRiskRaisedSchema = z
  .object({
    event_id: eventId,
    customer_key: customerKey,
    member_id: memberId,
    as_of: asOf,
    churn_probability: probability.describe('P(no order in the churn horizon)'),
    churn_percentile: z.number().min(0).max(100).describe('Share of scored customers with a lower or equal probability, in percent'),
    previous_churn_probability: probability.nullable().describe('The probability in the previous scores, null if the customer was not scored then'),
    threshold: probability.describe('The configured threshold that was crossed'),
    horizon_days: z.number().int().positive().nullable(),
    reasons: z.array(riskReasonSchema),
    model_version: modelVersion,
    marketing_channels: marketingChannels,
  })
  .describe('A customer crossed the churn-risk threshold since the previous scores.');

export const highValueCustomerAtRiskSchema = z
  .object({
    event_id: eventId,
    customer_key: customerKey,
    member_id: memberId,
    as_of: asOf,
    clv_365d: z.number().describe('Expected revenue in the next 365 days (discounted)'),
    clv_percentile: z.number().min(0).max(100),
    churn_probability: probability,
    p_alive: probability.nullable(),
    expected_orders_90d: z.number().nonnegative().nullable(),
    thresholds: z.object({ min_clv_365d: z.number().describe('CLV cut-off in force: the larger of the configured minimum and the configured percentile'), churn_probability: probability }),
    reasons: z.array(riskReasonSchema),
    model_version: modelVersion.describe('Churn model version'),
    clv_model_version: z.string().min(1),
    marketing_channels: marketingChannels,
    predicted_uplift: z
      .number()
      .optional()
      .describe('Predicted uplift of a coupon for this customer (the latest `uplift` model on the scored snapshot); absent when no uplift model was pushed. The coupon issuer targets on it (coupons.targeting)'),
    uplift_model_version: z.string().min(1).optional().describe('Uplift model version behind predicted_uplift'),
  })
  .describe('A customer in the top CLV band became at risk of churning since the previous scores.');

export const customerSegmentChangedSchema = z
  .object({
    event_id: eventId,
    customer_key: customerKey,
    member_id: memberId,
    as_of: asOf,
    previous_segment: z.string(),
    segment: z.string(),
    segment_id: z.number().int().nonnegative(),
    is_outlier: z.boolean(),
    reasons: z.array(segmentReasonSchema),
    model_version: modelVersion.describe('Segments model version'),
    previous_model_version: z.string().nullable(),
  })
  .describe('A customer moved from one segment to another between two scorings.');

export const replenishmentDueSchema = z
  .object({
    event_id: eventId,
    store_id: z.string().min(1),
    sku: z.string().min(1),
    as_of: asOf,
    on_hand_units: z.number().describe('Units on hand at the end of the as-of day'),
    forecast_units: z.number().nonnegative().describe('Forecast demand over the lead time'),
    lead_time_days: z.number().int().nonnegative(),
    suggested_order_units: z.number().int().nonnegative(),
    reasons: z.array(z.object({ factor: z.string(), meaning: z.string(), value: z.number() })),
    model_version: modelVersion.describe('Forecast model version'),
  })
  .describe('Forecast demand over the lead time exceeds the stock on hand at a store (emitted by the forecast work).');

const eventTime = z.iso.datetime().describe('Event time (UTC) of the customer event that decided it');
const streamCustomerKey = z
  .string()
  .min(1)
  .describe('The stitched customer (identity_map.customer_key); for an identifier the identity graph does not know yet, `sk_` + a hash of it');

/** One line of an abandoned cart. */
export const cartLineSchema = z.object({
  sku: z.string().min(1),
  quantity: z.int().positive(),
  unit_price: z.number().nonnegative().nullable().describe('Current list price of the SKU (products table), null when unknown'),
});

export const cartAbandonedSchema = z
  .object({
    event_id: eventId,
    customer_key: streamCustomerKey,
    member_id: memberId,
    cart_started_at: eventTime.describe('Event time of the first add-to-cart of the cart'),
    last_added_at: eventTime.describe('Event time of the last add-to-cart; the window runs from here'),
    window_minutes: z.number().positive().describe('No order from the customer within this many minutes after last_added_at'),
    lines: z.array(cartLineSchema).min(1),
    skus: z.array(z.string()).min(1).describe('The SKUs of the lines, in line order'),
    cart_value: z.number().nonnegative().describe('Sum of quantity * unit_price over the lines with a known price'),
    currency: z.string().length(3),
    reasons: z.array(z.object({ rule: z.string(), meaning: z.string() })).describe('Why the event was emitted, in words'),
    detected_at: z.iso.datetime().describe('Wall-clock time the rule fired (UTC); detected_at - last_added_at - window is the delay'),
    marketing_channels: marketingChannels,
  })
  .describe('A customer added to the cart and placed no order within the configured window (stream rule).');

export const vipArrivedSchema = z
  .object({
    event_id: eventId,
    customer_key: streamCustomerKey,
    member_id: memberId,
    store_id: z.string().min(1).describe('Store the customer was identified at'),
    arrived_at: eventTime.describe('Event time of the first identified event of the visit (store and UTC day)'),
    identified_by: z.enum(['till', 'app']).describe('A till sale naming the customer, or an app event at the store'),
    vip_reasons: z.array(z.enum(['top_clv_decile', 'high_value_at_risk'])).min(1),
    clv_365d: z.number().nullable(),
    clv_percentile: z.number().min(0).max(100).nullable(),
    churn_probability: probability.nullable(),
    scores_as_of: isoDate.describe('As-of date of the customer_scores the VIP status comes from'),
  })
  .describe('A top-CLV-decile customer, or a high-value customer at churn risk, was identified in a store (stream rule).');

export const serviceRecoveryNeededSchema = z
  .object({
    event_id: eventId,
    customer_key: streamCustomerKey,
    member_id: memberId,
    kind: z.enum(['review', 'ticket']),
    reference_id: z.string().min(1).describe('review_id or ticket_id'),
    occurred_at: eventTime.describe('When the review was posted; for a ticket, when it was opened (decided by its resolution or by its deadline)'),
    sentiment: probability
      .nullable()
      .describe('The sentiment that fell below the threshold: (stars - 1) / 4 of a review\'s stars or a resolved ticket\'s satisfaction, or the text model\'s P(positive) where lower (reviews) or where no satisfaction was given (tickets); null for a ticket decided as unresolved'),
    sentiment_from: z
      .enum(['model', 'rating', 'unresolved'])
      .describe('rating: the customer\'s stars or satisfaction, (score - 1) / 4; model: review_scores.sentiment_score (local lake); unresolved: a ticket not resolved within serviceRecovery.ticketOpenDays of being opened'),
    threshold: probability.describe('The configured sentiment threshold (serviceRecovery.sentimentThreshold)'),
    clv_365d: z.number().nullable(),
    clv_percentile: z.number().min(0).max(100).nullable(),
    reasons: z.array(z.object({ rule: z.string(), meaning: z.string() })),
  })
  .describe(
    'A customer with value (CLV at or above serviceRecovery.minClvPercentile) posted a review rated below the sentiment threshold (1 or 2 stars by default, or text the model reads as that negative), rated a resolved service ticket that low, or has had a ticket open serviceRecovery.ticketOpenDays (7) without a resolution (stream rule).',
  );

export const couponHeldOutSchema = z
  .object({
    event_id: eventId.describe('Stable id of the decision: hash of the detail type, the customer and the event answered'),
    source_event_id: z.string().describe('The event the issuer answered (HighValueCustomerAtRisk or CartAbandoned); one decision per event'),
    customer_key: customerKey,
    member_id: memberId,
    campaign: z.string().min(1).describe('Campaign (coupon config `campaign` or `cartRecovery.campaign`): the hash of customer and campaign decides the arm'),
    holdout_share: probability.describe('Configured share of the campaign held out as control when the decision was made'),
    value: z.number().positive().describe('Face value of the coupon the customer would have received'),
    currency: z.string().length(3),
    decided_at: z.iso.datetime().describe('When the issuer decided (UTC); the outcome windows start here'),
    budget_period: z.string().regex(/^\d{4}-\d{2}$/).describe('Month whose budget had room for the coupon (a held-out coupon is not charged)'),
    as_of: asOf,
  })
  .describe(
    'The coupon issuer held a customer out of a campaign as control (randomised holdout); recorded beside the issued coupons, never charged to the budget, and published once per decision (suppress the customer in other tools, count the control).',
  );

export const DETAIL_SCHEMAS = {
  CustomerChurnRiskRaised: customerChurnRiskRaisedSchema,
  HighValueCustomerAtRisk: highValueCustomerAtRiskSchema,
  CustomerSegmentChanged: customerSegmentChangedSchema,
  ReplenishmentDue: replenishmentDueSchema,
  CartAbandoned: cartAbandonedSchema,
  VipArrived: vipArrivedSchema,
  ServiceRecoveryNeeded: serviceRecoveryNeededSchema,
  CouponHeldOut: couponHeldOutSchema,
} as const;

/** The detail types the stream rules (src/realtime) publish. */
export const STREAM_DETAIL_TYPES = ['CartAbandoned', 'VipArrived', 'ServiceRecoveryNeeded'] as const;

export type DetailType = keyof typeof DETAIL_SCHEMAS;
export const DETAIL_TYPES = Object.keys(DETAIL_SCHEMAS) as DetailType[];

export type RiskReason = z.infer<typeof riskReasonSchema>;
export type SegmentReason = z.infer<typeof segmentReasonSchema>;
export type CustomerChurnRiskRaised = z.infer<typeof customerChurnRiskRaisedSchema>;
export type HighValueCustomerAtRisk = z.infer<typeof highValueCustomerAtRiskSchema>;
export type CustomerSegmentChanged = z.infer<typeof customerSegmentChangedSchema>;
export type ReplenishmentDue = z.infer<typeof replenishmentDueSchema>;
export type CartAbandoned = z.infer<typeof cartAbandonedSchema>;
export type VipArrived = z.infer<typeof vipArrivedSchema>;
export type ServiceRecoveryNeeded = z.infer<typeof serviceRecoveryNeededSchema>;
export type CouponHeldOut = z.infer<typeof couponHeldOutSchema>;
export type DetailOf<T extends DetailType> = z.infer<(typeof DETAIL_SCHEMAS)[T]>;

/** A domain event before it is put on a bus. */
export type ModelEvent = { [T in DetailType]: { readonly detailType: T; readonly detail: DetailOf<T> } }[DetailType];

export function isDetailType(v: string): v is DetailType {
  return Object.hasOwn(DETAIL_SCHEMAS, v);
}
