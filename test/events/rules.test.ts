import { describe, expect, it } from 'vitest';
import { evaluateRules, parseEventRules, percentileValue, EventRulesConfigError } from '../../src/events/index.ts';
import type { CustomerScore } from '../../src/score/schema.ts';
import type { MarketingChannel } from '../../src/consent/index.ts';

/** Every test customer allowed marketing by e-mail, unless a test says otherwise. */
const BY_EMAIL: ReadonlyMap<string, readonly MarketingChannel[]> = new Map(['a', 'b', 'c', 'd'].map((k) => [k, ['email'] as const]));

const rules = parseEventRules({ churnRisk: { probabilityThreshold: 0.7 }, highValueAtRisk: { minClvPercentile: 50, churnProbabilityThreshold: 0.4 } });

function score(customer: string, asOf: string, o: Partial<CustomerScore> = {}): CustomerScore {
  return {
    customer_key: customer,
    member_id: `M-${customer}`,
    as_of: asOf,
    segment: 'Loyal',
    segment_id: 0,
    is_outlier: false,
    churn_probability: 0.1,
    churn_percentile: 10,
    top_reasons: [{ feature: 'recency_days', meaning: 'Days from the last order to the as-of date', value: 80, contribution: 1.2 }],
    p_alive: 0.9,
    p_no_order: 0.2,
    expected_orders_90d: 1.5,
    clv_365d: 100,
    next_best_products: null,
    segments_model_version: 'segments-v1',
    churn_model_version: 'churn-v1',
    clv_model_version: 'clv-v1',
    scored_at: '2025-12-31T06:00:00.000Z',
    ...o,
  };
}

