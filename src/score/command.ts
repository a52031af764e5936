/**
 * `retail-lake score [--as-of D] [--rules FILE] [--json]`: write customer_scores, publish the new events on the local
 * bus, then run the local subscriber (the coupon issuer), as the EventBridge rule would in AWS.
 */
import { emit, table, type GlobalOptions } from '../cli/output.ts';
import { runLocalCouponIssuer, type LocalIssuerSummary } from '../coupons/local-subscriber.ts';
import { loadEventRules } from '../events/rules.ts';
import { scoreLake, type ScoreSummary } from './score.ts';
import { withLakeCommit } from '../lake/commit.ts';
import { localUpliftScorer } from './uplift-scorer.ts';
import { scoreLakeSharded } from './local-shards.ts';

export interface ScoreCommandOptions extends GlobalOptions {
  readonly asOf?: string;
  readonly rules?: string;
  readonly leadTimeDays?: number;
  /** Score in this many shards (src/score/local-shards.ts). @default one scoring of everyone */
  readonly shards?: number;
}

export async function scoreCommand(o: ScoreCommandOptions): Promise<ScoreSummary & { coupons: LocalIssuerSummary }> {
  // Scores, events and coupons in one lake commit.
  const { s, coupons } = await withLakeCommit(o.lake, 'score', async () => {
  const options = { lakeDir: o.lake, ...(o.asOf !== undefined ? { asOf: o.asOf } : {}), rules: loadEventRules(o.rules), ...(o.leadTimeDays !== undefined ? { leadTimeDays: o.leadTimeDays } : {}) };
  const s: ScoreSummary = o.shards !== undefined ? await scoreLakeSharded({ ...options, shards: o.shards }) : await scoreLake(options);
  const coupons = await runLocalCouponIssuer({ lakeDir: o.lake, uplift: () => localUpliftScorer(o.lake) });
  return { s, coupons };
  });
  const out = { ...s, coupons };
  emit(o, out, () => {
    printScoreSummary(s);
    process.stdout.write(`\ncoupon issuer: ${coupons.issued} issued, ${coupons.heldOut} held out as control, ${coupons.duplicates} already issued, ${coupons.overBudget} refused by the budget (${coupons.spentThisPeriod} of ${coupons.monthlyBudget} ${coupons.budgetPeriod}), ${coupons.noConsent} without marketing consent${coupons.notTargeted ? `, ${coupons.notTargeted} not targeted (predicted uplift does not pay for the coupon)` : ''}\n`);
  });
  return out;
}

export function printScoreSummary(s: ScoreSummary): void {
  const out = process.stdout;
  const f = (v: number | null, d = 3) => (v === null ? '—' : v.toFixed(d));
  out.write(`customer_scores as of ${s.asOf}: ${s.customers} customers -> ${s.output}\n`);
  if (s.profilingRefused) out.write(`not scored: ${s.profilingRefused} customers who refused profiling (consent as of ${s.asOf})\n`);
  out.write(
    table([
      ...Object.entries(s.models).map(([model, version]) => ({ figure: `${model} model`, value: version ?? 'not trained' })),
      { figure: 'mean churn probability', value: f(s.churn.mean) },
      { figure: `customers at churn risk (>= ${s.churn.threshold})`, value: s.churn.atRisk },
      { figure: 'expected revenue, next 365 days', value: f(s.clv.total365d, 0) },
      { figure: 'mean P(alive)', value: f(s.clv.meanPAlive) },
      { figure: 'compared with scores as of', value: s.previousAsOf ?? '(first scoring)' },
      { figure: 'events published', value: s.events.published },
      { figure: 'events already published before', value: s.events.alreadyPublished },
    ]) + '\n',
  );
  for (const n of s.notes ?? []) out.write(`note: ${n}\n`);
  if (Object.keys(s.segments).length) out.write('\nSegments\n' + table(Object.entries(s.segments).map(([segment, customers]) => ({ segment, customers }))) + '\n');
  if (s.events.published) out.write('\nEvents published\n' + table(Object.entries(s.events.byType).map(([type, events]) => ({ type, events }))) + '\n');
}
