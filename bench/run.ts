/**
 * `npm run bench [-- --json] [-- --quick]`: every performance figure of docs/performance.md, each beside its
 * baseline measured in the same run (ratios survive a busy machine; absolute figures do not). Writes
 * bench/results.json with the machine description; with --json the last line of stdout is the results as one JSON
 * object. --quick: smaller inputs, no 10M tag refresh, the demo at 2,000 customers, 100,000 customers in shards (2M without).
 *
 * The million-event soak through the emulators is its own script (`npx tsx bench/load.ts`, many minutes); its last
 * results (bench/load-results.json) are included here when present.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_ASSUMPTIONS } from '../src/cost/estimate.ts';
import { measureCleanse } from './cleanse.ts';
import { machine, note, round } from './lib.ts';
import { measurePredict } from './predict.ts';

const argv = process.argv.slice(2);
const json = argv.includes('--json');
const quick = argv.includes('--quick');
const root = path.resolve(import.meta.dirname, '..');

/** Runs a TypeScript script in a child process and returns its stdout's last line as JSON. */
function runChild(script: string, args: string[], env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) return reject(new Error(`${script} exited with code ${code}: ${last.slice(0, 300)}`));
      try {
        resolve(JSON.parse(last) as Record<string, unknown>);
      } catch (e) {
        reject(new Error(`${script} did not end with a JSON line: ${last.slice(0, 300)}`, { cause: e }));
      }
    });
  });
}

const started = Date.now();
const description = machine();
note(`machine: ${description.cpus} cpus (${description.cpuModel}), ${description.memoryGb} GB, node ${description.node}, load ${description.loadAverage}`);

// 1. Cleanser beside the JSON round trip.
const cleanse = await measureCleanse(quick ? { customers: 100, days: 365, rounds: 8 } : { customers: 300, days: 365, rounds: 12 });

// 2. Predictor beside bare onnxruntime.
const predict = await measurePredict(quick ? { batch: 5000, rounds: 5 } : { batch: 10_000, rounds: 10 });

// 3. Tag refresh beside a plain scan, each size in its own process (its own peak memory).
const tagRuns: Record<string, unknown>[] = [];
for (const lines of quick ? [200_000] : [1_000_000, 10_000_000]) {
  note(`tags: ${lines.toLocaleString('en')} order lines`);
  tagRuns.push(await runChild('bench/tags-child.ts', [String(lines)]));
}

// 4. `npm start` end to end (the demo), with each stage's peak memory.
const demoArgs = quick ? ['--customers', '2000'] : [];
const lakeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-bench-demo-'));
const stagesFile = path.join(lakeDir, '..', `${path.basename(lakeDir)}-stages.json`);
note(`demo: npm start ${demoArgs.join(' ') || '(default size)'}`);
const t0 = Date.now();
const demoSummary = await runChild('bench/demo-stages.ts', ['--lake', path.join(lakeDir, 'lake'), '--json', 'demo', ...demoArgs], { RETAIL_LAKE_BENCH_STAGES: stagesFile });
const demoWall = (Date.now() - t0) / 1000;
const stages = JSON.parse(fs.readFileSync(stagesFile, 'utf8')) as Record<string, { seconds: number; peakRssMb: number }>;
// 4b. The demo's churn AUC without and with the delivery tags as features (issue 18), on the demo's own lake.
note('delivery features: churn AUC without and with the delivery tags');
const deliveryFeatures = await runChild('bench/delivery-features.ts', [path.join(lakeDir, 'lake')]);
fs.rmSync(lakeDir, { recursive: true, force: true });
fs.rmSync(stagesFile, { force: true });
const generated = demoSummary.generated as { events?: number } | undefined;

