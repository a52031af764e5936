/**
 * `npx tsx bench/campaign-truth.ts [--customers N] [--seed S] [--out DIR]`: campaign measurement against the
 * generator's ground truth. Generates a retailer (the win-back campaign holds out 10% by hash, and
 * ground_truth/campaigns.jsonl holds every decision's P(order in 14 / 30 days) with and without the coupon),
 * ingests its events, imports each monthly win-back export (campaigns/WINBACK-YYYYMM.csv) with import-campaign, measures
 * with `campaigns` (src/campaigns/command.ts), and counts the cells (campaign x segment, and campaign overall; outcome
 * ordered_14d and ordered_30d) whose 95% interval contains the true lift (mean of p1 - p0 over the cell's decisions).
 * Writes bench/campaign-truth-results.md. `--reuse` measures the lake of an earlier run again (after a tags refresh).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateRetailer } from '../src/generate/index.ts';
import { ingestJsonl } from '../src/ingest/local-pipeline.ts';
import { refreshTags } from '../src/tags/refresh.ts';
import { importCampaign, parseCampaignMap } from '../src/campaigns/import.ts';
import { readDecisions } from '../src/campaigns/command.ts';
import { measureCampaigns, type ArmResult } from '../src/campaigns/measure.ts';

const argv = process.argv.slice(2);
const arg = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const customers = Number(arg('--customers') ?? 4000);
const seed = Number(arg('--seed') ?? 42);
const out = path.resolve(arg('--out') ?? `/tmp/campaign-truth-${customers}-${seed}`);
const started = Date.now();
const reuse = argv.includes('--reuse');
const landing = path.join(out, 'landing');
const lake = path.join(out, 'lake');
const map = parseCampaignMap('customer_id=customer_id,arm=arm,assigned_at=assigned_at,segment=segment,coupon_code=coupon_code');
let ingest = { clean: NaN };
let imported = 0;
if (!reuse) {
  fs.rmSync(out, { recursive: true, force: true });
  await generateRetailer({ outDir: landing, customers, seed });
  const events = fs.readdirSync(path.join(landing, 'events')).filter((f) => f.endsWith('.jsonl')).sort().map((f) => path.join(landing, 'events', f));
  ingest = await ingestJsonl(events, { lakeDir: lake });
}
const files = fs.readdirSync(path.join(landing, 'campaigns')).sort();
// Imported customer ids are member ids: they reach the orders through identity_map, which the tags step builds.
await refreshTags({ lakeDir: lake });
for (const f of files) imported += (await importCampaign(path.join(landing, 'campaigns', f), { lakeDir: lake, campaignId: f.replace(/\.csv$/, ''), map, control: 'control' })).clean;
const { rows } = await readDecisions(lake);
const measured = measureCampaigns(rows, { minArm: 0 });

interface Truth { campaign_id: string; segment: string; arm: string; assigned_at: string; [k: string]: unknown }
const truth = fs.readFileSync(path.join(landing, 'ground_truth', 'campaigns.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Truth);
const lastDay = Date.parse('2025-12-31T16:00:00Z'); // end of the default window (local midnight of 2026-01-01)

const lines: string[] = [];
const cells: { campaign: string; segment: string; outcome: string; n_t: number; n_c: number; truth: number; lift: number; low: number; high: number; covered: boolean }[] = [];
for (const m of measured) {
  const groups: [string, ArmResult[]][] = [['(all)', m.arms], ...m.segments.map((s) => [s.segment, s.arms] as [string, ArmResult[]])];
  for (const [segment, arms] of groups) {
    const t = arms.find((a) => !a.is_control);
    const c = arms.find((a) => a.is_control);
    if (!t || !c) continue;
    for (const W of [14, 30]) {
      const name = `ordered_${W}d`;
      const r = t.outcomes[name];
      if (!r || r.lift === null || r.ci_low === null || r.ci_high === null) continue;
      const cellTruth = truth.filter((d) => d.campaign_id === m.campaign_id && (segment === '(all)' || d.segment === segment) && Date.parse(d.assigned_at) + W * 86_400_000 <= lastDay);
      if (!cellTruth.length) continue;
      const tl = cellTruth.reduce((s, d) => s + Number(d[`true_lift_ordered_${W}d`]), 0) / cellTruth.length;
      cells.push({ campaign: m.campaign_id, segment, outcome: name, n_t: r.n, n_c: c.outcomes[name]?.n ?? 0, truth: tl, lift: r.lift, low: r.ci_low, high: r.ci_high, covered: r.ci_low <= tl && tl <= r.ci_high });
    }
  }
}
const share = (xs: typeof cells) => (xs.length ? xs.filter((x) => x.covered).length / xs.length : NaN);
const big = cells.filter((c) => c.n_c >= 20);
const decisions = truth.length;
const controls = truth.filter((d) => d.arm === 'control').length;
const f = (v: number) => (100 * v).toFixed(1);
lines.push('# Campaign measurement vs the generator\'s ground truth', '');
lines.push(`\`npx tsx bench/campaign-truth.ts --customers ${customers} --seed ${seed}\` (${((Date.now() - started) / 1000).toFixed(0)} s). Generated: ${decisions} win-back decisions in ${files.length} monthly campaigns, ${controls} held out (${f(controls / decisions)}% vs 10% configured); ingested ${ingest.clean} clean events${reuse ? ' (earlier run)' : ''}; imported ${imported} assignments${reuse ? ' (new; the rest were imported by the earlier run)' : ''}.`, '');
lines.push(`Cells (campaign x member tier at the send, plus each campaign overall; outcomes ordered_14d and ordered_30d; windows complete; both arms with at least 2 customers): **${cells.length}**, true lift inside the 95% interval in **${f(share(cells))}%**. Cells with at least 20 controls: ${big.length}, covered ${f(share(big))}%.`, '');
lines.push('True lift of a cell: the mean over its decisions of P(order | coupon) - P(order | no coupon), computed by the generator from the person\'s own rate, channel mix, calendar, churn hazard and other coupons (src/generate/campaign-truth.ts). Interval: Newcombe hybrid score (src/campaigns/stats.ts).', '');
lines.push('| campaign | segment | outcome | treated | control | true lift | measured lift | 95% interval | covered |', '|---|---|---|---:|---:|---:|---:|---|---|');
for (const c of cells) lines.push(`| ${c.campaign} | ${c.segment} | ${c.outcome} | ${c.n_t} | ${c.n_c} | ${f(c.truth)}% | ${f(c.lift)}% | [${f(c.low)}%, ${f(c.high)}%] | ${c.covered ? 'yes' : '**no**'} |`);
const md = lines.join('\n') + '\n';
fs.writeFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'campaign-truth-results.md'), md);
console.log(lines.slice(0, 6).join('\n'));
