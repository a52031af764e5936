/**
 * `npx tsx bench/crash.ts [--points N] [--only ingest,tags,...]`: the crash harness at full size. Every local writer
 * runs as a child process, is SIGKILLed at N points (default 20) spread over its run — inside each COPY, between
 * tables, at each step of the commit — and rerun; the lake must equal an uninterrupted run's, every view must answer
 * and the printed counts must be true. Writes the table to bench/crash-results.md (rows appended as commands finish).
 * The small version runs in `npm test` (test/integration/crash-harness.test.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildCli, crashCommand, crashTable, everyViewAnswers, mustRun, tempDir, type CrashCase, type CrashRow } from '../test/integration/harness/crash.ts';

const argv = process.argv.slice(2);
const flag = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const POINTS = Number(flag('--points') ?? 20);
const ONLY = flag('--only')?.split(',');
const root = path.resolve(import.meta.dirname, '..');
const OUT = path.join(root, 'bench', 'crash-results.md');
const FIXTURES = path.join(root, 'test', 'fixtures');

buildCli();
const work = tempDir('crash-bench');
const land = path.join(work, 'land');
await mustRun(['generate', '--out', land, '--customers', '120', '--days', '60', '--seed', '7']);
const events = fs.readdirSync(path.join(land, 'events')).map((f) => path.join(land, 'events', f));
const series = path.join(work, 'series.csv');
fs.writeFileSync(series, ['series_id,date,value', ...Array.from({ length: 300 }, (_, i) => `s${i % 5},2025-${String(1 + Math.floor(i / 25) % 12).padStart(2, '0')}-${String(1 + (i % 25)).padStart(2, '0')},${(i * 7) % 41}`)].join('\n') + '\n');

// Base lakes, each the one before plus a step; built only when a chosen command needs it.
const wanted = (name: string) => !ONLY || ONLY.includes(name);
const empty = path.join(work, 'base-empty');
fs.mkdirSync(empty);
const products = path.join(work, 'base-products');
await mustRun(['load-table', 'products', path.join(land, 'batch', 'products.csv'), '--lake', products]);
const ingested = path.join(work, 'base-ingested');
const tagged = path.join(work, 'base-tagged');
const trained = path.join(work, 'base-trained');
if (['replay', 'tags', 'train', 'score', 'erase'].some(wanted)) {
  fs.cpSync(products, ingested, { recursive: true });
  await mustRun(['load-table', 'stock_snapshots', path.join(land, 'batch', 'stock_snapshots.csv'), '--lake', ingested]);
  await mustRun(['ingest', ...events, '--lake', ingested]);
}
if (['train', 'score', 'erase'].some(wanted)) {
  fs.cpSync(ingested, tagged, { recursive: true });
  await mustRun(['tags', '--lake', tagged]);
}
if (wanted('score')) {
  fs.cpSync(tagged, trained, { recursive: true });
  await mustRun(['train', 'all', '--lake', trained]);
}

const cases: Array<[CrashCase, string]> = [
  [{ name: 'load-table', args: ['load-table', 'products', path.join(land, 'batch', 'products.csv')], counts: 'replace' }, products],
  [{ name: 'ingest', args: ['ingest', ...events, '--batch-size', '100'], counts: 'dedup' }, products],
  [
    {
      name: 'import-orders',
      args: ['import-orders', path.join(FIXTURES, 'cdnow', 'CDNOW_master_head300.txt'), '--map', 'customer_id=customer_id,ordered_at=date,quantity=number_of_cds,amount=dollar_value', '--delimiter', 'whitespace', '--date-format', 'YYYYMMDD', '--currency', 'USD', '--timezone', 'America/New_York'],
      counts: 'dedup',
    },
    empty,
  ],
  [{ name: 'import-reviews', args: ['import-reviews', path.join(FIXTURES, 'reviews', 'amazon_cells_labelled.txt'), '--map', 'text=1,label=2', '--delimiter', 'tab', '--no-header'], counts: 'dedup' }, empty],
  [{ name: 'import-series', args: ['import-series', series, '--map', 'series_id=series_id,date=date,value=value'], counts: 'dedup' }, empty],
  [{ name: 'replay', args: ['replay', '--from', 'quarantine'] }, ingested],
  [{ name: 'tags', args: ['tags'] }, ingested],
  [{ name: 'train', args: ['train', 'all'] }, tagged],
  [{ name: 'score (+ events, coupons)', args: ['score'] }, trained],
  [{ name: 'erase', args: ['erase', '--member-id', (JSON.parse(fs.readFileSync(path.join(land, 'ground_truth', 'persons.jsonl'), 'utf8').split('\n')[0]!) as { identities: { member_id: string } }).identities.member_id] }, tagged],
];

const rows: CrashRow[] = [];
const write = () =>
  fs.writeFileSync(
    OUT,
    `# Crash harness (bench/crash.ts, ${POINTS} kill points per command)\n\n${crashTable(rows)}\n\n` +
      rows.map((r) => `- ${r.command}: killed at ${r.points.join(', ')}${r.failures.length ? `\n  - FAILURES: ${r.failures.join('\n  - ')}` : ''}`).join('\n') +
      '\n',
  );
for (const [c, base] of cases) {
  if (ONLY && !ONLY.includes(c.name.split(' ')[0]!)) continue;
  const t0 = Date.now();
  const row = await crashCommand(c, base, work, POINTS, everyViewAnswers);
  rows.push(row);
  write();
  process.stdout.write(`${c.name}: ${row.lakesEqual}/${row.killPoints} lakes equal, ${row.reruns} reruns (${Math.round((Date.now() - t0) / 1000)} s)\n`);
}
process.stdout.write(`\n${crashTable(rows)}\n`);
fs.rmSync(work, { recursive: true, force: true });
if (rows.some((r) => r.failures.length)) process.exitCode = 1;
