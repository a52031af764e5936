/**
 * `npx tsx bench/demo-before-after.ts [REF] [--after REF2] [--rounds N] [--customers N] [--days N]`: `npm start` (the
 * demo, `retail-lake demo --json`) of this tree (or of git REF2) beside the same command at git REF (default: main), in alternating rounds
 * on one machine, so both sides share whatever else the machine is doing. Each run is a child process on a fresh
 * lake; each side keeps its fastest round. Prints the seconds of both sides, their steps, the load averages, and
 * checks that both sides printed the same summary (reconciliation, events by type, coupons).
 *
 * REF's tree (src/, sql/, models/, bin/, ...) is extracted to a temporary directory (git archive) and run from there
 * with this checkout's node_modules, so both sides run the same dependencies on the same generated retailer.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { machine, note, round } from './lib.ts';

const argv = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const ref = argv.find((a, i) => !a.startsWith('--') && !(i > 0 && argv[i - 1]!.startsWith('--'))) ?? 'main';
const rounds = flag('--rounds', 2);
const afterAt = argv.indexOf('--after');
const afterRef = afterAt >= 0 ? argv[afterAt + 1] : undefined;
const sizeArgs = [
  ...(argv.includes('--customers') ? ['--customers', String(flag('--customers', 10_000))] : []),
  ...(argv.includes('--days') ? ['--days', String(flag('--days', 365))] : []),
];
const root = path.resolve(import.meta.dirname, '..');

/** What must not change between the sides: the figures of the demo's summary lines. */
function summaryLines(s: Record<string, unknown>): Record<string, unknown> {
  const ing = (s.ingest ?? {}) as Record<string, unknown>;
  const scores = s.scores as Record<string, unknown> | undefined;
  const models = s.models as Record<string, unknown> | undefined;
  return {
    reconciliation: [ing.received, ing.clean, ing.quarantined, ing.duplicates, ing.suppressed ?? 0],
    events: s.events,
    coupons: s.coupons,
    scores: scores && { customers: scores.customers, segments: scores.segments, eventsPublished: scores.eventsPublished },
    models: models && { segments: models.segments, churn: models.churn, clv: models.clv, forecast: models.forecast, recs: models.recs, sentiment: models.sentiment },
  };
}

interface Run {
  readonly seconds: number;
  readonly timings: Record<string, number>;
  readonly summary: Record<string, unknown>;
  readonly load: number;
}

function runDemo(cwd: string, label: string): Promise<Run> {
  const lake = fs.mkdtempSync(path.join(os.tmpdir(), `rl-demo-${label}-`));
  fs.rmSync(lake, { recursive: true });
  const load = round(os.loadavg()[0]!);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/retail-lake.ts', 'demo', '--json', '--lake', lake, ...sizeArgs], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, RETAIL_LAKE_DIR: lake },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => {
      const seconds = round((performance.now() - t0) / 1000, 1);
      fs.rmSync(lake, { recursive: true, force: true });
      if (code !== 0) return reject(new Error(`${label}: demo exited ${code}\n${err.slice(-4000)}`));
      const s = JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>;
      resolve({ seconds, timings: s.timings as Record<string, number>, summary: summaryLines(s), load });
    });
  });
}

/** Extracts a git ref's tree to a temporary directory beside this checkout's node_modules; returns its short sha. */
function extract(gitRef: string, dir: string): string {
  const sha = execFileSync('git', ['rev-parse', '--short', gitRef], { cwd: root, encoding: 'utf8' }).trim();
  const tar = execFileSync('git', ['archive', gitRef, 'bin', 'src', 'sql', 'models', 'examples', 'package.json', 'tsconfig.json'], { cwd: root, maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  return sha;
}

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-demo-before-'));
const afterDir = afterRef ? fs.mkdtempSync(path.join(os.tmpdir(), 'rl-demo-after-')) : root;
try {
  const sha = extract(ref, base);
  const afterSha = afterRef ? extract(afterRef, afterDir) : 'working tree';
  const m = machine();
  note(`before = ${ref} (${sha}), after = ${afterRef ?? 'this tree'} (${afterSha}); ${rounds} rounds; load ${os.loadavg().map((l) => round(l)).join(' ')} on ${m.cpus} cpus`);
  const runs: Record<'before' | 'after', Run[]> = { before: [], after: [] };
  for (let r = 0; r < rounds; r++) {
    for (const side of r % 2 ? (['after', 'before'] as const) : (['before', 'after'] as const)) {
      const run = await runDemo(side === 'before' ? base : afterDir, side);
      runs[side].push(run);
      note(`round ${r + 1} ${side}: ${run.seconds} s (load ${run.load}) ${JSON.stringify(run.timings)}`);
    }
  }
  const best = (side: 'before' | 'after') => runs[side].reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const same = runs.after.every((a) => JSON.stringify(a.summary) === JSON.stringify(runs.before[0]!.summary)) &&
    runs.before.every((b) => JSON.stringify(b.summary) === JSON.stringify(runs.before[0]!.summary));
  const result = {
    before: { ref, sha },
    after: { ref: afterRef ?? null, sha: afterSha },
    machine: { ...m, loadAverage: m.loadAverage, loadAverageAtEnd: round(os.loadavg()[0]!) },
    rounds,
    beforeSeconds: best('before').seconds,
    afterSeconds: best('after').seconds,
    ratio: round(best('after').seconds / best('before').seconds),
    beforeSteps: best('before').timings,
    afterSteps: best('after').timings,
    allRounds: { before: runs.before.map((r) => r.seconds), after: runs.after.map((r) => r.seconds) },
    sameSummary: same,
    ...(same ? {} : { summaries: { before: runs.before.map((r) => r.summary), after: runs.after.map((r) => r.summary) } }),
  };
  console.log(
    `demo: before ${result.beforeSeconds} s, after ${result.afterSeconds} s (after/before ${result.ratio}); same summary: ${same ? 'yes' : 'NO'}` +
      ` | load ${m.loadAverage} -> ${result.machine.loadAverageAtEnd}`,
  );
  console.log(JSON.stringify(result));
  if (!same) process.exitCode = 1;
} finally {
  fs.rmSync(base, { recursive: true, force: true });
  if (afterRef) fs.rmSync(afterDir, { recursive: true, force: true });
}
