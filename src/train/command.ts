/** `retail-lake train <segments|churn|clv|all> [--as-of D] [--horizon-days N] [--json]`: --json prints the card(s). */
import path from 'node:path';
import { emit, table, type GlobalOptions } from '../cli/output.ts';
import { MODEL_ZONE } from '../models/index.ts';
import { trainModels, type TrainSummary } from './train.ts';

export interface TrainCommandOptions extends GlobalOptions {
  readonly model: string;
  readonly asOf?: string;
  readonly horizonDays?: number;
  readonly horizonPeriods?: number;
  readonly groundTruth?: string;
}

/** The headline figures of a card, for people. */
export function headlineMetrics(metrics: Record<string, number | null>): string {
  const keys = ['k', 'silhouette', 'outlier_share', 'auc', 'auc_recency_only', 'lift_top_decile', 'log_loss', 'ground_truth_auc', 'ground_truth_auc_recency_only', 'backtest_auc_p_no_order', 'backtest_orders_predicted_over_actual', 'validation_wape', 'validation_wape_seasonal_naive', 'backtest_hit_rate_at_10', 'backtest_popularity_hit_rate_at_10', 'backtest_repeat_hit_rate_at_10', 'cv_auc'];
  return keys
    .filter((k) => metrics[k] !== undefined && metrics[k] !== null)
    .map((k) => `${k} ${Number.isInteger(metrics[k]) ? metrics[k] : metrics[k]!.toFixed(3)}`)
    .join(', ');
}

export async function trainCommand(o: TrainCommandOptions): Promise<TrainSummary> {
  const s = await trainModels({
    lakeDir: o.lake,
    model: o.model as never,
    ...(o.asOf !== undefined ? { asOf: o.asOf } : {}),
    ...(o.horizonDays !== undefined ? { horizonDays: o.horizonDays } : {}),
    ...(o.horizonPeriods !== undefined ? { horizonPeriods: o.horizonPeriods } : {}),
    ...(o.groundTruth !== undefined ? { groundTruth: o.groundTruth } : {}),
    onModel: (name) => {
      if (!o.json) process.stderr.write(`  training ${name} as of ${o.asOf ?? 'the newest data'}...\n`);
    },
  });
  const cards = s.models.map((m) => m.card);
  emit(o, o.model === 'all' ? cards : cards[0], () => {
    process.stdout.write(`trained as of ${s.asOf} (horizon ${s.horizonDays} days)\n`);
    for (const k of s.skipped ?? []) process.stdout.write(`skipped ${k.name}: ${k.reason}\n`);
    for (const m of s.models) for (const w of m.card.warnings ?? []) process.stdout.write(`warning ${m.name}: ${w}\n`);
    process.stdout.write(
      table(s.models.map((m) => ({ model: m.name, version: m.version, metrics: headlineMetrics(m.card.metrics), card: path.join(o.lake, MODEL_ZONE, m.name, m.version, 'card.md') }))) + '\n',
    );
  });
  return s;
}
