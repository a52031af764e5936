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
import { decide, GATE_METRICS, isGated, type GateSection } from '../src/train/gate.ts';

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

// Inputs with a few bad rows, so each import writes its table and quarantine_events in one commit (two COPYs, the
// moment between them), and bases that already hold a load of the table, so a full replace also deletes files.
const productsCsv = fs.readFileSync(path.join(land, 'batch', 'products.csv'), 'utf8').trim().split('\n');
const productsBad = path.join(work, 'products-bad-rows.csv');
fs.writeFileSync(productsBad, [...productsCsv, 'SKU-BAD1,Broken price,Beauty,Fragrance,Aura,not-a-price,CNY,true', ',No sku,Beauty,Fragrance,Aura,10.00,CNY,true', 'SKU-BAD3,Bad active,Beauty,Fragrance,Aura,10.00,CNY,maybe'].join('\n') + '\n');
const productsSome = path.join(work, 'products-some.csv');
fs.writeFileSync(productsSome, productsCsv.filter((_, i) => i === 0 || i % 4 === 1).join('\n') + '\n');
fs.appendFileSync(series, 's9,2025-01-01,not-a-number\n,2025-01-02,3\ns9,2025-13-40,4\n');
const reviews = path.join(work, 'reviews.txt');
fs.writeFileSync(reviews, fs.readFileSync(path.join(FIXTURES, 'reviews', 'amazon_cells_labelled.txt'), 'utf8').trimEnd() + '\nno label here\t7\n\t1\n');
const reviewsBefore = path.join(work, 'reviews-before.txt');
fs.writeFileSync(reviewsBefore, 'An earlier import, kept and replaced by the next.\t1\nAnother one, terrible.\t0\n');
const seriesBefore = path.join(work, 'series-before.csv');
fs.writeFileSync(seriesBefore, 'series_id,date,value\ns0,2024-12-30,1\ns0,2024-12-31,2\n');
const reviewsMap = ['--map', 'text=1,label=2', '--delimiter', 'tab', '--no-header'];
const seriesMap = ['--map', 'series_id=series_id,date=date,value=value'];

