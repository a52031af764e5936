/**
 * Campaign measurement: per campaign, arm and segment, each outcome's rate (share of customers, for a yes/no
 * outcome) or mean (for an amount), the difference to the control arm with a 95% interval (Newcombe's hybrid
 * score interval for proportions, Welch's t interval for means; src/campaigns/stats.ts), incremental revenue, coupon
 * cost and ROI, a sample-ratio-mismatch check and warnings when a group is too small to tell.
 *
 * Input: one row per decision (campaign_outcomes); pure, so tests and benches feed it rows directly.
 *
 * Example:
 *   const [m] = measureCampaigns(rows, { expectedControlShare: { 'high-value-win-back': 0.1 } });
 *   m.arms.find((a) => a.arm === 'treatment')!.outcomes.ordered_14d // { rate, lift, ci_low, ci_high, n }
 */
import { moments, newcombeDifference, sampleRatioCheck, welchDifference, type SampleRatioCheck } from './stats.ts';

/** One decision with its outcomes (null: the outcome's window is not over, or the source does not have it). */
export interface DecisionOutcomes {
  readonly campaign_id: string;
  readonly arm: string;
  readonly is_control: boolean;
  readonly segment: string | null;
  readonly coupon_value: number | null;
  readonly outcomes: Readonly<Record<string, number | null>>;
  /** Who and when (the uplift model's features): the stitched customer, the id in the export, the decision time. */
  readonly customer_key?: string | null;
  readonly customer_id?: string | null;
  readonly decided_at?: string | null;
  /** The imported feature columns (import-campaign --features), when the export had them. */
  readonly features?: Readonly<Record<string, string | number>> | null;
}

export interface OutcomeResult {
  /** Share (yes/no outcome) or mean (amount) in the arm. */
  readonly rate: number;
  /** rate minus the control arm's (null for the control arm itself). */
  readonly lift: number | null;
  readonly ci_low: number | null;
  readonly ci_high: number | null;
  /** Decisions whose outcome is known. */
  readonly n: number;
}

export interface ArmResult {
  readonly arm: string;
  readonly is_control: boolean;
  readonly n: number;
  readonly outcomes: Record<string, OutcomeResult>;
}

export interface MoneyResult {
  readonly arm: string;
  /** (mean revenue treated - mean revenue control) x treated customers, with the interval scaled alike. */
  readonly incremental_revenue: number;
  readonly incremental_revenue_ci: [number, number];
  readonly incremental_margin: number | null;
  /** Face value of the coupons redeemed in the arm (sent coupons cost nothing until used). */
  readonly coupon_cost: number | null;
  /** (incremental margin - coupon cost) / coupon cost; null without a cost. */
  readonly roi: number | null;
}

export interface CampaignMeasurement {
  readonly campaign_id: string;
  readonly n: number;
  readonly control_arm: string | null;
  readonly outcome_kinds: Record<string, 'rate' | 'mean'>;
  readonly arms: ArmResult[];
  readonly segments: { segment: string; arms: ArmResult[] }[];
  readonly money: MoneyResult[];
  readonly srm: SampleRatioCheck | null;
  readonly warnings: string[];
  readonly method: string;
}

export interface MeasureOptions {
  /** Configured control share per campaign (the issuer's holdoutShare); otherwise arms are expected equal. */
  readonly expectedControlShare?: Readonly<Record<string, number>>;
  /** Revenue and margin outcomes used for the money figures. @default revenue_30d / margin_30d when present */
  readonly revenueOutcome?: string;
  readonly marginOutcome?: string;
  /** Smallest arm (per outcome) that is worth reading. @default 100 */
  readonly minArm?: number;
  /** Fewest responders (yes) or non-responders in an arm for a yes/no outcome. @default 5 */
  readonly minEvents?: number;
}

export const METHOD =
  "95% intervals: Newcombe's hybrid score interval (from the two Wilson intervals) for the difference of two proportions; Welch's t interval (Welch-Satterthwaite df) for the difference of two means; SRM: Pearson chi-square of the arm sizes against the configured split, flagged at p < 0.001.";

function kindsOf(rows: readonly DecisionOutcomes[]): Record<string, 'rate' | 'mean'> {
  const kinds: Record<string, 'rate' | 'mean'> = {};
  for (const r of rows) {
    for (const [k, v] of Object.entries(r.outcomes)) {
      if (v === null || v === undefined) continue;
      if (v !== 0 && v !== 1) kinds[k] = 'mean';
      else kinds[k] ??= 'rate';
    }
  }
  return kinds;
}

function valuesOf(rows: readonly DecisionOutcomes[], outcome: string): number[] {
  const out: number[] = [];
  for (const r of rows) {
    const v = r.outcomes[outcome];
    if (v !== null && v !== undefined && Number.isFinite(v)) out.push(v);
  }
  return out;
}

