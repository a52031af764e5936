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
const replayBase = path.join(work, 'base-replay');
const tagged = path.join(work, 'base-tagged');
const trained = path.join(work, 'base-trained');
if (['tags', 'train', 'score'].some(wanted)) {
  fs.cpSync(products, ingested, { recursive: true });
  await mustRun(['load-table', 'stock_snapshots', path.join(land, 'batch', 'stock_snapshots.csv'), '--lake', ingested]);
  await mustRun(['ingest', ...events, '--lake', ingested]);
}
if (wanted('replay')) {
  // Ingested while the catalogue lacked a third of the products (their lines quarantined as reference.unknown_sku),
  // then the whole catalogue loaded: a replay makes those records clean, the rest stay quarantined.
  const csv = fs.readFileSync(path.join(land, 'batch', 'products.csv'), 'utf8').trim().split('\n');
  const partial = path.join(work, 'products-partial.csv');
  fs.writeFileSync(partial, csv.filter((_, i) => i === 0 || i % 3 !== 0).join('\n') + '\n');
  fs.mkdirSync(replayBase);
  await mustRun(['load-table', 'products', partial, '--lake', replayBase]);
  await mustRun(['ingest', ...events, '--lake', replayBase]);
  await mustRun(['load-table', 'products', path.join(land, 'batch', 'products.csv'), '--lake', replayBase]);
}
if (['train', 'score'].some(wanted)) {
  fs.cpSync(ingested, tagged, { recursive: true });
  await mustRun(['tags', '--lake', tagged]);
}
if (wanted('score')) {
  fs.cpSync(tagged, trained, { recursive: true });
  await mustRun(['train', 'all', '--lake', trained]);
}

/** Committed before the kill: the rerun's scores are the same; its events were published and its coupons issued. */
function scoreAfterCommit(printed: unknown): unknown {
  const j = printed as { events: { published: number; alreadyPublished: number }; coupons: { issued: number; duplicates: number } };
  return {
    ...j,
    events: { published: 0, alreadyPublished: j.events.published + j.events.alreadyPublished, byType: {} },
    coupons: { ...j.coupons, issued: 0, duplicates: j.coupons.issued + j.coupons.duplicates, value: 0 },
  };
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
  // Committed before the kill: the rerun replays only what is still quarantined, and none of it passes.
  [{ name: 'replay', args: ['replay', '--from', 'quarantine'], afterCommit: (j) => ({ ...(j as object), received: (j as { quarantined: number }).quarantined, clean: 0, duplicates: 0 }) }, replayBase],
  [{ name: 'tags', args: ['tags'] }, ingested],
  [{ name: 'train', args: ['train', 'all'] }, tagged],
  [{ name: 'score (+ events, coupons)', args: ['score'], afterCommit: scoreAfterCommit }, trained],
];

const rows: CrashRow[] = [];
/** Rows of commands not run this time, kept from the results file (so --only updates its rows in place). */
function keptBlocks(): Map<string, { row: string; detail: string }> {
  const out = new Map<string, { row: string; detail: string }>();
  if (!fs.existsSync(OUT)) return out;
  const text = fs.readFileSync(OUT, 'utf8');
  for (const line of text.split('\n')) {
    const m = /^\| ([^|]+?) \| \d+ \|/.exec(line);
    if (m && m[1] !== 'command') out.set(m[1]!, { row: line, detail: '' });
  }
  for (const block of text.split(/\n(?=- )/)) {
    const m = /^- ([^:]+): killed at/.exec(block);
    if (m && out.has(m[1]!)) out.get(m[1]!)!.detail = block.trimEnd();
  }
  return out;
}
const detail = (r: CrashRow) => `- ${r.command}: killed at ${r.points.join(', ')}${r.failures.length ? `\n  - FAILURES: ${r.failures.join('\n  - ')}` : ''}`;
const write = () => {
  const kept = keptBlocks();
  const table = crashTable(rows).split('\n');
  const order = cases.map(([c]) => c.name);
  const lines: Array<[string, string, string]> = [];
  for (const name of order) {
    const r = rows.find((x) => x.command === name);
    if (r) lines.push([name, table[2 + rows.indexOf(r)]!, detail(r)]);
    else if (kept.has(name)) lines.push([name, kept.get(name)!.row, kept.get(name)!.detail]);
  }
  fs.writeFileSync(
    OUT,
    `# Crash harness (bench/crash.ts, ${POINTS} kill points per command)\n\n${table.slice(0, 2).join('\n')}\n${lines.map((l) => l[1]).join('\n')}\n\n${lines.map((l) => l[2]).join('\n')}\n`,
  );
};
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
