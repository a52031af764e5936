/**
 * Churn AUC with and without the delivery tags as features (issue 18, "the churn AUC of the demo does not drop when
 * delivery tags are added"), side by side on one lake: the same cuts, labels and tag snapshots, the only difference
 * being CHURN_DELIVERY_FEATURES appended to the default churn features.
 *
 *   RETAIL_LAKE_DIR=/tmp/demo npx tsx bin/retail-lake.ts demo     # the demo lake (once)
 *   npx tsx bench/delivery-features.ts /tmp/demo [--as-of YYYY-MM-DD] [--horizon-days 90]
 *
 * Prints a Markdown table (validation AUC: trained on the cut as-of - 2h, measured on as-of - h; and, on a generated
 * lake, the AUC against the generator's latent churn) and, last, the JSON of both runs.
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

const runs: Record<string, Record<string, unknown>> = {};
for (const [name, extra] of [
  ['without delivery tags', []],
  ['with delivery tags', CHURN_DELIVERY_FEATURES],
] as const) {
  note(`training churn ${name}`);
  const t0 = performance.now();
  const m = await trainChurnFromLake({ ...common, extraFeatureNames: extra });
  const metrics = m.card.metrics as Record<string, number | null>;
  runs[name] = {
    features: (m.card.features as { name: string }[] | undefined)?.length ?? null,
    auc: metrics.auc,
    trainAuc: metrics.trainAuc,
    recencyOnlyAuc: metrics.recencyOnlyAuc,
    liftTopDecile: metrics.liftTopDecile,
    groundTruthAuc: metrics.ground_truth_auc ?? null,
    seconds: round((performance.now() - t0) / 1000, 1),
  };
}
const loadEnd = round((await import('node:os')).loadavg()[0]!, 2);

const fmt = (v: unknown) => (typeof v === 'number' ? v.toFixed(4) : String(v));
const [a, b] = [runs['without delivery tags']!, runs['with delivery tags']!];
console.log(`# Churn AUC with and without the delivery tags\n`);
console.log(`Lake ${lakeDir}, as of ${asOf}, horizon ${horizonDays} days; load average ${loadStart} at start, ${loadEnd} at end.\n`);
console.log('| run | features | validation AUC | train AUC | recency-only AUC | lift top decile | AUC vs generator truth | seconds |');
console.log('|---|---|---|---|---|---|---|---|');
for (const [name, r] of Object.entries(runs)) {
  console.log(`| ${name} | ${r.features} | ${fmt(r.auc)} | ${fmt(r.trainAuc)} | ${fmt(r.recencyOnlyAuc)} | ${fmt(r.liftTopDecile)} | ${fmt(r.groundTruthAuc)} | ${r.seconds} |`);
}
console.log(`\nValidation AUC change with the delivery tags: ${((b.auc as number) - (a.auc as number)).toFixed(4)}.`);
console.log(JSON.stringify({ lakeDir, asOf, horizonDays, machine: start, loadEnd, runs }));