function armResults(rows: readonly DecisionOutcomes[], kinds: Record<string, 'rate' | 'mean'>, label: string, o: Required<Pick<MeasureOptions, 'minArm' | 'minEvents'>>, warnings: string[]): ArmResult[] {
  const byArm = new Map<string, DecisionOutcomes[]>();
  for (const r of rows) byArm.set(r.arm, [...(byArm.get(r.arm) ?? []), r]);
  const controlArm = rows.find((r) => r.is_control)?.arm;
  const control = controlArm === undefined ? [] : byArm.get(controlArm)!;
  const arms = [...byArm.keys()].sort((a, b) => (a === controlArm ? -1 : b === controlArm ? 1 : a.localeCompare(b)));
  return arms.map((arm) => {
    const members = byArm.get(arm)!;
    const isControl = arm === controlArm;
    const outcomes: Record<string, OutcomeResult> = {};
    for (const [name, kind] of Object.entries(kinds)) {
      const v = valuesOf(members, name);
      if (!v.length) continue;
      const c = valuesOf(control, name);
      const rate = v.reduce((a, x) => a + x, 0) / v.length;
      let lift: number | null = null;
      let lo: number | null = null;
      let hi: number | null = null;
      if (!isControl && c.length > 1 && v.length > 1) {
        const d = kind === 'rate' ? newcombeDifference(v.filter((x) => x === 1).length, v.length, c.filter((x) => x === 1).length, c.length) : welchDifference(moments(v), moments(c));
        lift = d.estimate;
        lo = Number.isFinite(d.low) ? d.low : null;
        hi = Number.isFinite(d.high) ? d.high : null;
      }
      outcomes[name] = { rate, lift, ci_low: lo, ci_high: hi, n: v.length };
      const yes = v.filter((x) => x === 1).length;
      if (v.length < o.minArm) warnings.push(`${label}arm ${arm}: ${name} known for ${v.length} customers (< ${o.minArm}): too small to tell`);
      else if (kind === 'rate' && Math.min(yes, v.length - yes) < o.minEvents) warnings.push(`${label}arm ${arm}: ${name} has ${Math.min(yes, v.length - yes)} ${yes < v.length - yes ? 'responders' : 'non-responders'} (< ${o.minEvents}): too few to tell`);
    }
    return { arm, is_control: isControl, n: members.length, outcomes };
  });
}

/** Measures every campaign in the rows. */
export function measureCampaigns(rows: readonly DecisionOutcomes[], options: MeasureOptions = {}): CampaignMeasurement[] {
  const o = { minArm: options.minArm ?? 100, minEvents: options.minEvents ?? 5 };
  const byCampaign = new Map<string, DecisionOutcomes[]>();
  for (const r of rows) byCampaign.set(r.campaign_id, [...(byCampaign.get(r.campaign_id) ?? []), r]);
  return [...byCampaign.keys()].sort().map((id) => {
    const decisions = byCampaign.get(id)!;
    const kinds = kindsOf(decisions);
    const warnings: string[] = [];
    const controlArm = decisions.find((r) => r.is_control)?.arm ?? null;
    if (controlArm === null) warnings.push('no control arm: no lift can be measured');
    const arms = armResults(decisions, kinds, '', o, warnings);
    const segmentNames = [...new Set(decisions.map((d) => d.segment).filter((s): s is string => s !== null))].sort();
    const segments = segmentNames.map((segment) => ({ segment, arms: armResults(decisions.filter((d) => d.segment === segment), kinds, `segment ${segment}: `, o, []) }));
    const sizes = Object.fromEntries(arms.map((a) => [a.arm, a.n]));
    let srm: SampleRatioCheck | null = null;
    if (controlArm !== null && arms.length > 1) {
      const share = options.expectedControlShare?.[id];
      const others = arms.filter((a) => !a.is_control);
      const shares = share === undefined ? Object.fromEntries(arms.map((a) => [a.arm, 1 / arms.length])) : Object.fromEntries([[controlArm, share], ...others.map((a) => [a.arm, (1 - share) / others.length])]);
      srm = sampleRatioCheck(sizes, shares);
      if (srm.mismatch) warnings.push(`sample-ratio mismatch: arms ${JSON.stringify(sizes)} vs expected shares ${JSON.stringify(shares)} (chi-square ${srm.chi2.toFixed(1)}, p = ${srm.p_value.toExponential(1)}): the assignment or the recording is broken; do not trust the lifts`);
    }
    const revenue = options.revenueOutcome ?? (kinds.revenue_30d ? 'revenue_30d' : Object.keys(kinds).find((k) => k.startsWith('revenue') || k === 'spend'));
    const margin = options.marginOutcome ?? (kinds.margin_30d ? 'margin_30d' : undefined);
    const money: MoneyResult[] = [];
    const control = decisions.filter((d) => d.is_control);
    if (revenue && control.length > 1) {
      for (const a of arms.filter((x) => !x.is_control)) {
        const treated = decisions.filter((d) => d.arm === a.arm);
        const rv = welchDifference(moments(valuesOf(treated, revenue)), moments(valuesOf(control, revenue)));
        const mv = margin ? welchDifference(moments(valuesOf(treated, margin)), moments(valuesOf(control, margin))) : null;
        const redeemedValue = kinds.redeemed ? treated.filter((d) => d.outcomes.redeemed === 1).reduce((s, d) => s + (d.coupon_value ?? 0), 0) : null;
        const cost = redeemedValue === null || treated.every((d) => d.coupon_value === null) ? null : redeemedValue;
        const n = valuesOf(treated, revenue).length;
        const incMargin = mv ? mv.estimate * n : null;
        money.push({
          arm: a.arm,
          incremental_revenue: rv.estimate * n,
          incremental_revenue_ci: [rv.low * n, rv.high * n],
          incremental_margin: incMargin,
          coupon_cost: cost,
          roi: cost && incMargin !== null ? (incMargin - cost) / cost : null,
        });
      }
    }
    return { campaign_id: id, n: decisions.length, control_arm: controlArm, outcome_kinds: kinds, arms, segments, money, srm, warnings, method: METHOD };
  });
}
