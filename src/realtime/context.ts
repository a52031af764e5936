/**
 * The rule context from the latest scores and consent, the same in Lambda and locally: who is a VIP, who has value,
 * what they consented to. VIP = CLV in the top decile of the scored customers (vip.topClvPercentile), or a
 * high-value customer at churn risk as HighValueCustomerAtRisk defines it (CLV at or above the
 * vip.highValueClvPercentile percentile and churn probability at or above vip.churnProbabilityThreshold); percentile
 * cut-offs by nearest rank over the scoring (src/events/rules.ts percentileValue).
 */
import { NO_CONSENT_RECORDED, type CustomerConsent } from '../consent/index.ts';
import { percentileValue, percentiles } from '../events/rules.ts';
import type { RealtimeConfig } from './config.ts';
import type { CustomerValue, RuleContext, VipStatus } from './engine.ts';

/** The customer_scores columns the rules read. */
export interface ScoreFacts {
  readonly customer_key: string;
  readonly as_of: string;
  readonly clv_365d: number | null;
  readonly churn_probability: number | null;
}

export interface ContextSources {
  readonly scores: readonly ScoreFacts[];
  readonly consent: ReadonlyMap<string, CustomerConsent>;
  readonly prices: ReadonlyMap<string, number>;
  /** review / ticket id -> P(positive) (review_scores.sentiment_score). */
  readonly sentiment: ReadonlyMap<string, number>;
  readonly now?: () => Date;
}

/** VIP status of every scored customer under the config (exported for the ground-truth comparison). */
export function vipTable(scores: readonly ScoreFacts[], config: RealtimeConfig): { vip: Map<string, VipStatus>; value: Map<string, CustomerValue> } {
  const clvs = scores.map((s) => s.clv_365d).filter((v): v is number => v !== null);
  // Each customer's CLV percentile, as the scorer computes it for customer_scores.
  const withClv = scores.filter((s) => s.clv_365d !== null);
  const pcts = percentiles(withClv.map((s) => s.clv_365d!));
  const percentOf = new Map(withClv.map((s, i) => [s.customer_key, pcts[i]!]));
  const topCut = percentileValue(clvs, config.vip.topClvPercentile);
  const highCut = percentileValue(clvs, config.vip.highValueClvPercentile);
  const vip = new Map<string, VipStatus>();
  const value = new Map<string, CustomerValue>();
  for (const s of scores) {
    const pct = percentOf.get(s.customer_key) ?? null;
    value.set(s.customer_key, { clv_365d: s.clv_365d, clv_percentile: pct });
    const reasons: VipStatus['reasons'][number][] = [];
    if (s.clv_365d !== null && s.clv_365d >= topCut) reasons.push('top_clv_decile');
    if (s.clv_365d !== null && s.clv_365d >= highCut && s.churn_probability !== null && s.churn_probability >= config.vip.churnProbabilityThreshold) reasons.push('high_value_at_risk');
    if (reasons.length) vip.set(s.customer_key, { reasons, clv_365d: s.clv_365d, clv_percentile: pct, churn_probability: s.churn_probability, as_of: s.as_of });
  }
  return { vip, value };
}

export function ruleContext(src: ContextSources, config: RealtimeConfig): RuleContext {
  const { vip, value } = vipTable(src.scores, config);
  return {
    vipOf: (k) => vip.get(k),
    valueOf: (k) => value.get(k),
    consentOf: (k) => src.consent.get(k) ?? NO_CONSENT_RECORDED,
    priceOf: (sku) => src.prices.get(sku) ?? null,
    sentimentOf: (id) => src.sentiment.get(id),
    now: src.now ?? (() => new Date()),
  };
}