// Base lakes, each the one before plus a step; built only when a chosen command needs it.
const wanted = (name: string) => !ONLY || ONLY.includes(name);
const empty = path.join(work, 'base-empty');
fs.mkdirSync(empty);
const products = path.join(work, 'base-products');
await mustRun(['load-table', 'products', path.join(land, 'batch', 'products.csv'), '--lake', products]);
const productsTwice = path.join(work, 'base-products-twice');
const reviewed = path.join(work, 'base-reviewed');
const seriesed = path.join(work, 'base-series');
if (wanted('load-table')) {
  fs.cpSync(products, productsTwice, { recursive: true });
  await mustRun(['load-table', 'products', productsSome, '--mode', 'incremental', '--lake', productsTwice]);
}
if (wanted('import-reviews')) await mustRun(['import-reviews', reviewsBefore, ...reviewsMap, '--lake', reviewed]);
if (wanted('import-series')) await mustRun(['import-series', seriesBefore, ...seriesMap, '--lake', seriesed]);
const ingested = path.join(work, 'base-ingested');
const replayBase = path.join(work, 'base-replay');
const tagged = path.join(work, 'base-tagged');
const trained = path.join(work, 'base-trained');
if (['tags', 'train', 'score', 'erase', 'train-gate'].some(wanted)) {
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
if (['train', 'score', 'erase', 'train-gate'].some(wanted)) {
  fs.cpSync(ingested, tagged, { recursive: true });
  await mustRun(['tags', '--lake', tagged]);
}
if (['score', 'erase', 'train-gate'].some(wanted)) {
  fs.cpSync(tagged, trained, { recursive: true });
  await mustRun(['train', 'all', '--lake', trained]);
  // Scored once as of three weeks earlier: the scoring under fire compares with it and publishes events on the
  // changes (the first scoring of a lake has nothing to compare with), and the coupon issuer acts on them.
  const newest = fs.readdirSync(path.join(trained, 'curated', 'customer_tags')).map((d) => d.replace('dt=', '')).sort().at(-1)!;
  const earlier = new Date(Date.parse(`${newest}T00:00:00Z`) - 21 * 86_400_000).toISOString().slice(0, 10);
  await mustRun(['score', '--as-of', earlier, '--lake', trained]);
}

// tags --restate: the events of the fifth-last day held back and ingested after four dated snapshots were written
// (a late batch), so the restate recomputes the snapshots as of that day and later in one commit.
const restateBase = path.join(work, 'base-restate');
if (wanted('tags-restate')) {
  const lines = events.flatMap((f) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean));
  const dayOf = (l: string) => {
    try {
      return String((JSON.parse(l) as { occurred_at?: unknown }).occurred_at ?? '').slice(0, 10);
    } catch {
      return '';
    }
  };
  const newest = lines.map(dayOf).filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)).sort().at(-1)!;
  const shift = (n: number) => new Date(Date.parse(`${newest}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
  const late = shift(-5);
  const onTime = path.join(work, 'events-on-time.jsonl');
  const lateFile = path.join(work, 'events-late.jsonl');
  fs.writeFileSync(onTime, lines.filter((l) => dayOf(l) !== late).join('\n') + '\n');
  fs.writeFileSync(lateFile, lines.filter((l) => dayOf(l) === late).join('\n') + '\n');
  fs.cpSync(products, restateBase, { recursive: true });
  await mustRun(['ingest', onTime, '--lake', restateBase]);
  for (const d of [shift(-6), late, shift(-3), newest]) await mustRun(['tags', '--as-of', d, '--lake', restateBase]);
  await mustRun(['ingest', lateFile, '--lake', restateBase]);
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

/**
 * Committed before the kill: `latest` already names the first run's candidate wherever it was promoted. The rerun is
 * a new gate run against that new incumbent: it trains the same candidate (same data, same version) and compares it
 * with itself, so the candidate is promoted again as not worse (same metrics, the incumbent now a gated model that
 * never saw the backtest customers; segments' agreement with it 1) and `latest` does not move. A rejected candidate
 * meets the same incumbent again: the same decision. The lake (every version's files, `latest`, the cards as the
 * first run stored them) must equal the uninterrupted run's: the snapshot's models/<name> rows check that.
 */
function gateAfterCommit(printed: unknown): unknown {
  const cards = printed as Array<{ name: string; version: string; as_of: string; gate?: GateSection }>;
  return cards.map((card) => {
    const g = card.gate;
    if (!g || g.decision !== 'promoted' || !isGated(card.name)) return card;
    const m = g.candidate.metrics;
    const again = decide(GATE_METRICS[card.name], m, m, g.tolerance, { noSkill: g.no_skill, incumbentFair: true });
    const incumbent = { version: card.version, as_of: card.as_of, trained_on_backtest_customers: false, metrics: m };
    return { ...card, gate: { ...g, decision: again.decision, reason: again.reason, checks: again.checks, incumbent, ...('agreement_ari' in g ? { agreement_ari: 1 } : {}) } };
  });
}

/** Counts of a rerun after a committed import of reviews or series: nothing clean, bad rows counted again. */
function reimported(printed: unknown): unknown {
  const j = printed as { received: number; quarantined: number };
  return { received: j.received, clean: 0, quarantined: j.quarantined, duplicates: j.received - j.quarantined };
}

/** A file of the first eight ground-truth members (one id per line), for a batch erasure. */
function eraseList(): string {
  const file = path.join(work, 'erase-members.txt');
  const ids = fs
    .readFileSync(path.join(land, 'ground_truth', 'persons.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { identities: { member_id?: string } }).identities.member_id)
    .filter((id): id is string => Boolean(id))
    .slice(0, 8);
  fs.writeFileSync(file, ids.join('\n') + '\n');
  return file;
}

const cases: Array<[CrashCase, string]> = [
  [{ name: 'load-table', args: ['load-table', 'products', productsBad], counts: 'replace' }, productsTwice],
  [{ name: 'ingest', args: ['ingest', ...events, '--batch-size', '100'], counts: 'dedup' }, products],
  [
    {
      name: 'import-orders',
      args: ['import-orders', path.join(FIXTURES, 'cdnow', 'CDNOW_master_head300.txt'), '--map', 'customer_id=customer_id,ordered_at=date,quantity=number_of_cds,amount=dollar_value', '--delimiter', 'whitespace', '--date-format', 'YYYYMMDD', '--currency', 'USD', '--timezone', 'America/New_York'],
      counts: 'dedup',
    },
    empty,
  ],
  // Reviews and series count a re-imported bad row as quarantined again (stored once: docs/models.md, "Imported
  // reviews and series"), so after a committed kill the rerun prints the same quarantined count, the rest duplicates.
  [{ name: 'import-reviews', args: ['import-reviews', reviews, ...reviewsMap], counts: 'dedup', afterCommit: reimported }, reviewed],
  [{ name: 'import-series', args: ['import-series', series, ...seriesMap], counts: 'dedup', afterCommit: reimported }, seriesed],
  // Committed before the kill: the rerun replays only what is still quarantined, and none of it passes.
  [{ name: 'replay', args: ['replay', '--from', 'quarantine'], afterCommit: (j) => ({ ...(j as object), received: (j as { quarantined: number }).quarantined, clean: 0, duplicates: 0 }) }, replayBase],
  [{ name: 'tags', args: ['tags'] }, ingested],
  [{ name: 'tags-restate', args: ['tags', '--restate'] }, restateBase],
  [{ name: 'train', args: ['train', 'all'] }, tagged],
  // Candidates against the latest versions `train all` left: promoted or kept by the backtest, in train's one commit.
  // Killed after the commit, the rerun gates against the promoted candidates: another decision printed, the same lake.
  [{ name: 'train-gate', args: ['train', 'all', '--gate'], afterCommit: gateAfterCommit }, trained],
  [
    {
      name: 'import-campaign',
      args: ['import-campaign', path.join(FIXTURES, 'campaigns', 'hillstrom_sample.csv'), '--campaign-id', 'HILLSTROM', '--map', 'customer_id=customer_id,arm=segment,visit=visit,conversion=conversion,spend=spend', '--control', 'No E-Mail', '--features', 'recency,history,mens,womens,newbie,channel'],
      counts: 'dedup',
    },
    empty,
  ],
  [{ name: 'score (+ events, coupons)', args: ['score'], afterCommit: scoreAfterCommit }, trained],
  // Eight members of a trained and scored lake in one request: every zone and table holds rows of theirs (raw and
  // landing JSONL, curated, identity, tags, scores, events, coupons), so the kill points fall inside many rewrites.
  [{ name: 'erase', args: ['erase', '--from', eraseList()] }, trained],
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
const detail = (r: CrashRow) => `- ${r.command}: killed at ${r.points.join(', ')}${r.of !== undefined ? ` (in progress: ${r.killPoints} of ${r.of} chosen points tried)` : ''}${r.failures.length ? `\n  - FAILURES: ${r.failures.join('\n  - ')}` : ''}`;
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
    `# Crash harness (bench/crash.ts: up to \`--points\` kill points per command, its labelled points when it has fewer; the table says how many)\n\n${table.slice(0, 2).join('\n')}\n${lines.map((l) => l[1]).join('\n')}\n\n${lines.map((l) => l[2]).join('\n')}\n`,
  );
};
for (const [c, base] of cases) {
  if (ONLY && !ONLY.includes(c.name.split(' ')[0]!)) continue;
  const t0 = Date.now();
  const put = (row: CrashRow) => {
    const i = rows.findIndex((r) => r.command === row.command);
    if (i >= 0) rows[i] = row;
    else rows.push(row);
    write();
  };
  const row = await crashCommand(c, base, work, POINTS, everyViewAnswers, put);
  put(row);
  process.stdout.write(`${c.name}: ${row.lakesEqual}/${row.killPoints} lakes equal, ${row.reruns} reruns (${Math.round((Date.now() - t0) / 1000)} s)\n`);
}
process.stdout.write(`\n${crashTable(rows)}\n`);
fs.rmSync(work, { recursive: true, force: true });
if (rows.some((r) => r.failures.length)) process.exitCode = 1;
