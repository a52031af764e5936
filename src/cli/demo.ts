/**
 * `retail-lake demo` (= `npm start`): the whole pipeline on a generated retailer, as a list of steps. Each stage of
 * the product adds its step to DEMO_STEPS; the runner shows progress and ends with one summary table.
 */
import fs from 'node:fs';
import path from 'node:path';
import { generateRetailer } from '../generate/index.ts';
import { ingestJsonl } from '../ingest/local-pipeline.ts';
import { monthFileArrival } from '../ingest/kinesis-feed.ts';
import { loadBatchTable } from '../ingest/batch-tables.ts';
import { openLakeCatalog } from '../lake/local-catalog.ts';
import { zoneCounts } from '../lake/zone-counts.ts';
import { demoTagsNote, printDemoTags, runDemoTags, type DemoTagsFigures } from '../tags/demo.ts';
import { BATCH_TABLES, type BatchTable } from '../contract/index.ts';
import { CliError, Progress, table, type GlobalOptions } from './output.ts';
import { MODEL_DEMO_STEPS, printModelSummary } from '../score/demo-steps.ts';
import { REPORT_DEMO_STEP, reportLine } from '../report/demo-step.ts';
import { STREAM_RULES_DEMO_STEP } from '../realtime/demo-step.ts';

export interface DemoOptions extends GlobalOptions {
  readonly customers: number;
  readonly days: number;
  readonly seed: number;
  readonly dirtyRate: number;
}

export interface DemoContext {
  readonly opts: DemoOptions;
  readonly lakeDir: string;
  /** Generated landing files (events JSONL, batch CSVs, ground truth). */
  readonly landingDir: string;
  /** Figures each step reports, shown in the final summary and printed with --json. */
  readonly summary: Record<string, unknown>;
  readonly progress: (label: string) => Progress;
}

export interface DemoStep {
  readonly name: string;
  readonly run: (ctx: DemoContext) => Promise<void>;
}

export const DEMO_STEPS: DemoStep[] = [
  {
    name: 'generate',
    run: async (ctx) => {
      const p = ctx.progress('generate synthetic retailer');
      const s = await generateRetailer({
        outDir: ctx.landingDir,
        customers: ctx.opts.customers,
        days: ctx.opts.days,
        seed: ctx.opts.seed,
        dirtyRate: ctx.opts.dirtyRate,
        onProgress: (d, t) => p.update(d, t),
      });
      p.done(`${s.events.toLocaleString('en')} events`);
      ctx.summary.generated = { events: s.events, customers: s.customers, dirty: s.dirty };
    },
  },
  {
    name: 'load batch tables',
    run: async (ctx) => {
      const p = ctx.progress('load ERP batch tables');
      const loaded: Record<string, unknown> = {};
      for (const t of Object.keys(BATCH_TABLES) as BatchTable[]) {
        const file = path.join(ctx.landingDir, 'batch', `${t}.csv`);
        if (fs.existsSync(file)) loaded[t] = await loadBatchTable(t, file, { lakeDir: ctx.lakeDir });
      }
      p.done();
      ctx.summary.batchTables = loaded;
    },
  },
  {
    name: 'ingest',
    run: async (ctx) => {
      const dir = path.join(ctx.landingDir, 'events');
      const files = fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort().map((f) => path.join(dir, f));
      const total = (ctx.summary.generated as { events?: number } | undefined)?.events;
      const p = ctx.progress('cleanse events (Kinesis batches of 500)');
      // The generated history arrived month by month: the cleanser checks each record against its month, not today,
      // so the demo's quarantine does not depend on the day it runs (an epoch-ms time from 1970 reads as epoch
      // seconds of a later year, which a month's end rejects as future and today might not).
      const arrivalOf = (f: string) => monthFileArrival(f) ?? Date.now();
      const counts = await ingestJsonl(files, { lakeDir: ctx.lakeDir, onProgress: (n) => p.update(n, total), arrivalOf });
      const secs = p.done(`${counts.clean.toLocaleString('en')} clean, ${counts.quarantined.toLocaleString('en')} quarantined, ${counts.duplicates.toLocaleString('en')} duplicates`);
      ctx.summary.ingest = { ...counts, recordsPerSec: Math.round(counts.received / secs) };
    },
  },
  {
    name: 'tags',
    run: async (ctx) => {
      const p = ctx.progress('identity graph + customer tags');
      const figures = await runDemoTags(ctx.lakeDir, ctx.landingDir);
      p.done(demoTagsNote(figures));
      ctx.summary.tags = figures;
    },
  },
  {
    name: 'views',
    run: async (ctx) => {
      const p = ctx.progress('register views (DuckDB)');
      const cat = await openLakeCatalog(ctx.lakeDir);
      try {
        ctx.summary.zones = await zoneCounts(cat.conn, ctx.lakeDir);
        ctx.summary.views = cat.views.length;
      } finally {
        cat.close();
      }
      p.done();
    },
  },
];

