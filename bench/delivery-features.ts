/**
 * Churn AUC with and without the delivery tags as features (issue 18, "the churn AUC of the demo does not drop when
 * delivery tags are added"), side by side on one lake: the same cuts, labels and tag snapshots, the only difference
 * being CHURN_DELIVERY_FEATURES appended to the default churn features.
 *
 *   RETAIL_LAKE_DIR=/tmp/demo npx tsx bin/retail-lake.ts demo     # the demo lake (once)
 *   npx tsx bench/delivery-features.ts /tmp/demo [--as-of YYYY-MM-DD] [--horizon-days 90]
 *
 * Prints a Markdown table (validation AUC: trained on the cut as-of - 2h, measured on as-of - h; and, on a generated
 * lake, the AUC against the generator's latent churn) and, last, one JSON line: withoutDeliveryTags and withDeliveryTags
 * ({features, auc, trainAuc, recencyOnlyAuc, liftTopDecile, groundTruthAuc, seconds}), aucChange, groundTruthAucChange,
 * aucDoesNotDrop, machine (loadAverage at start) and loadAverageEnd.
 */
import { CHURN_DELIVERY_FEATURES } from '../models/churn/index.ts';
import { trainChurnFromLake } from '../src/train/churn.ts';
import { findGroundTruth } from '../src/train/ground-truth.ts';
import { newestLakeDate, readPurchases, readTagSnapshot } from '../src/train/lake-data.ts';
import type { TagRow } from '../src/models/index.ts';
import { machine, note, round } from './lib.ts';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const lakeDir = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')) ?? process.env.RETAIL_LAKE_DIR;
if (!lakeDir) throw new Error('usage: npx tsx bench/delivery-features.ts <lake dir> [--as-of YYYY-MM-DD] [--horizon-days 90]');
const asOf = flag('--as-of') ?? (await newestLakeDate(lakeDir));
if (!asOf) throw new Error(`no events in ${lakeDir}`);
const horizonDays = Number(flag('--horizon-days') ?? 90);

const start = machine();
const loadStart = start.loadAverage;
const snapshots = new Map<string, Promise<TagRow[]>>();
const tagsAt = (day: string) => {
  let p = snapshots.get(day);
  if (!p) snapshots.set(day, (p = readTagSnapshot(lakeDir, day)));
  return p;
};
note(`tags as of ${asOf}`);
await tagsAt(asOf);
const purchases = await readPurchases(lakeDir, asOf);
const personsFile = findGroundTruth(lakeDir);
const common = { asOf, horizonDays, tagsAt, purchases, ...(personsFile ? { groundTruth: { lakeDir, personsFile } } : {}) };

/** One training's figures, under the bench's keys (camelCase, as bench/run.ts and `npm run bench -- --json`). */
interface Run {
  readonly features: number | null;
  /** Validation AUC: trained on the cut as-of - 2h, measured on as-of - h (card metrics.auc). */
  readonly auc: number | null;
  readonly trainAuc: number | null;
  readonly recencyOnlyAuc: number | null;
  readonly liftTopDecile: number | null;
  /** AUC against the generator's latent churn (card metrics.ground_truth_auc); null on a lake without ground truth. */
  readonly groundTruthAuc: number | null;
  readonly seconds: number;
}

const runs = {} as Record<'withoutDeliveryTags' | 'withDeliveryTags', Run>;
for (const [key, extra] of [
  ['withoutDeliveryTags', []],
  ['withDeliveryTags', CHURN_DELIVERY_FEATURES],
] as const) {
  note(`training churn ${key}`);
  const t0 = performance.now();
  const m = await trainChurnFromLake({ ...common, extraFeatureNames: extra });
  // The card's metrics are snake_case (models/churn/train.ts, src/train/churn.ts).
  const metrics = m.card.metrics as Record<string, number | null | undefined>;
  const metric = (k: string) => (typeof metrics[k] === 'number' ? metrics[k] : null);
  runs[key] = {
    features: (m.card.features as { name: string }[] | undefined)?.length ?? null,
    auc: metric('auc'),
    trainAuc: metric('train_auc'),
    recencyOnlyAuc: metric('auc_recency_only'),
    liftTopDecile: metric('lift_top_decile'),
    groundTruthAuc: metric('ground_truth_auc'),
    seconds: round((performance.now() - t0) / 1000, 1),
  };
}
const loadAverageEnd = round((await import('node:os')).loadavg()[0]!, 2);
const { withoutDeliveryTags: a, withDeliveryTags: b } = runs;
const change = (x: number | null, y: number | null) => (x === null || y === null ? null : round(y - x, 5));
const aucChange = change(a.auc, b.auc);
const groundTruthAucChange = change(a.groundTruthAuc, b.groundTruthAuc);

const fmt = (v: number | null) => (v === null ? '–' : v.toFixed(5));
console.log(`# Churn AUC with and without the delivery tags\n`);
console.log(`Lake ${lakeDir}, as of ${asOf}, horizon ${horizonDays} days; load average ${loadStart} at start, ${loadAverageEnd} at end.\n`);
console.log('| run | features | validation AUC | train AUC | recency-only AUC | lift top decile | AUC vs generator truth | seconds |');
console.log('|---|---|---|---|---|---|---|---|');
for (const [name, r] of [['without delivery tags', a], ['with delivery tags', b]] as const) {
  console.log(`| ${name} | ${r.features} | ${fmt(r.auc)} | ${fmt(r.trainAuc)} | ${fmt(r.recencyOnlyAuc)} | ${fmt(r.liftTopDecile)} | ${fmt(r.groundTruthAuc)} | ${r.seconds} |`);
}
console.log(`\nValidation AUC change with the delivery tags: ${aucChange === null ? '–' : aucChange.toFixed(5)}; against the generator's truth: ${groundTruthAucChange === null ? '–' : groundTruthAucChange.toFixed(5)}.`);
console.log(JSON.stringify({ lakeDir, asOf, horizonDays, machine: start, loadAverageEnd, withoutDeliveryTags: a, withDeliveryTags: b, aucChange, groundTruthAucChange, aucDoesNotDrop: aucChange === null ? null : aucChange >= 0 }));
