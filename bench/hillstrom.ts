/**
 * `npx tsx bench/hillstrom.ts [--file F]`: import-campaign and campaigns on the shared half of the Hillstrom e-mail
 * test (../shared/data/campaigns/hillstrom_email_a.csv.gz; 32,000 customers, three randomised arms), compared with
 * the published facts on the full 64,000. Writes bench/hillstrom-results.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importCampaign, parseCampaignMap } from '../src/campaigns/import.ts';
import { measureLake } from '../src/campaigns/command.ts';

const argv = process.argv.slice(2);
const file = argv.includes('--file') ? argv[argv.indexOf('--file') + 1]! : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/data/campaigns/hillstrom_email_a.csv.gz');
const fallback = '/work/shared/data/campaigns/hillstrom_email_a.csv.gz';
const input = fs.existsSync(file) ? file : fallback;
const lake = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-hillstrom-'));
const started = Date.now();
const counts = await importCampaign(input, {
  lakeDir: lake,
  campaignId: 'hillstrom-a',
  map: parseCampaignMap('customer_id=customer_id,arm=segment,segment=history_segment,visit=visit,conversion=conversion,spend=spend'),
  control: 'No E-Mail',
  features: ['recency', 'history', 'mens', 'womens', 'zip_code', 'newbie', 'channel'],
});
const [m] = await measureLake(lake, 'hillstrom-a');
fs.rmSync(lake, { recursive: true, force: true });
// Published on the full 64,000 (../shared/data/README.md): rates per arm.
const facts: Record<string, Record<string, number>> = {
  'Mens E-Mail': { visit: 0.1828, conversion: 0.0125, spend: 1.42 },
  'Womens E-Mail': { visit: 0.1514, conversion: 0.0088, spend: 1.08 },
  'No E-Mail': { visit: 0.1062, conversion: 0.0057, spend: 0.65 },
};
const fmt = (name: string, v: number | null) => (v === null ? '' : name === 'spend' ? `$${v.toFixed(2)}` : `${(100 * v).toFixed(2)}%`);
const lines = [
  '# Hillstrom e-mail test (shared half): lift per arm',
  '',
  `\`npx tsx bench/hillstrom.ts\` (${((Date.now() - started) / 1000).toFixed(0)} s): \`import-campaign\` of ${counts.received} rows (${counts.clean} clean, ${counts.quarantined} quarantined, ${counts.duplicates} duplicates), then \`campaigns --campaign hillstrom-a\`.`,
  '',
  'Lift = arm minus control (No E-Mail); 95% interval: Newcombe hybrid score for visit and conversion, Welch for spend.',
  'Published facts are rates on the full 64,000 customers (this file is every even row); published lift = published arm rate minus published control rate.',
  '',
  '| arm | n | outcome | rate | published rate | lift | 95% interval | published lift | published lift inside |',
  '|---|---:|---|---:|---:|---:|---|---:|---|',
];
for (const a of m!.arms) {
  for (const name of ['visit', 'conversion', 'spend']) {
    const r = a.outcomes[name]!;
    const pub = facts[a.arm]![name]!;
    const pubLift = a.is_control ? null : pub - facts['No E-Mail']![name]!;
    const inside = pubLift === null ? '' : r.ci_low! <= pubLift && pubLift <= r.ci_high! ? 'yes' : '**no**';
    lines.push(`| ${a.arm} | ${a.n} | ${name} | ${fmt(name, r.rate)} | ${fmt(name, pub)} | ${fmt(name, r.lift)} | ${r.ci_low === null ? '' : `[${fmt(name, r.ci_low)}, ${fmt(name, r.ci_high)}]`} | ${fmt(name, pubLift)} | ${inside} |`);
  }
}
lines.push('', `Sample-ratio check: ${JSON.stringify(m!.srm!.observed)}, chi-square ${m!.srm!.chi2.toFixed(2)} (df ${m!.srm!.df}), p = ${m!.srm!.p_value.toFixed(3)}: ${m!.srm!.mismatch ? 'MISMATCH' : 'consistent with equal thirds'}.`);
lines.push('', `Incremental spend (two weeks): ${m!.money.map((x) => `${x.arm} $${x.incremental_revenue.toFixed(0)} [${x.incremental_revenue_ci[0].toFixed(0)}, ${x.incremental_revenue_ci[1].toFixed(0)}]`).join('; ')}. No coupon, so no cost or ROI.`);
lines.push('', `Warnings: ${m!.warnings.length ? m!.warnings.join('; ') : 'none'}.`);
fs.writeFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'hillstrom-results.md'), lines.join('\n') + '\n');
console.log(lines.join('\n'));
