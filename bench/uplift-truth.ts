/**
 * `npx tsx bench/uplift-truth.ts [--from DIR] [--outcome ordered_30d]`: the uplift model against the generator's
 * ground truth. Takes the lake of a bench/campaign-truth.ts run (default /tmp/campaign-truth-4000-42: the monthly
 * win-back campaigns imported, 10% held out by hash), copies it, and runs `train uplift` on all the win-back campaigns
 * together (features: each customer's tags the day before the send). The card reports, on the 30% of customers held
 * out by hash, Qini / AUUC / measured uplift in the top 10/20/30% and, from ground_truth/campaigns.jsonl, the TRUE lift
 * (P(order | coupon) - P(order | no coupon), per decision) of the top 30% by predicted uplift beside the average.
 * Writes bench/uplift-truth-results.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDecisions } from '../src/campaigns/command.ts';
import { trainUpliftFromLake } from '../src/train/uplift.ts';

const argv = process.argv.slice(2);
const arg = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const from = path.resolve(arg('--from') ?? '/tmp/campaign-truth-4000-42');
const outcome = arg('--outcome') ?? 'ordered_30d';
const lake = `${from}-uplift-lake`;
const started = Date.now();
if (!fs.existsSync(lake)) fs.cpSync(path.join(from, 'lake'), lake, { recursive: true });
const campaigns = [...new Set((await readDecisions(lake)).rows.map((r) => r.campaign_id))].filter((c) => c.startsWith('WINBACK-')).sort();
const r = await trainUpliftFromLake({ lakeDir: lake, campaigns, outcome, groundTruth: path.join(from, 'landing', 'ground_truth', 'campaigns.jsonl') });
const m = r.card.metrics;
const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${(100 * v).toFixed(2)}%`);
const lines = [
  '# Uplift model vs the generator\'s ground truth',
  '',
  `\`npx tsx bench/uplift-truth.ts --from ${from} --outcome ${outcome}\` (${((Date.now() - started) / 1000).toFixed(0)} s, machine shared with other jobs). ` +
    `Lake of \`bench/campaign-truth.ts --customers 4000 --seed 42\`; \`train uplift\` on ${campaigns.length} win-back campaigns (${campaigns[0]} .. ${campaigns.at(-1)}), outcome ${outcome}, ` +
    `features: customer_tags the day before each send. Model ${r.version}.`,
  '',
  `Rows: ${JSON.stringify(r.card.rows)} (decisions whose ${outcome} window is complete; a customer is on one side of the split in every campaign).`,
  '',
  '## On the held-out 30% of customers (by hash)',
  '',
  '| figure | value |',
  '|---|---:|',
  `| TRUE lift, top 30% by predicted uplift | **${pct(m.true_lift_top30)}** |`,
  `| TRUE lift, average over all held-out decisions | **${pct(m.true_lift_average)}** |`,
  `| ratio top 30% / average | ${m.true_lift_top30_over_average?.toFixed(2)} |`,
  `| TRUE lift, top 10% / top 20% | ${pct(m.true_lift_top10)} / ${pct(m.true_lift_top20)} |`,
  `| measured uplift (treated - control ${outcome}), top 10% / 20% / 30% | ${pct(m.top10_lift)} / ${pct(m.top20_lift)} / ${pct(m.top30_lift)} |`,
  `| measured overall lift | ${pct(m.overall_lift)} |`,
  `| Qini coefficient / AUUC (normalised, scikit-uplift) | ${m.qini?.toFixed(4)} / ${m.auuc?.toFixed(4)} |`,
  `| trees (treated / control model) | ${m.trees_treated} / ${m.trees_control} |`,
  '',
  'TRUE lift is the generator\'s own P(order in the window | coupon) - P(order | no coupon) for each decision (src/generate/campaign-truth.ts); the model never sees it. ' +
    'The measured figures compare treated with control customers among the held-out ones: with a 10% holdout the control side of the top 30% is small, so they are noisy; the true lift is the sharper test.',
];
const md = lines.join('\n') + '\n';
fs.writeFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'uplift-truth-results.md'), md);
console.log(md);
