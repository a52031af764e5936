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
      `select campaign_id, arm, is_control, segment, coupon_value, customer_key, decided_at, short_window_days, long_window_days,
              is_short_window_complete, is_long_window_complete, is_retention_complete, has_ordered_short, has_ordered_long,
              revenue_short, revenue_long, margin_long, has_redeemed, is_retained, reported_outcomes
       from campaign_outcomes`,
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
  const ms = await measureLake(o.lake, o.campaign);
  emit(o, o.campaign !== undefined ? ms[0] : { campaigns: ms }, () => {
    if (!ms.length) process.stdout.write('no campaign decisions in the lake (run the coupon issuer, or import-campaign)\n');
    for (const m of ms) printMeasurement(m);
    if (ms.length) process.stdout.write(`\n${ms[0]!.method}\n`);
  });
  return ms;
}
