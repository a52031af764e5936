/**
 * Test-file order for `vitest run`, and the shared trained lake started before any file needs it.
 *
 * Order: longest first, so that the two workers finish together instead of one running a two-minute file alone at
 * the end; the short unit files that share a worker (isolate: false) after all others. Durations come from test/vitest/durations.json (rewrite it with `RETAIL_LAKE_TEST_DURATIONS=write npx
 * vitest run`, see durations-reporter.ts); a file missing there (a new one) takes its duration from vitest's local
 * results cache, and runs first when that has none either (as vitest's own sequencer does with unknown files), so a
 * new long file never ends up last. A clean CI clone has no results cache: the table is what orders it.
 *
 * The shared trained lake (test/train/fixture-lake.ts, a minute or more of CPU), and after it the pre-scored lake
 * (another minute): when any file of the run uses them, a background process starts building them now, beside the first files, instead of inside the first worker that
 * needs it while the other worker waits for it too. No such file is the first of a worker (unless the run holds
 * nothing else), so the builder and two workers keep both cores busy and nobody waits while the longest files run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { FIXTURE_MODULE, SCORED_USE, fixtureDir, lockOf, logOf, readyOf, scoredDir } from '../train/fixture-lake-paths.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
export const DURATIONS_FILE = path.join(import.meta.dirname, 'durations.json');
const BUILDER = path.join(ROOT, 'test/train/build-fixture-lake.ts');

/** Seconds per test file (repo-relative path with forward slashes). */
export function readDurations(): Record<string, number> {
  try {
    return JSON.parse(fs.readFileSync(DURATIONS_FILE, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

const rel = (file: string): string => path.relative(ROOT, file).split(path.sep).join('/');

/** Which shared lake a test file uses: the pre-scored one (which needs the trained one), the trained one, or none. */
function usesFixture(file: string): 'scored' | 'trained' | undefined {
  try {
    const text = fs.readFileSync(file, 'utf8');
    if (!text.includes(FIXTURE_MODULE)) return undefined;
    return SCORED_USE.test(text) ? 'scored' : 'trained';
  } catch {
    return undefined;
  }
}

let builder: ChildProcess | undefined;

/**
 * Starts building the shared trained lake for this run (the workers' parent is this process) unless it exists, then,
 * in the same background process and when a file of the run uses it, the pre-scored lake (the trained lake scored
 * twice, fixture-lake.ts scoredLake).
 */
export function startFixtureBuild(withScored = true): void {
  if (builder) return;
  const dir = fixtureDir(process.pid);
  const scored = scoredDir(process.pid);
  // Each lake is claimed on its own: one that exists, or that another process builds, is left to it.
  const claim = (d: string): boolean => {
    if (fs.existsSync(readyOf(d))) return false;
    try {
      fs.mkdirSync(lockOf(d));
      return true;
    } catch {
      return false; // already being built
    }
  };
  const claimed = (withScored ? [dir, scored] : [dir]).filter(claim);
  if (!claimed.length) return;
  const log = fs.openSync(logOf(dir), 'w');
  if (claimed.includes(scored)) fs.writeFileSync(logOf(scored), `built after the trained lake by the process whose output is ${logOf(dir)}\n`);
  builder = spawn(process.execPath, ['--import', 'tsx', BUILDER, ...claimed.map((d) => (d === dir ? `trained=${d}` : `scored=${d}`))], { cwd: ROOT, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const release = () => {
    // A builder killed by a signal cannot release its locks itself; the waiting tests then fail at once, naming the log.
    for (const d of claimed) if (!fs.existsSync(readyOf(d))) fs.rmSync(lockOf(d), { recursive: true, force: true });
  };
  builder.on('exit', release);
  builder.unref();
  process.once('exit', () => {
    // The run ended (or was stopped) before the lakes were ready: stop the builder and leave no lock behind.
    if (!builder || builder.exitCode !== null || builder.signalCode !== null) return;
    builder.kill('SIGKILL');
    for (const d of claimed) if (!fs.existsSync(readyOf(d))) for (const p of [lockOf(d), `${d}.building`]) fs.rmSync(p, { recursive: true, force: true });
  });
}

export default class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const table = readDurations();
    const cache = this.ctx.cache;
    const estimate = (spec: TestSpecification): number => {
      const known = table[rel(spec.moduleId)];
      if (known !== undefined) return known;
      const cached = cache.getFileTestResults(`${spec.project.name}:${rel(spec.moduleId)}`);
      return cached ? cached.duration / 1000 : Number.POSITIVE_INFINITY;
    };
    const byLength = [...files]
      .map((spec) => ({ spec, seconds: estimate(spec), fixture: usesFixture(spec.moduleId) }))
      .sort((a, b) => b.seconds - a.seconds || a.spec.moduleId.localeCompare(b.spec.moduleId));
    if (byLength.some((f) => f.fixture)) startFixtureBuild(byLength.some((f) => f.fixture === 'scored'));
    // The first file of each worker is one that does not need the shared lake (when the run has such files): the
    // builder and the two workers then keep both cores busy, and the first user of the lake starts a long file later.
    const workers = Math.max(1, Number(this.ctx.config.maxWorkers) || 1);
    // Files of a project with isolate: false (vitest.config.ts) go last and together: vitest hands a worker that
    // ran one the next only while the queue's next file is one of them too.
    const isolated = byLength.filter((f) => f.spec.project.config.isolate !== false);
    const shared = byLength.filter((f) => f.spec.project.config.isolate === false);
    const head = isolated.filter((f) => !f.fixture).slice(0, workers);
    return [...head, ...isolated.filter((f) => !head.includes(f)), ...shared].map((f) => f.spec);
  }
}
