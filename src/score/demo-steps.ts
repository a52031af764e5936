/**
 * The demo's model stages, after the tags: train -> score -> events -> coupons, each adding its figures to the
 * summary (segment sizes, model metrics, events by type, coupons issued). src/cli/demo.ts inserts them after its
 * 'tags' step (or at the end while there is none).
 */
import type { DemoStep } from '../cli/demo.ts';
import { table } from '../cli/output.ts';
import { runLocalCouponIssuer } from '../coupons/local-subscriber.ts';
import { localUpliftScorer } from './uplift-scorer.ts';
import { listEvents } from '../events/command.ts';
import { TRAINABLE_MODELS, trainModels } from '../train/train.ts';
import { refreshTags } from '../tags/refresh.ts';
import { scoreLake } from './score.ts';

const round = (v: unknown, d = 3) => (typeof v === 'number' ? Math.round(v * 10 ** d) / 10 ** d : v);

export const MODEL_DEMO_STEPS: DemoStep[] = [
  {
    name: 'train',
    run: async (ctx) => {
      const p = ctx.progress(`train ${TRAINABLE_MODELS.join(', ')}`);
      // Churn needs two horizons of history before as-of: short demos get a horizon that fits their window.
      const horizonDays = Math.min(90, Math.max(7, Math.floor(ctx.opts.days / 4)));
      const s = await trainModels({ lakeDir: ctx.lakeDir, model: 'all', horizonDays, onModel: (n) => p.update(TRAINABLE_MODELS.indexOf(n) + 1, TRAINABLE_MODELS.length) });
      const m = Object.fromEntries(s.models.map((x) => [x.name, x.card]));
      const metric = (name: string, key: string) => round(m[name]?.metrics[key] ?? null);
      ctx.summary.models = {
        asOf: s.asOf,
        versions: Object.fromEntries(s.models.map((x) => [x.name, x.version])),
        segments: { k: metric('segments', 'k'), silhouette: metric('segments', 'silhouette'), outlierShare: metric('segments', 'outlier_share') },
        churn: {
          auc: metric('churn', 'auc'),
          aucRecencyOnly: metric('churn', 'auc_recency_only'),
          liftTopDecile: metric('churn', 'lift_top_decile'),
          groundTruthAuc: metric('churn', 'ground_truth_auc'),
          groundTruthAucRecencyOnly: metric('churn', 'ground_truth_auc_recency_only'),
        },
        clv: {
          backtestAucPNoOrder: metric('clv', 'backtest_auc_p_no_order'),
          backtestAucRecency: metric('clv', 'backtest_auc_recency'),
          ordersPredictedOverActual: metric('clv', 'backtest_orders_predicted_over_actual'),
        },
        forecast: { validationWape: metric('forecast', 'validation_wape'), validationWapeSeasonalNaive: metric('forecast', 'validation_wape_seasonal_naive') },
        recs: { hitRateAt10: metric('recs', 'backtest_hit_rate_at_10'), popularityHitRateAt10: metric('recs', 'backtest_popularity_hit_rate_at_10'), repeatHitRateAt10: metric('recs', 'backtest_repeat_hit_rate_at_10') },
        sentiment: { cvAuc: metric('sentiment', 'cv_auc') },
        warnings: s.models.flatMap((x) => (x.card.warnings ?? []).map((w) => `${x.name}: ${w}`)),
        skipped: (s.skipped ?? []).map((k) => `${k.name}: ${k.reason}`),
      };
      p.done(s.models.map((x) => x.version).join(', '));
      // A fallback fit or a model left out is said at once, not only in the card.
      if (!ctx.opts.json) for (const line of [...(s.skipped ?? []).map((k) => `skipped ${k.name}: ${k.reason}`), ...s.models.flatMap((x) => (x.card.warnings ?? []).map((w) => `warning ${x.name}: ${w}`))]) process.stderr.write(`  ${line}\n`);
    },
  },
  {
    name: 'score',
    run: async (ctx) => {
      const p = ctx.progress('score customers (onnxruntime)');
      const s = await scoreLake({ lakeDir: ctx.lakeDir });
      ctx.summary.scores = { asOf: s.asOf, customers: s.customers, segments: s.segments, churn: s.churn, clv: s.clv, eventsPublished: s.events.published, profilingRefused: s.profilingRefused };
      p.done(`${s.customers.toLocaleString('en')} customers (${s.profilingRefused} refused profiling: not scored), ${s.events.published} events`);
      if (s.reviewScores?.version) {
        // In AWS review texts are scored as they arrive, before the daily tag refresh; here the sentiment model exists
        // only now, so the day's snapshot is refreshed once more to carry review_sentiment.
        const t = ctx.progress('refresh customer_tags with review sentiment');
        await refreshTags({ lakeDir: ctx.lakeDir, asOf: s.asOf });
        t.done(`${s.reviewScores.reviews.toLocaleString('en')} reviews, ${s.reviewScores.tickets.toLocaleString('en')} tickets, ${s.reviewScores.posts.toLocaleString('en')} Weibo posts scored`);
      }
    },
  },
  {
    name: 'events',
    run: async (ctx) => {
      const p = ctx.progress('events on the local bus');
      const byType: Record<string, number> = {};
      for (const e of listEvents({ lake: ctx.lakeDir, json: true })) byType[e.detailType] = (byType[e.detailType] ?? 0) + 1;
      ctx.summary.events = byType;
      p.done(Object.entries(byType).map(([t, n]) => `${t} ${n}`).join(', ') || 'none');
    },
  },
  {
    name: 'coupons',
    run: async (ctx) => {
      const p = ctx.progress('coupon issuer (HighValueCustomerAtRisk, CartAbandoned)');
      const s = await runLocalCouponIssuer({ lakeDir: ctx.lakeDir, uplift: () => localUpliftScorer(ctx.lakeDir) });
      ctx.summary.coupons = s;
      p.done(`${s.issued} issued, ${s.heldOut} held out as control, ${s.overBudget} refused by the budget, ${s.noConsent} without marketing consent`);
    },
  },
];