describe('event rules', () => {
  it('raises churn risk for a customer who crossed the threshold since the previous scoring, with reasons and model version', () => {
    const previous = [score('a', '2025-11-30', { churn_probability: 0.5 }), score('b', '2025-11-30', { churn_probability: 0.9 })];
    const current = [score('a', '2025-12-31', { churn_probability: 0.75, churn_percentile: 91 }), score('b', '2025-12-31', { churn_probability: 0.95 })];
    const events = evaluateRules({ previous, current, rules, marketingChannels: BY_EMAIL }).filter((e) => e.detailType === 'CustomerChurnRiskRaised');
    expect(events).toHaveLength(1);
    expect(events[0]!.detail).toMatchObject({
      customer_key: 'a',
      member_id: 'M-a',
      as_of: '2025-12-31',
      churn_probability: 0.75,
      previous_churn_probability: 0.5,
      threshold: 0.7,
      model_version: 'churn-v1',
      reasons: [{ feature: 'recency_days', contribution: 1.2 }],
    });
  });

  it('emits nothing when nothing changed', () => {
    const rows = [score('a', '2025-12-31', { churn_probability: 0.9, clv_365d: 500 }), score('b', '2025-12-31')];
    const previous = rows.map((r) => ({ ...r, as_of: '2025-11-30' }));
    expect(evaluateRules({ previous, current: rows, rules, marketingChannels: BY_EMAIL })).toEqual([]);
  });

  it('on the first scoring raises every customer above a threshold, and reports no segment changes', () => {
    const current = [score('a', '2025-12-31', { churn_probability: 0.9, clv_365d: 10 }), score('b', '2025-12-31', { segment: 'New', clv_365d: 500 })];
    const events = evaluateRules({ current, rules, marketingChannels: BY_EMAIL }).map((e) => [e.detailType, (e.detail as { customer_key: string }).customer_key]);
    expect(events).toEqual([['CustomerChurnRiskRaised', 'a'], ['HighValueCustomerAtRisk', 'a']]);
  });

  it('flags a top-CLV customer becoming at risk, with the CLV cut-off in force', () => {
    // Cut-off: the 50th percentile of this scoring's CLVs (nearest rank) = 300; 'c' is valuable but not at risk.
    const clv = { a: 800, b: 40, c: 600, d: 300 };
    const previous = Object.entries(clv).map(([k, v]) => score(k, '2025-11-30', { clv_365d: v, churn_probability: k === 'd' ? 0.5 : 0.2 }));
    const risk = { a: 0.45, b: 0.6, c: 0.3, d: 0.5 };
    const current = Object.entries(clv).map(([k, v]) => score(k, '2025-12-31', { clv_365d: v, churn_probability: risk[k as keyof typeof risk] }));
    const hv = evaluateRules({ previous, current, rules, marketingChannels: BY_EMAIL }).filter((e) => e.detailType === 'HighValueCustomerAtRisk');
    expect(hv.map((e) => e.detail.customer_key)).toEqual(['a']);
    expect(hv[0]!.detail).toMatchObject({ clv_365d: 800, clv_percentile: 100, thresholds: { min_clv_365d: 300, churn_probability: 0.4 }, clv_model_version: 'clv-v1' });
  });

  it('reports a segment change with the previous and the new segment', () => {
    const previous = [score('a', '2025-11-30', { segment: 'Loyal' })];
    const current = [score('a', '2025-12-31', { segment: 'Lapsed', segment_id: 3 })];
    const [e] = evaluateRules({ previous, current, rules, marketingChannels: BY_EMAIL });
    expect(e).toMatchObject({ detailType: 'CustomerSegmentChanged', detail: { previous_segment: 'Loyal', segment: 'Lapsed', segment_id: 3, previous_model_version: 'segments-v1' } });
  });

  it('gives the same event ids for the same change, and different ids for a different as-of date or customer', () => {
    const previous = [score('a', '2025-11-30', { churn_probability: 0.5 })];
    const ids = (asOf: string, customer = 'a') =>
      evaluateRules({ previous, current: [score(customer, asOf, { churn_probability: 0.8 })], rules, marketingChannels: BY_EMAIL }).map((e) => e.detail.event_id);
    expect(ids('2025-12-31')).toEqual(ids('2025-12-31'));
    expect(ids('2025-12-31')[0]).toMatch(/^evt_[0-9a-f]{32}$/);
    expect(ids('2026-01-31')).not.toEqual(ids('2025-12-31'));
    expect(ids('2025-12-31', 'c')).not.toEqual(ids('2025-12-31'));
  });

  it('takes thresholds from the config and rejects a threshold outside 0..1, naming the field', () => {
    const strict = parseEventRules({ churnRisk: { probabilityThreshold: 0.95 }, highValueAtRisk: { enabled: false } });
    expect(evaluateRules({ current: [score('a', '2025-12-31', { churn_probability: 0.9 })], rules: strict, marketingChannels: BY_EMAIL })).toEqual([]);
    expect(() => parseEventRules({ churnRisk: { probabilityThreshold: 1.5 } })).toThrow(EventRulesConfigError);
    expect(() => parseEventRules({ churnRisk: { probabilityThreshold: 1.5 } })).toThrow(/churnRisk\.probabilityThreshold/);
    expect(() => parseEventRules({ churnRsk: {} })).toThrow(/Unrecognized key/);
  });

  it('sends marketing events only to customers with marketing consent on a channel, and names the channels', () => {
    // a: sms and WeChat; b: no channel at all; c: not in the consent map (nothing on record). All three cross both risk
    // thresholds; b and c also change segment, which is not a marketing event (CRM sync) and is still reported.
    const previous = ['a', 'b', 'c'].map((k) => score(k, '2025-11-30', { churn_probability: 0.2, clv_365d: 900 }));
    const current = ['a', 'b', 'c'].map((k) => score(k, '2025-12-31', { churn_probability: 0.9, clv_365d: 900, segment: 'At risk' }));
    const marketingChannels = new Map<string, readonly MarketingChannel[]>([['a', ['sms', 'wechat']], ['b', []]]);
    const events = evaluateRules({ previous, current, rules, marketingChannels });
    expect(events.map((e) => [e.detailType, (e.detail as { customer_key: string }).customer_key])).toEqual([
      ['CustomerChurnRiskRaised', 'a'],
      ['HighValueCustomerAtRisk', 'a'],
      ['CustomerSegmentChanged', 'a'],
      ['CustomerSegmentChanged', 'b'],
      ['CustomerSegmentChanged', 'c'],
    ]);
    expect(events.slice(0, 2).map((e) => (e.detail as { marketing_channels?: string[] }).marketing_channels)).toEqual([['sms', 'wechat'], ['sms', 'wechat']]);
  });

  it('takes the percentile cut-off by nearest rank', () => {
    expect(percentileValue([5, 1, 4, 2, 3], 80)).toBe(4);
    expect(percentileValue([], 80)).toBe(Infinity);
  });
});