// 5. Scoring in shards: synthetic customers scored on two days in 1 shard and in 4, side by side in one process (its
//    own, with room for 2M customers' rows): the same customer_scores and events, and the time per shard.
const shardCustomers = quick ? 100_000 : 2_000_000;
note(`score-shards: ${shardCustomers.toLocaleString('en')} synthetic customers, 1 vs 4 shards`);
const scoreShards = await runChild('bench/score-shards.ts', [String(shardCustomers)], { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=16384`.trim() });

// 6. Lambda-equivalent durations, as src/cost/estimate.ts computes them, with the measured cleanser rate.
const a = DEFAULT_ASSUMPTIONS;
const cpuShare = Math.min(1, a.lambdaMemoryMb / 1769);
const lambdaMs = (rate: number) => round(a.ioMsPerBatch + (a.batchSize / (rate * cpuShare)) * 1000, 1);

const largest = tagRuns.at(-1)!;
const results = {
  at: new Date().toISOString(),
  quick,
  machine: description,
  cleanse,
  predict,
  tags: {
    lines: largest.lines,
    seconds: largest.seconds,
    scanSeconds: largest.scanSeconds,
    ratio: largest.ratio,
    peakRssMb: largest.peakRssMb,
    fullScanSeconds: largest.fullScanSeconds,
    fullScanRatio: largest.fullScanRatio,
    fullScanPeakRssMb: largest.fullScanPeakRssMb,
    cpuSeconds: largest.cpuSeconds,
    fullScanCpuRatio: largest.fullScanCpuRatio,
    duckdbMemoryLimit: largest.duckdbMemoryLimit,
    runs: tagRuns,
  },
  demo: {
    seconds: demoSummary.seconds,
    wallSeconds: round(demoWall, 1),
    peakRssMb: demoSummary.peakRssMb,
    events: generated?.events,
    options: quick ? { customers: 2000 } : 'default',
    timings: demoSummary.timings,
    stages,
  },
  scoreShards,
  deliveryFeatures: {
    withoutDeliveryTags: deliveryFeatures.withoutDeliveryTags,
    withDeliveryTags: deliveryFeatures.withDeliveryTags,
    aucChange: deliveryFeatures.aucChange,
    groundTruthAucChange: deliveryFeatures.groundTruthAucChange,
    aucDoesNotDrop: deliveryFeatures.aucDoesNotDrop,
  },
  lambda: {
    memoryMb: a.lambdaMemoryMb,
    batchSize: a.batchSize,
    cleanserMsPer1000Records: round(1_000_000 / (cleanse.recordsPerSec * cpuShare), 1),
    batchPathMsPer1000Records: round(1_000_000 / (cleanse.batchPathRecordsPerSec * cpuShare), 1),
    msPerBatchMeasured: lambdaMs(cleanse.batchPathRecordsPerSec),
    costModel: { cleanserRecordsPerSecPerCore: a.cleanserRecordsPerSecPerCore, ioMsPerBatch: a.ioMsPerBatch, msPerBatch: lambdaMs(a.cleanserRecordsPerSecPerCore) },
  },
  load: fs.existsSync(path.join(import.meta.dirname, 'load-results.json')) ? JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'load-results.json'), 'utf8')) : null,
  targets: {
    cleanseRecordsPerSec: { target: 50_000, met: cleanse.recordsPerSec >= 50_000 },
    cleanseRatio: { target: 3, met: cleanse.ratio <= 3 },
    predictOverhead: { target: 1.5, met: predict.overhead <= 1.5 },
    tagsFullScanRatio: { target: 1.5, met: Number(largest.fullScanRatio) <= 1.5 },
    tagsPeakRssMb: { target: 4096, met: Number(largest.peakRssMb) <= 4096 },
    scoreShardsSame: { target: 'same scores and events in 4 shards as in 1', met: scoreShards.sameScores === true && scoreShards.sameEvents === true },
    deliveryTagsAucDoesNotDrop: { target: 0, met: deliveryFeatures.aucDoesNotDrop === true },
  },
  seconds: Math.round((Date.now() - started) / 1000),
};
fs.writeFileSync(path.join(import.meta.dirname, 'results.json'), JSON.stringify(results, null, 2) + '\n');

const out = process.stdout;
const line = (label: string, value: string) => out.write(`${label.padEnd(44)} ${value}\n`);
const n = (v: unknown) => (typeof v === 'number' ? v.toLocaleString('en') : String(v));
out.write(`\nretail-lake bench${quick ? ' (quick)' : ''} — ${description.cpus} cpus, ${description.memoryGb} GB, node ${description.node}, load ${description.loadAverage}\n\n`);
line('cleanser records/s (1 core)', `${n(cleanse.recordsPerSec)}  (target >= 50,000: ${results.targets.cleanseRecordsPerSec.met ? 'met' : 'MISSED'})`);
line('JSON parse+stringify round trip records/s', n(cleanse.jsonRoundTripPerSec));
line('cleanser / round trip time', `${cleanse.ratio}x  (target <= 3x: ${results.targets.cleanseRatio.met ? 'met' : 'MISSED'})`);
line('cleanser batch path records/s', `${n(cleanse.batchPathRecordsPerSec)}  (dedup + grouping + in-memory sink)`);
line('predictor customers/s (Predictor.score)', n(predict.rowsPerSec));
line('ModelSession.run customers/s', n(predict.sessionRowsPerSec));
line('bare onnxruntime customers/s (one thread)', `${n(predict.bareOrtRowsPerSec)}; default threads ${n(predict.bareOrtThreadsRowsPerSec)} (one thread ${predict.oneThreadRatio}x the time)`);
line('predictor overhead over bare onnxruntime', `${predict.overhead}x  (target <= 1.5x: ${results.targets.predictOverhead.met ? 'met' : 'MISSED'}); ModelSession ${predict.sessionOverhead}x`);
for (const t of tagRuns) {
  line(`tag refresh, ${n(t.lines)} lines`, `${t.seconds} s vs plain scan ${t.scanSeconds} s = ${t.ratio}x, peak ${t.peakRssMb} MB`);
  line(`  vs every-column scan`, `${t.fullScanSeconds} s (peak ${t.fullScanPeakRssMb} MB) = ${t.fullScanRatio}x, CPU ${t.fullScanCpuRatio}x  (target <= 1.5x, peak <= 4,096 MB)`);
}
line(`npm start (${quick ? '2,000 customers' : 'default size'}), ${n(generated?.events)} events`, `${demoSummary.seconds} s, peak ${demoSummary.peakRssMb} MB`);
for (const [stage, s] of Object.entries(stages)) line(`  stage ${stage}`, `${s.seconds} s, peak ${s.peakRssMb} MB`);
line(`scoring ${n(scoreShards.customers)} customers in 4 shards vs 1`, `scores ${scoreShards.sameScores ? 'same' : 'DIFFERENT'}, ${n(scoreShards.events)} events ${scoreShards.sameEvents ? 'same' : 'DIFFERENT'}; ${scoreShards.oneShardSeconds} s vs ${scoreShards.shardedSeconds} s (shards ${(scoreShards.shardSeconds as number[]).join(' / ')} s), peak ${n(scoreShards.peakRssMb)} MB`);
line('  customers per shard-second (slowest shard)', `${n(scoreShards.customersPerShardSecond)}; ${n(scoreShards.customersPer15MinWithHeadroom)} per 15-minute invocation with a third kept free`);
{
  const auc = (r: unknown) => String((r as { auc?: unknown } | undefined)?.auc ?? '–');
  line('demo churn AUC without / with delivery tags', `${auc(deliveryFeatures.withoutDeliveryTags)} / ${auc(deliveryFeatures.withDeliveryTags)}  (must not drop: ${results.targets.deliveryTagsAucDoesNotDrop.met ? 'met' : 'MISSED'})`);
}
line('Lambda cleanser ms / 1,000 records', `${results.lambda.cleanserMsPer1000Records} at ${a.lambdaMemoryMb} MB (cost model assumes ${round(1_000_000 / (a.cleanserRecordsPerSecPerCore * cpuShare), 1)})`);
line(`Lambda ms per batch of ${a.batchSize}`, `${results.lambda.msPerBatchMeasured} measured vs ${results.lambda.costModel.msPerBatch} in the cost model`);
if (results.load) line('load (bench/load.ts, last run)', `${n(results.load.records)} records at ${n(results.load.recordsPerSec)}/s, peak ${results.load.peakRssMb} MB`);
out.write(`\nresults: bench/results.json (${results.seconds} s)\n`);
if (json) {
  const { runs: _runs, ...tags } = results.tags;
  out.write(JSON.stringify({ ...results, tags }) + '\n');
}