/** The demo summary's model section; prints nothing when the model steps did not run. */
export function printModelSummary(s: Record<string, unknown>): void {
  const models = s.models as
    | { asOf: string; versions: Record<string, string>; segments: Record<string, unknown>; churn: Record<string, unknown>; clv: Record<string, unknown>; forecast?: Record<string, unknown>; recs?: Record<string, unknown>; sentiment?: Record<string, unknown>; warnings?: string[]; skipped?: string[] }
    | undefined;
  const scores = s.scores as { segments: Record<string, number>; churn: { atRisk: number; threshold: number } } | undefined;
  if (!models) return;
  const out = process.stdout;
  out.write(`\nModels (as of ${models.asOf}; versions ${Object.values(models.versions).join(', ')})\n`);
  const rows = [
    ['segments', 'k (by silhouette)', models.segments.k],
    ['segments', 'silhouette', models.segments.silhouette],
    ['segments', 'outlier share', models.segments.outlierShare],
    ['churn', 'AUC, time-shifted validation', models.churn.auc],
    ['churn', 'AUC of recency alone, same customers', models.churn.aucRecencyOnly],
    ['churn', 'lift at the top decile', models.churn.liftTopDecile],
    ['churn', 'AUC vs generator ground truth', models.churn.groundTruthAuc],
    ['churn', 'recency alone vs ground truth', models.churn.groundTruthAucRecencyOnly],
    ['clv', 'backtest AUC of P(no order)', models.clv.backtestAucPNoOrder],
    ['clv', 'backtest AUC of recency', models.clv.backtestAucRecency],
    ['clv', 'orders predicted / actual', models.clv.ordersPredictedOverActual],
    ['forecast', 'validation WAPE', models.forecast?.validationWape],
    ['forecast', 'seasonal naive WAPE, same periods', models.forecast?.validationWapeSeasonalNaive],
    ['recs', 'backtest hit rate @10', models.recs?.hitRateAt10],
    ['recs', 'most popular hit rate @10', models.recs?.popularityHitRateAt10],
    ['recs', "customer's own products (repeat) hit rate @10", models.recs?.repeatHitRateAt10],
    ['sentiment', 'cross-validated AUC', models.sentiment?.cvAuc],
  ].filter((r) => r[2] !== null && r[2] !== undefined);
  out.write(table(rows.map(([model, metric, value]) => ({ model, metric, value }))) + '\n');
  for (const w of models.warnings ?? []) out.write(`warning ${w}\n`);
  for (const k of models.skipped ?? []) out.write(`skipped ${k}\n`);
  if (scores) out.write('\nSegments\n' + table(Object.entries(scores.segments).map(([segment, customers]) => ({ segment, customers }))) + '\n');
  const events = s.events as Record<string, number> | undefined;
  if (events) out.write('\nEvents by type\n' + table(Object.entries(events).map(([type, n]) => ({ type, events: n }))) + '\n');
  const coupons = s.coupons as { issued: number; heldOut?: number; overBudget: number; noConsent: number; spentThisPeriod: number; monthlyBudget: number } | undefined;
  if (coupons) out.write(`\nCoupons: ${coupons.issued} issued, ${coupons.heldOut ?? 0} held out as control, ${coupons.overBudget} refused by the budget (${coupons.spentThisPeriod} of ${coupons.monthlyBudget} spent this month), ${coupons.noConsent} without marketing consent\n`);
}
