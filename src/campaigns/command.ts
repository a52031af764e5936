/**
 * `retail-lake campaigns [--campaign ID] [--json]`: reads campaign_outcomes (sql/marts/campaign_outcomes.sql) and
 * prints the measurement of each campaign (src/campaigns/measure.ts). With --campaign and --json, the last line is
 * one JSON object `{campaign_id, n, arms: [{arm, n, outcomes: {<outcome>: {rate, lift, ci_low, ci_high, n}}}], ...}`;
 * without --campaign, `{campaigns: [...]}`.
 */
import { emit, table, type GlobalOptions } from '../cli/output.ts';
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows } from '../adapters/local/duckdb.ts';
import { openLakeCatalog } from '../lake/local-catalog.ts';
import { CampaignOptionsError } from './errors.ts';
import { measureCampaigns, type CampaignMeasurement, type DecisionOutcomes } from './measure.ts';

export interface CampaignsCommandOptions extends GlobalOptions {
  readonly campaign?: string;
  /**
   * With campaign: the current uplift model evaluated on it, per treated arm. The CLI passes
   * src/train/uplift.ts evaluateUpliftOnCampaign (training sits above measurement, so it is handed in, not imported).
   */
  readonly uplift?: (lakeDir: string, campaign: string) => Promise<Record<string, UpliftFigures>>;
}

/** What `campaigns --uplift` prints per treated arm (src/train/uplift.ts CampaignUplift). */
export interface UpliftFigures {
  readonly n: number;
  readonly qini: number;
  readonly auuc: number | null;
  readonly top30_lift: number | null;
  readonly overall_lift: number | null;
  readonly model_version: string;
  readonly outcome: string;
  readonly evaluated_on: 'held_out' | 'all';
}

const flag = (complete: unknown, v: unknown): number | null => (complete === true ? (v === true ? 1 : 0) : null);
const amount = (complete: unknown, v: unknown): number | null => (complete === true ? Number(v) : null);

/** The decisions of the lake as measurement input: lake outcomes once their window is over, plus reported ones. */
export async function readDecisions(lakeDir: string): Promise<{ rows: DecisionOutcomes[]; controlShares: Record<string, number> }> {
  const cat = await openLakeCatalog(lakeDir);
  try {
    return await readDecisionsFrom(cat.conn);
  } finally {
    cat.close();
  }
}

/** The same from an open lake catalog (the report's). */
export async function readDecisionsFrom(conn: DuckDBConnection): Promise<{ rows: DecisionOutcomes[]; controlShares: Record<string, number> }> {
  {
    const raw = await queryRows(
      conn,
      `select o.campaign_id, o.arm, o.is_control, o.segment, o.coupon_value, o.customer_key, o.customer_id, o.decided_at, o.short_window_days, o.long_window_days,
              o.is_short_window_complete, o.is_long_window_complete, o.is_retention_complete, o.has_ordered_short, o.has_ordered_long,
              o.revenue_short, o.revenue_long, o.margin_long, o.has_redeemed, o.is_retained, o.reported_outcomes, a.features
       from campaign_outcomes as o
       left join campaign_assignments as a
           on o.decision_source = 'import' and a.campaign_id = o.campaign_id and a.customer_id = o.customer_id`,
    );
    const shares = await queryRows(conn, 'select campaign, max(holdout_share) as share from coupon_holdouts group by campaign');
    const rows = raw.map((r): DecisionOutcomes => {
      const outcomes: Record<string, number | null> = {};
      if (r.customer_key !== null && r.decided_at !== null) {
        const s = Number(r.short_window_days);
        const l = Number(r.long_window_days);
        outcomes[`ordered_${s}d`] = flag(r.is_short_window_complete, r.has_ordered_short);
        outcomes[`ordered_${l}d`] = flag(r.is_long_window_complete, r.has_ordered_long);
        outcomes[`revenue_${s}d`] = amount(r.is_short_window_complete, r.revenue_short);
        outcomes[`revenue_${l}d`] = amount(r.is_long_window_complete, r.revenue_long);
        outcomes[`margin_${l}d`] = amount(r.is_long_window_complete, r.margin_long);
        outcomes.redeemed = flag(r.is_long_window_complete, r.has_redeemed);
        outcomes.retained_90d = flag(r.is_retention_complete, r.is_retained);
      }
      if (typeof r.reported_outcomes === 'string') {
        for (const [k, v] of Object.entries(JSON.parse(r.reported_outcomes) as Record<string, number>)) outcomes[k] = v;
      }
      return {
        campaign_id: String(r.campaign_id),
        arm: String(r.arm),
        is_control: r.is_control === true,
        segment: r.segment === null ? null : String(r.segment),
        coupon_value: r.coupon_value === null ? null : Number(r.coupon_value),
        outcomes,
        customer_key: r.customer_key === null ? null : String(r.customer_key),
        customer_id: r.customer_id === null ? null : String(r.customer_id),
        decided_at: r.decided_at === null ? null : String(r.decided_at),
        features: r.features === null || r.features === undefined ? null : typeof r.features === 'string' ? (JSON.parse(r.features) as Record<string, string | number>) : (r.features as Record<string, string | number>),
      };
    });
    return { rows, controlShares: Object.fromEntries(shares.map((s) => [String(s.campaign), Number(s.share)])) };
  }
}

