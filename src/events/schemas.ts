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

export const DETAIL_SCHEMAS = {
  CustomerChurnRiskRaised: customerChurnRiskRaisedSchema,
  HighValueCustomerAtRisk: highValueCustomerAtRiskSchema,
  CustomerSegmentChanged: customerSegmentChangedSchema,
  ReplenishmentDue: replenishmentDueSchema,
} as const;

export type DetailType = keyof typeof DETAIL_SCHEMAS;
export const DETAIL_TYPES = Object.keys(DETAIL_SCHEMAS) as DetailType[];

export type RiskReason = z.infer<typeof riskReasonSchema>;
export type SegmentReason = z.infer<typeof segmentReasonSchema>;
export type CustomerChurnRiskRaised = z.infer<typeof customerChurnRiskRaisedSchema>;
export type HighValueCustomerAtRisk = z.infer<typeof highValueCustomerAtRiskSchema>;
export type CustomerSegmentChanged = z.infer<typeof customerSegmentChangedSchema>;
export type ReplenishmentDue = z.infer<typeof replenishmentDueSchema>;
export type DetailOf<T extends DetailType> = z.infer<(typeof DETAIL_SCHEMAS)[T]>;

/** A domain event before it is put on a bus. */
export type ModelEvent = { [T in DetailType]: { readonly detailType: T; readonly detail: DetailOf<T> } }[DetailType];

export function isDetailType(v: string): v is DetailType {
  return Object.hasOwn(DETAIL_SCHEMAS, v);
}
