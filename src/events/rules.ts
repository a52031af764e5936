/**
 * Event rules: which changes between two scorings become events, with thresholds from a validated config.
 *
 *   CustomerChurnRiskRaised   churn_probability >= churnRisk.probabilityThreshold now, below it (or unscored) before
 *   HighValueCustomerAtRisk   clv_365d in the top band (>= the highValueAtRisk.minClvPercentile percentile of this
 *                             scoring and >= minClv365d) and churn_probability >= its threshold, now but not before
 *   CustomerSegmentChanged    the segment name differs from the previous scoring's (customers scored both times)
 *
 * Consent: only customers who did not refuse profiling are scored (src/score/score.ts), so no event is about one who
 * did. The first two are marketing events (subscribers answer them with coupons and messages): they are emitted only
 * for customers with marketing consent on at least one channel, and say which (`marketing_channels`).
 *
 * An event's id hashes the detail type, the customer and the new state with the as-of date it was first seen, so
 * the same two scorings always give the same ids (see publishNew: nothing is emitted twice).
 *
 * Config (JSON file named by --rules or RETAIL_LAKE_EVENT_RULES; every field optional):
 *   { "churnRisk": { "probabilityThreshold": 0.7 }, "highValueAtRisk": { "minClvPercentile": 80 } }
 */
import fs from 'node:fs';
import { z } from 'zod';
import type { MarketingChannel } from '../consent/index.ts';
import type { ModelCard } from '../models/index.ts';
import type { CustomerScore } from '../score/schema.ts';
import { DEFAULT_BUS_NAME } from './bus.ts';
import { EventRulesConfigError } from './errors.ts';
import { eventId } from './ids.ts';
import { EVENT_SOURCE, type ModelEvent, type SegmentReason } from './schemas.ts';

const probability = z.number().min(0).max(1);

export const eventRulesSchema = z
  .object({
    busName: z.string().min(1).default(DEFAULT_BUS_NAME),
    source: z.string().min(1).default(EVENT_SOURCE),
    churnRisk: z
      .object({
        enabled: z.boolean().default(true),
        /** Probability at or above which a customer is at churn risk. */
        probabilityThreshold: probability.default(0.8),
      })
      .strict()
      .prefault({}),
    highValueAtRisk: z
      .object({
        enabled: z.boolean().default(true),
        /** High value = CLV at or above this percentile of the scored customers (0..100). */
        minClvPercentile: z.number().min(0).max(100).default(75),
        /** ...and at least this CLV, in the lake's currency. */
        minClv365d: z.number().min(0).default(0),
        churnProbabilityThreshold: probability.default(0.4),
      })
      .strict()
      .prefault({}),
    segmentChanged: z
      .object({
        enabled: z.boolean().default(true),
        /** Reasons (segment profile differences) per event. */
        maxReasons: z.number().int().min(0).max(10).default(3),
      })
      .strict()
      .prefault({}),
    /** Churn reasons per event. */
    maxReasons: z.number().int().min(0).max(10).default(3),
  })
  .strict();

export type EventRules = z.output<typeof eventRulesSchema>;

/** Validates a rules object; throws EventRulesConfigError naming the first bad field. */
export function parseEventRules(value: unknown, where = 'event rules'): EventRules {
  const r = eventRulesSchema.safeParse(value ?? {});
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new EventRulesConfigError(`${where}: ${i.path.join('.') || '(root)'}: ${i.message}`, { cause: r.error });
  }
  return r.data;
}

/** Rules from a JSON file (or RETAIL_LAKE_EVENT_RULES), defaults otherwise. */
export function loadEventRules(file: string | undefined = process.env.RETAIL_LAKE_EVENT_RULES || undefined): EventRules {
  if (!file) return parseEventRules({});
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new EventRulesConfigError(`event rules file ${file}: ${(e as Error).message}`, { cause: e });
  }
  return parseEventRules(json, `event rules file ${file}`);
}

/** Per-customer states of one scoring under the rules. */
interface SnapshotState {
  readonly byCustomer: Map<string, CustomerScore>;
  readonly highValueCut: number;
  readonly churnHigh: (s: CustomerScore) => boolean;
  readonly highValueAtRisk: (s: CustomerScore) => boolean;
}