export async function measureLake(lakeDir: string, campaign?: string): Promise<CampaignMeasurement[]> {
  const { rows, controlShares } = await readDecisions(lakeDir);
  if (campaign !== undefined && !rows.some((r) => r.campaign_id === campaign)) {
    const known = [...new Set(rows.map((r) => r.campaign_id))].sort();
    throw new CampaignOptionsError(`--campaign ${JSON.stringify(campaign)}: no decisions of that campaign in the lake; campaigns: ${known.length ? known.join(', ') : '(none: run the coupon issuer or import-campaign first)'}`);
  }
  return measureCampaigns(campaign === undefined ? rows : rows.filter((r) => r.campaign_id === campaign), { expectedControlShare: controlShares });
}

const pct = (v: number | null, kind: 'rate' | 'mean') => (v === null ? '' : kind === 'rate' ? `${(100 * v).toFixed(2)}%` : v.toFixed(2));

export function printMeasurement(m: CampaignMeasurement): void {
  const out = process.stdout;
  out.write(`\ncampaign ${m.campaign_id}: ${m.n} decisions, control arm ${m.control_arm ?? '(none)'}\n`);
  const rows = m.arms.flatMap((a) =>
    Object.entries(a.outcomes).map(([name, r]) => ({
      arm: a.arm,
      n: r.n,
      outcome: name,
      [`rate/mean`]: pct(r.rate, m.outcome_kinds[name]!),
      lift: pct(r.lift, m.outcome_kinds[name]!),
      '95% interval': r.ci_low === null ? '' : `[${pct(r.ci_low, m.outcome_kinds[name]!)}, ${pct(r.ci_high, m.outcome_kinds[name]!)}]`,
    })),
  );
  out.write(table(rows) + '\n');
  for (const s of m.segments) {
    const lifts = s.arms.filter((a) => !a.is_control).flatMap((a) => Object.entries(a.outcomes).filter(([, r]) => r.lift !== null).map(([name, r]) => `${a.arm} ${name} ${pct(r.lift, m.outcome_kinds[name]!)} [${pct(r.ci_low, m.outcome_kinds[name]!)}, ${pct(r.ci_high, m.outcome_kinds[name]!)}]`));
    out.write(`  segment ${s.segment} (${s.arms.map((a) => `${a.arm} ${a.n}`).join(', ')}): ${lifts.slice(0, 4).join('; ') || 'no lift measurable'}\n`);
  }
  for (const x of m.money) {
    out.write(`  ${x.arm}: incremental revenue ${x.incremental_revenue.toFixed(0)} [${x.incremental_revenue_ci[0].toFixed(0)}, ${x.incremental_revenue_ci[1].toFixed(0)}]` + `${x.coupon_cost === null ? '' : `, coupon cost ${x.coupon_cost.toFixed(0)}`}${x.roi === null ? '' : `, ROI ${(100 * x.roi).toFixed(0)}%`}\n`);
  }
  if (m.srm) out.write(`  sample ratio: ${JSON.stringify(m.srm.observed)} vs expected ${JSON.stringify(Object.fromEntries(Object.entries(m.srm.expected).map(([k, v]) => [k, Math.round(v)])))}, chi-square ${m.srm.chi2.toFixed(2)}, p = ${m.srm.p_value.toFixed(3)}${m.srm.mismatch ? ' MISMATCH' : ' (ok)'}\n`);
  for (const w of m.warnings.slice(0, 12)) out.write(`  warning: ${w}\n`);
  if (m.warnings.length > 12) out.write(`  (${m.warnings.length - 12} more warnings; --json lists them all)\n`);
}

export async function campaignsCommand(o: CampaignsCommandOptions): Promise<CampaignMeasurement[]> {
  if (o.uplift && o.campaign === undefined) throw new CampaignOptionsError('--uplift needs --campaign ID: the campaign to evaluate the uplift model on');
  const ms = await measureLake(o.lake, o.campaign);
  const uplift = o.uplift ? await o.uplift(o.lake, o.campaign!) : undefined;
  emit(o, o.campaign !== undefined ? { ...ms[0], ...(uplift ? { uplift } : {}) } : { campaigns: ms }, () => {
    if (!ms.length) process.stdout.write('no campaign decisions in the lake (run the coupon issuer, or import-campaign)\n');
    for (const m of ms) printMeasurement(m);
    if (uplift) {
      const first = Object.values(uplift)[0];
      process.stdout.write(`\nuplift model ${first?.model_version ?? ''} on ${first?.outcome ?? ''}${first?.evaluated_on === 'held_out' ? ', held-out customers only (the model learnt from this campaign)' : ''} (Qini: 1 perfect, 0 random; top 30% and overall: treated minus control):\n`);
      process.stdout.write(table(Object.entries(uplift).map(([arm, u]) => ({ arm, n: u.n, qini: u.qini.toFixed(4), auuc: u.auuc?.toFixed(4) ?? '', top30_lift: u.top30_lift?.toFixed(4) ?? '', overall_lift: u.overall_lift?.toFixed(4) ?? '' }))) + '\n');
    }
    if (ms.length) process.stdout.write(`\n${ms[0]!.method}\n`);
  });
  return ms;
}
