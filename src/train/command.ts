/** `retail-lake train <segments|churn|clv|all> [--as-of D] [--horizon-days N] [--json]` and `train uplift --campaign ID --outcome NAME`: --json prints the card(s). */
import path from 'node:path';
import { emit, table, type GlobalOptions } from '../cli/output.ts';
import { MODEL_ZONE } from '../models/index.ts';
import { trainModels, type TrainSummary, type TrainTarget } from './train.ts';
import { flaggedLatestModels } from '../privacy/receipt.ts';
import { trainUpliftFromLake, upliftHeadline, type TrainedUplift } from './uplift.ts';
import { TrainOptionsError } from './errors.ts';

export interface TrainCommandOptions extends GlobalOptions {
  readonly model: string;
  readonly asOf?: string;
  readonly horizonDays?: number;
  readonly horizonPeriods?: number;
  readonly groundTruth?: string;
  /** Train only the models an erasure flagged (whose latest version saw erased people's data). */
  readonly retrain?: boolean;
  /** Promote segments, churn and CLV only when not worse than `latest` on the backtest (src/train/gate.ts). */
  readonly gate?: boolean;
  readonly tolerance?: number;
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
  const flagged = flaggedLatestModels(o.lake);
  if (o.retrain) {
    const names = [...new Set(flagged.map((f) => f.model))].filter((n) => o.model === 'all' || n === o.model);
    if (!names.length) {
      emit(o, [], () => process.stdout.write(`no ${o.model === 'all' ? '' : `${o.model} `}model is flagged for retraining by an erasure\n`));
      return { asOf: o.asOf ?? '', horizonDays: o.horizonDays ?? 90, models: [] };
    }
    const parts: TrainSummary[] = [];
    for (const n of names) parts.push(await trainOnce({ ...o, model: n }));
    const s: TrainSummary = { ...parts[0]!, models: parts.flatMap((p) => p.models), skipped: parts.flatMap((p) => p.skipped ?? []) };
    printTrained(o, s, true);
    return s;
  }
  const s = await trainOnce(o);
  printTrained(o, s, o.model === 'all');
  // Models an erasure flagged and this run did not replace: still trained on erased people's data.
  const still = flaggedLatestModels(o.lake);
  if (still.length && !o.json) {
    process.stdout.write(`flagged for retraining after an erasure (their training data included erased people): ${still.map((f) => `${f.model} ${f.version}`).join(', ')}; run retail-lake train all --retrain\n`);
  }
  return s;
}

function printTrained(o: TrainCommandOptions, s: TrainSummary, many: boolean): void {
  const cards = s.models.map((m) => m.card);
  emit(o, many ? cards : cards[0], () => {
    process.stdout.write(`trained as of ${s.asOf} (horizon ${s.horizonDays} days)\n`);
    for (const k of s.skipped ?? []) process.stdout.write(`skipped ${k.name}: ${k.reason}\n`);
    for (const m of s.models) for (const w of m.card.warnings ?? []) process.stdout.write(`warning ${m.name}: ${w}\n`);
    process.stdout.write(
      table(
        s.models.map((m) => ({
          model: m.name,
          version: m.version,
          ...(m.gate ? { gate: m.gate.decision } : {}),
          metrics: headlineMetrics(m.card.metrics),
          card: path.join(o.lake, MODEL_ZONE, m.name, m.version, 'card.md'),
        })),
      ) + '\n',
    );
    for (const m of s.models) if (m.gate) process.stdout.write(`gate ${m.name}: ${m.gate.decision}, ${m.gate.reason}${m.gate.decision === 'rejected' ? ` (latest stays ${m.gate.incumbent})` : ''}\n`);
  });
}

async function trainOnce(o: TrainCommandOptions): Promise<TrainSummary> {
  return trainModels({
    lakeDir: o.lake,
    model: o.model as TrainTarget,
    ...(o.asOf !== undefined ? { asOf: o.asOf } : {}),
    ...(o.horizonDays !== undefined ? { horizonDays: o.horizonDays } : {}),
    ...(o.horizonPeriods !== undefined ? { horizonPeriods: o.horizonPeriods } : {}),
    ...(o.groundTruth !== undefined ? { groundTruth: o.groundTruth } : {}),
    ...(o.gate ? { gate: true } : {}),
    ...(o.tolerance !== undefined ? { tolerance: o.tolerance } : {}),
    onModel: (name) => {
      if (!o.json) process.stderr.write(`  training ${name} as of ${o.asOf ?? 'the newest data'}...\n`);
    },
  });
}

export interface TrainUpliftCommandOptions extends GlobalOptions {
  readonly campaigns: readonly string[];
  readonly outcome?: string;
  readonly treatedArms?: readonly string[];
}

/** `retail-lake train uplift --campaign ID --outcome NAME`: --json prints the card. */
export async function trainUpliftCommand(o: TrainUpliftCommandOptions): Promise<TrainedUplift> {
  if (!o.campaigns.length) throw new TrainOptionsError('train uplift needs --campaign ID (several: ID,ID,...): the randomised campaign to learn from');
  if (!o.outcome) throw new TrainOptionsError('train uplift needs --outcome NAME (visit, conversion, spend, ordered_30d, ...)');
  const r = await trainUpliftFromLake({ lakeDir: o.lake, campaigns: o.campaigns, outcome: o.outcome, ...(o.treatedArms?.length ? { treatedArms: o.treatedArms } : {}) });
  emit(o, r.card, () => {
    process.stdout.write(`trained ${r.name} ${r.version} on ${o.campaigns.join(', ')} (${o.outcome}): ${upliftHeadline(r.card)}\n`);
    process.stdout.write(`card: ${path.join(o.lake, MODEL_ZONE, r.name, r.version, 'card.md')}\n`);
  });
  return r;
}
