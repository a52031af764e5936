/**
 * `npx tsx bench/uplift-hillstrom.ts [--file F] [--lake DIR]`: the uplift model on the shared half of the Hillstrom
 * e-mail test (../shared/data/campaigns/hillstrom_email_a.csv.gz, 32,000 customers, three randomised arms).
 * import-campaign with the customers' columns as features (unless --lake names a lake that already has the import),
 * then `train uplift` for each e-mail arm against No E-Mail, on visit and on spend: each card's figures are measured
 * on the 30% of customers held out by hash. Writes bench/uplift-hillstrom-results.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importCampaign, parseCampaignMap } from '../src/campaigns/import.ts';
import { trainUpliftFromLake } from '../src/train/uplift.ts';

const argv = process.argv.slice(2);
const arg = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const file = arg('--file') ?? '/work/shared/data/campaigns/hillstrom_email_a.csv.gz';
const started = Date.now();
let lake = arg('--lake');
if (!lake) {
  lake = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-uplift-hillstrom-'));
  await importCampaign(file, {
    lakeDir: lake,
    campaignId: 'hillstrom-a',
    map: parseCampaignMap('customer_id=customer_id,arm=segment,segment=history_segment,visit=visit,conversion=conversion,spend=spend'),
    control: 'No E-Mail',
    features: ['recency', 'history', 'mens', 'womens', 'zip_code', 'newbie', 'channel'],
  });
}
const runs: { arm: string; outcome: string }[] = [
  { arm: 'Mens E-Mail', outcome: 'visit' },
  { arm: 'Womens E-Mail', outcome: 'visit' },
  { arm: 'Mens E-Mail', outcome: 'spend' },
  { arm: 'Womens E-Mail', outcome: 'spend' },
];
const fmt = (outcome: string, v: number | null | undefined) => (v === null || v === undefined ? '—' : outcome === 'spend' ? `$${v.toFixed(3)}` : `${(100 * v).toFixed(2)}%`);
const lines = [
  '# Uplift model on the Hillstrom e-mail test (shared half)',
  '',
  '',
  'T-learner on the gradient-boosted trees (models/uplift), one model per e-mail arm against No E-Mail, features recency, history, mens, womens, zip_code, newbie, channel (import-campaign --features). ' +
    'Every figure is on the 30% of customers held out by hash (never seen in training). Qini / AUUC: scikit-uplift\'s normalised qini_auc_score / uplift_auc_score (1 perfect, 0 random). ' +
    'topK lift: treated minus control among the K% with the highest predicted uplift; overall: the same over all held-out customers (random targeting).',
  '',
  '| arm | outcome | model | held-out (treated / control) | Qini | AUUC | top 10% | top 20% | top 30% | overall | top 30% / overall |',
  '|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|',
];
for (const r of runs) {
  const t = await trainUpliftFromLake({ lakeDir: lake, campaigns: ['hillstrom-a'], outcome: r.outcome, treatedArms: [r.arm], groundTruth: false });
  const m = t.card.metrics;
  lines.push(`| ${r.arm} | ${r.outcome} | ${t.version} | ${t.card.rows.evaluation} (${t.card.rows.evaluation_treated} / ${t.card.rows.evaluation_control}) | ${m.qini!.toFixed(4)} | ${m.auuc!.toFixed(4)} | ${fmt(r.outcome, m.top10_lift)} | ${fmt(r.outcome, m.top20_lift)} | ${fmt(r.outcome, m.top30_lift)} | ${fmt(r.outcome, m.overall_lift)} | ${(m.top30_lift! / m.overall_lift!).toFixed(2)} |`);
  console.log(lines.at(-1));
}
lines[2] = `\`npx tsx bench/uplift-hillstrom.ts\` (${((Date.now() - started) / 1000).toFixed(0)} s, machine shared with other jobs): import-campaign of ${path.basename(file)}, then \`train uplift --campaign hillstrom-a --outcome O --treated-arm A\` four times.`;
fs.writeFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'uplift-hillstrom-results.md'), lines.join('\n') + '\n');
console.log(lines.join('\n'));