/** Value at percentile p (0..100) of the values, nearest rank; Infinity when there are none. */
export function percentileValue(values: readonly number[], p: number): number {
  if (!values.length) return Infinity;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

function snapshotState(rows: readonly CustomerScore[], rules: EventRules, cut?: number): SnapshotState {
  const hv = rules.highValueAtRisk;
  const highValueCut = cut ?? Math.max(hv.minClv365d, percentileValue(rows.map((r) => r.clv_365d).filter((v): v is number => v !== null), hv.minClvPercentile));
  return {
    byCustomer: new Map(rows.map((r) => [r.customer_key, r])),
    highValueCut,
    churnHigh: (s) => s.churn_probability !== null && s.churn_probability >= rules.churnRisk.probabilityThreshold,
    highValueAtRisk: (s) =>
      s.clv_365d !== null && s.clv_365d >= highValueCut && s.churn_probability !== null && s.churn_probability >= hv.churnProbabilityThreshold,
  };
}

/** Number of values <= v in ascending `sorted` (binary search). */
export function upperBound(sorted: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Share of values <= v, in percent. */
function percentOf(sortedValues: readonly number[], v: number): number {
  return sortedValues.length ? (100 * upperBound(sortedValues, v)) / sortedValues.length : 0;
}

export interface RuleContext {
  /** The segments model card of the current scoring, for segment-change reasons. */
  readonly segmentsCard?: ModelCard;
  /** The churn model card, for its horizon. */
  readonly churnCard?: ModelCard;
}

interface SegmentProfileRow {
  readonly name: string;
  readonly [feature: string]: unknown;
}

/** The features whose segment means differ most between two segments, scaled by the spread across segments. */
function segmentReasons(card: ModelCard | undefined, from: string, to: string, values: Record<string, number>, max: number): SegmentReason[] {
  const profiles = (card?.segments ?? []) as SegmentProfileRow[];
  const next = profiles.find((p) => p.name === to);
  if (!card || !next || max === 0) return [];
  const prev = profiles.find((p) => p.name === from);
  const scored = card.features.map((f) => {
    const means = profiles.map((p) => Number(p[f.name])).filter(Number.isFinite);
    const mu = means.reduce((a, b) => a + b, 0) / Math.max(1, means.length);
    const sd = Math.sqrt(means.reduce((a, b) => a + (b - mu) ** 2, 0) / Math.max(1, means.length)) || 1;
    const now = Number(next[f.name]);
    const before = prev ? Number(prev[f.name]) : null;
    return {
      reason: { feature: f.name, meaning: f.meaning, value: values[f.name] ?? Number.NaN, segment_mean: now, previous_segment_mean: before },
      weight: before === null ? 0 : Math.abs(now - before) / sd,
    };
  });
  return scored
    .filter((s) => Number.isFinite(s.reason.value) && Number.isFinite(s.reason.segment_mean))
    .sort((a, b) => b.weight - a.weight || a.reason.feature.localeCompare(b.reason.feature))
    .slice(0, max)
    .map((s) => s.reason);
}

export interface EvaluateInput {
  /** The previous scoring (an earlier as-of date), or undefined for the first one. */
  readonly previous?: readonly CustomerScore[];
  readonly current: readonly CustomerScore[];
  readonly rules: EventRules;
  readonly context?: RuleContext;
  /** Segment feature values per customer (for segment-change reasons). */
  readonly segmentFeatures?: ReadonlyMap<string, Record<string, number>>;
  /**
   * Marketing channels each customer allowed as of the current scoring (scoreCustomers gives them); a customer not in
   * it allowed none, so gets no marketing event. Required: no caller can forget consent.
   */
  readonly marketingChannels: ReadonlyMap<string, readonly MarketingChannel[]>;
  /**
   * The ranks among all customers of both scorings when `current` and `previous` are one shard of them
   * (src/score/shards.ts). @default ranks among the rows given
   */
  readonly population?: Population;
}

/** Where a shard's customers stand among every customer of the scoring (the high-value rule ranks CLV). */
export interface Population {
  /** The high-value CLV cut of the current scoring (Infinity: nobody). */
  readonly highValueCut: number;
  /** ...and of the previous one. */
  readonly previousHighValueCut: number;
  /** Percent of the current scoring's CLVs <= v (asked only for v >= highValueCut). */
  readonly clvPercentile: (v: number) => number;
}

/** The events the change from `previous` to `current` calls for, in customer order. */
export function evaluateRules(input: EvaluateInput): ModelEvent[] {
  const { rules } = input;
  const pop = input.population;
  const now = snapshotState(input.current, rules, pop?.highValueCut);
  const before = input.previous ? snapshotState(input.previous, rules, pop?.previousHighValueCut) : undefined;
  const sortedClv = pop ? [] : input.current.map((r) => r.clv_365d).filter((v): v is number => v !== null).sort((a, b) => a - b);
  const clvPercentile = pop ? pop.clvPercentile : (v: number) => percentOf(sortedClv, v);
  const horizon = input.context?.churnCard?.horizon_days ?? null;
  const events: ModelEvent[] = [];
  const rows = [...input.current].sort((a, b) => a.customer_key.localeCompare(b.customer_key));
  for (const s of rows) {
    const p = before?.byCustomer.get(s.customer_key);
    const base = { customer_key: s.customer_key, member_id: s.member_id, as_of: s.as_of };
    const reasons = (s.top_reasons ?? []).slice(0, rules.maxReasons);
    const channels = input.marketingChannels.get(s.customer_key) ?? [];
    const marketable = channels.length > 0;
    if (rules.churnRisk.enabled && marketable && now.churnHigh(s) && !(p && before!.churnHigh(p)) && s.churn_model_version) {
      events.push({
        detailType: 'CustomerChurnRiskRaised',
        detail: {
          event_id: eventId('CustomerChurnRiskRaised', s.customer_key, ['churn_risk:high', s.as_of]),
          ...base,
          churn_probability: s.churn_probability!,
          churn_percentile: s.churn_percentile ?? 0,
          previous_churn_probability: p?.churn_probability ?? null,
          threshold: rules.churnRisk.probabilityThreshold,
          horizon_days: horizon,
          reasons,
          model_version: s.churn_model_version,
          marketing_channels: [...channels],
        },
      });
    }
    if (rules.highValueAtRisk.enabled && marketable && now.highValueAtRisk(s) && !(p && before!.highValueAtRisk(p)) && s.churn_model_version && s.clv_model_version) {
      events.push({
        detailType: 'HighValueCustomerAtRisk',
        detail: {
          event_id: eventId('HighValueCustomerAtRisk', s.customer_key, ['high_value_at_risk', s.as_of]),
          ...base,
          clv_365d: s.clv_365d!,
          clv_percentile: clvPercentile(s.clv_365d!),
          churn_probability: s.churn_probability!,
          p_alive: s.p_alive,
          expected_orders_90d: s.expected_orders_90d,
          thresholds: { min_clv_365d: now.highValueCut, churn_probability: rules.highValueAtRisk.churnProbabilityThreshold },
          reasons,
          model_version: s.churn_model_version,
          clv_model_version: s.clv_model_version,
          marketing_channels: [...channels],
        },
      });
    }
    if (rules.segmentChanged.enabled && p && p.segment !== null && s.segment !== null && s.segment !== p.segment && s.segments_model_version) {
      events.push({
        detailType: 'CustomerSegmentChanged',
        detail: {
          event_id: eventId('CustomerSegmentChanged', s.customer_key, [p.segment, s.segment, s.as_of]),
          ...base,
          previous_segment: p.segment,
          segment: s.segment,
          segment_id: s.segment_id ?? 0,
          is_outlier: s.is_outlier ?? false,
          reasons: segmentReasons(input.context?.segmentsCard, p.segment, s.segment, input.segmentFeatures?.get(s.customer_key) ?? {}, rules.segmentChanged.maxReasons),
          model_version: s.segments_model_version,
          previous_model_version: p.segments_model_version,
        },
      });
    }
  }
  return events;
}

/** Percent of values <= each value (ties share the top rank), rounded to 0.1. */
export function percentiles(values: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  return values.map((v) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! <= v) lo = mid + 1;
      else hi = mid;
    }
    return Math.round((1000 * lo) / sorted.length) / 10;
  });
}