// Models: train -> score -> events -> coupons, right after the tags (at the end while there is no tags step).
DEMO_STEPS.splice((DEMO_STEPS.findIndex((s) => s.name === 'tags') + 1 || DEMO_STEPS.length), 0, ...MODEL_DEMO_STEPS);
// The stream rules go by the scores (VipArrived), and their events feed the coupons step.
DEMO_STEPS.splice((DEMO_STEPS.findIndex((s) => s.name === 'score') + 1 || DEMO_STEPS.length), 0, STREAM_RULES_DEMO_STEP);
// The report reads every table the steps above wrote, so it stays the last step.
DEMO_STEPS.push(REPORT_DEMO_STEP);

/** Written by the demo into a lake it creates; the demo clears a folder only when it finds this file. */
export const DEMO_MARKER = '.retail-lake-demo';

/**
 * Starts the demo's lake afresh. The demo deletes a folder only if it created it (the marker file is there): a
 * user's own lake, or any other folder that is not empty, is refused with a message and left untouched.
 */
export function resetLake(lakeDir: string): void {
  const marker = path.join(lakeDir, DEMO_MARKER);
  if (fs.existsSync(lakeDir) && fs.readdirSync(lakeDir).length > 0) {
    if (!fs.existsSync(marker)) {
      throw new CliError(
        `${lakeDir} is not empty and was not created by the demo (no ${DEMO_MARKER} file in it); the demo only replaces a lake it created itself. ` +
          'Give it a new or empty folder with --lake (or RETAIL_LAKE_DIR), or remove this one yourself if it is disposable.',
      );
    }
    fs.rmSync(lakeDir, { recursive: true, force: true });
  }
  fs.mkdirSync(lakeDir, { recursive: true });
  fs.writeFileSync(marker, `${JSON.stringify({ created_by: 'retail-lake demo', created_at: new Date().toISOString() })}\n`);
}

export async function runDemo(opts: DemoOptions): Promise<Record<string, unknown>> {
  const started = Date.now();
  const lakeDir = path.resolve(opts.lake);
  resetLake(lakeDir);
  const ctx: DemoContext = {
    opts,
    lakeDir,
    landingDir: path.join(lakeDir, 'landing', 'demo'),
    summary: {},
    progress: (label) => new Progress(label, !opts.json),
  };
  const timings: Record<string, number> = {};
  for (const step of DEMO_STEPS) {
    const t0 = Date.now();
    await step.run(ctx);
    timings[step.name] = Math.round((Date.now() - t0) / 100) / 10;
  }
  ctx.summary.timings = timings;
  ctx.summary.seconds = Math.round((Date.now() - started) / 100) / 10;
  ctx.summary.peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  ctx.summary.lake = lakeDir;
  return ctx.summary;
}

export function printDemoSummary(s: Record<string, unknown>): void {
  const z = s.zones as { raw: number; curated_events: number; curated_order_lines: number; quarantine_events: number; bySource: Record<string, number> };
  const ing = s.ingest as { received: number; clean: number; quarantined: number; duplicates: number; suppressed?: number; resent?: number; byReason: Record<string, number> };
  const suppressed = ing.suppressed ?? 0;
  const out = process.stdout;
  out.write('\nRecords per zone\n');
  out.write(
    table([
      { zone: 'raw', table: 'raw/stream (received bytes)', records: z.raw },
      { zone: 'curated', table: 'curated_events', records: z.curated_events },
      { zone: 'curated', table: 'curated_order_lines', records: z.curated_order_lines },
      { zone: 'quarantine', table: 'quarantine_events', records: z.quarantine_events },
    ]) + '\n',
  );
  // Re-sent events reach the curated files (per-batch dedup) and are counted where curated data is read: duplicates
  // include them, clean leaves them out (docs/ingest.md, "Per-batch dedup").
  const resent = ing.resent === undefined ? '' : ` (${ing.resent} of them re-sent, counted in the curated files)`;
  out.write(`\nReconciliation: received ${ing.received} = clean ${ing.clean} + quarantined ${ing.quarantined} + duplicates ${ing.duplicates}${resent} + suppressed ${suppressed}` +
    ` ${ing.received === ing.clean + ing.quarantined + ing.duplicates + suppressed ? '✓' : '✗ MISMATCH'}\n`);
  out.write('\nQuarantine by reason\n' + table(Object.entries(ing.byReason).sort((a, b) => b[1] - a[1]).map(([reason, n]) => ({ reason, records: n }))) + '\n');
  out.write('\nClean events by source\n' + table(Object.entries(z.bySource).map(([source, n]) => ({ source, events: n }))) + '\n');
  if (s.tags) printDemoTags(s.tags as DemoTagsFigures);
  printModelSummary(s);
  out.write('\nSteps\n' + table(Object.entries(s.timings as Record<string, number>).map(([step, sec]) => ({ step, seconds: sec }))) + '\n');
  out.write(`\nDone in ${s.seconds} s (peak RSS ${s.peakRssMb} MB). Lake: ${s.lake}\n`);
  out.write(`Try: npm run retail-lake -- query "select source, count(*) from curated_events group by 1"\n`);
  out.write(reportLine(s));
}
