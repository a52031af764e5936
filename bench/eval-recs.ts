/**
 * Next-best products on a held-out month: the deployed blend beside most-popular, repeat-only (the customer's own
 * products by recency-weighted count) and item-to-item only (the recommender before the blend), hit rate, MAP and
 * recall @10. Exactly what the `train recs` card reports: purchases read from the lake as `train recs` reads them,
 * refit as of as-of - test days, scored on the purchases of the test days after it.
 *
 *   npx tsx bench/eval-recs.ts --online-retail ../shared/data/online-retail/online_retail_2010-12_2011-02.csv.gz [--json] [--out bench/recs-results.md]
 *   npx tsx bench/eval-recs.ts --lake ./lake --as-of 2025-12-31 [--test-days 30] [--json]
 *
 * `--online-retail` imports the UCI file into a temporary lake with `retail-lake import-orders` (GBP,
 * Europe/London), then evaluates as of 2011-02-28 (training up to 2011-01-29, test 2011-01-30 .. 2011-02-28) and,
 * with `--as-of`, at other dates. The file is read from the path given and never copied into the project.
 * CDNOW has no product ids (only a count of CDs per order), so it cannot be used here.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { evaluateHitRate, purchaseDay, REPEAT_ONLY, SIMILAR_ONLY, type RankingMetrics } from '../models/recs/index.ts';
import { readRecsPurchases } from '../src/train/lake-models.ts';

const ONLINE_RETAIL_MAP = 'order_id=InvoiceNo,sku=StockCode,description=Description,quantity=Quantity,ordered_at=InvoiceDate,unit_price=UnitPrice,customer_id=CustomerID,country=Country';
const ROOT = path.resolve(import.meta.dirname, '..');

interface Row {
  readonly asOf: string;
  readonly trainedUpTo: string;
  readonly customers: number;
  readonly purchases: number;
  readonly blend: RankingMetrics;
  readonly popular: RankingMetrics;
  readonly repeat: RankingMetrics;
  readonly similar: RankingMetrics;
  readonly seconds: number;
}

const isoDay = (day: number) => new Date(day * 86_400_000).toISOString().slice(0, 10);

async function evaluateLake(lakeDir: string, asOf: string, testDays: number): Promise<Row> {
  const purchases = await readRecsPurchases(lakeDir, asOf);
  const trainedUpTo = isoDay(purchaseDay(asOf) - testDays);
  const started = performance.now();
  const r = evaluateHitRate(purchases, { asOf: trainedUpTo, testDays, k: 10 });
  const seconds = (performance.now() - started) / 1000;
  // Same holdout, the lists of the item-to-item recommender alone (what next_best_products held before the blend).
  const similar = evaluateHitRate(purchases, { asOf: trainedUpTo, testDays, k: 10, weights: SIMILAR_ONLY }).model;
  const repeat = evaluateHitRate(purchases, { asOf: trainedUpTo, testDays, k: 10, weights: REPEAT_ONLY }).model;
  if (Math.abs(repeat.hitRate - r.repeat.hitRate) > 1e-12) throw new Error('repeat-only as a blend and as the baseline disagree');
  return { asOf, trainedUpTo, customers: r.customers, purchases: purchases.length, blend: r.model, popular: r.popularity, repeat: r.repeat, similar, seconds: Number(seconds.toFixed(2)) };
}

function importOnlineRetail(file: string): string {
  const lakeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-recs-bench-'));
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'bin', 'retail-lake.ts'), 'import-orders', file, '--currency', 'GBP', '--timezone', 'Europe/London', '--map', ONLINE_RETAIL_MAP, '--lake', lakeDir, '--json'],
    { encoding: 'utf8', cwd: ROOT },
  );
  if (run.status !== 0) throw new Error(`import-orders failed (${run.status}): ${run.stderr}`);
  process.stderr.write(`imported ${file}: ${run.stdout.trim().split('\n').at(-1)}\n`);
  return lakeDir;
}

const f3 = (x: number) => x.toFixed(3);

function table(name: string, rows: readonly Row[]): string {
  const lines = [`${name}`, '| as of (trained up to) | customers scored | recommender (blend) | most popular | repeat only | item-to-item only |', '|---|---|---|---|---|---|'];
  for (const r of rows) {
    const cell = (m: RankingMetrics) => `${f3(m.hitRate)} / ${f3(m.map)} / ${f3(m.recall)}`;
    lines.push(`| ${r.asOf} (${r.trainedUpTo}) | ${r.customers} | **${cell(r.blend)}** | ${cell(r.popular)} | ${cell(r.repeat)} | ${cell(r.similar)} |`);
  }
  lines.push('(each cell: hit rate / MAP / recall @10)');
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const json = args.includes('--json');
  const testDays = Number(value('--test-days') ?? 30);
  const onlineRetail = value('--online-retail');
  const lake = value('--lake');
  const asOfs = args.flatMap((a, i) => (args[i - 1] === '--as-of' ? [a] : []));
  if ((!onlineRetail && !lake) || (lake && asOfs.length === 0) || !(testDays > 0)) {
    process.stderr.write('usage: npx tsx bench/eval-recs.ts (--online-retail FILE.csv.gz | --lake DIR --as-of YYYY-MM-DD) [--as-of ...] [--test-days 30] [--json]\n');
    process.exit(2);
  }
  const lakeDir = onlineRetail ? importOnlineRetail(onlineRetail) : lake!;
  try {
    const rows: Row[] = [];
    for (const asOf of asOfs.length ? asOfs : ['2011-02-28']) rows.push(await evaluateLake(lakeDir, asOf, testDays));
    const text = table(onlineRetail ? `UCI Online Retail (${path.basename(onlineRetail)}), ${testDays} test days` : `lake ${lake}, ${testDays} test days`, rows);
    const out = value('--out');
    if (out) fs.writeFileSync(out, `# Recommendations on a held-out period (bench/eval-recs.ts)\n\n${text}`);
    if (json) process.stdout.write(JSON.stringify({ source: onlineRetail ?? lake, testDays, rows }) + '\n');
    else process.stdout.write(text);
  } finally {
    if (onlineRetail) fs.rmSync(lakeDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
