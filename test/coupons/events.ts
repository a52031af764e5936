/** HighValueCustomerAtRisk events for the coupon tests. */
import { eventId } from '../../src/events/ids.ts';
import type { ModelEvent } from '../../src/events/schemas.ts';
import type { MarketingChannel } from '../../src/consent/index.ts';

/** @param marketingChannels what the customer allowed marketing on; null: none on the event (as before consent existed) */
export function highValueAtRisk(customer: string, asOf = '2025-12-31', marketingChannels: MarketingChannel[] | null = ['email']): Extract<ModelEvent, { detailType: 'HighValueCustomerAtRisk' }> {
  return {
    detailType: 'HighValueCustomerAtRisk',
    detail: {
      event_id: eventId('HighValueCustomerAtRisk', customer, ['high_value_at_risk', asOf]),
      customer_key: customer,
      member_id: `M-${customer}`,
      as_of: asOf,
      clv_365d: 2400,
      clv_percentile: 92,
      churn_probability: 0.55,
      p_alive: 0.7,
      expected_orders_90d: 0.8,
      thresholds: { min_clv_365d: 1500, churn_probability: 0.4 },
      reasons: [{ feature: 'recency_days', meaning: 'Days from the last order to the as-of date', value: 75, contribution: 0.9 }],
      model_version: 'churn-2025-12-31-00000000',
      clv_model_version: 'clv-2025-12-31-00000000',
      ...(marketingChannels ? { marketing_channels: marketingChannels } : {}),
    },
  };
}
