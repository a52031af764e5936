import { configDefaults, defineConfig } from 'vitest/config';
import LongestFirstSequencer from './test/vitest/sequencer.ts';

/**
 * Pure, in-process unit tests (no emulator, no child process, no environment variable or global they change): they
 * share a worker process (isolate: false), so that zod, onnxruntime and the model code are imported once per worker
 * instead of once per file (test/models alone: 55 s of CPU isolated, 22 s shared). The CDK tests too: aws-cdk-lib and
 * the first synth of the app (its asset fingerprints, CDK's lazily loaded modules) cost each isolated file ~10 s of
 * CPU before its first test; each file still builds its own App, so no construct tree is shared. A file added under
 * these folders joins them; a test that changes process.env, globals or module state belongs elsewhere.
 */
const SHARED_WORKER = [
  'test/models/**/*.test.ts', 'test/onnx/**/*.test.ts', 'test/cleanse/**/*.test.ts', 'test/contract/**/*.test.ts', 'test/cost/**/*.test.ts', 'test/cdk/**/*.test.ts',
  // In-process DuckDB over lakes in their own temporary directories: DuckDB, the SQL views and the pipeline imported once.
  'test/campaigns/**/*.test.ts', 'test/consent/**/*.test.ts', 'test/generate/**/*.test.ts', 'test/identity/**/*.test.ts', 'test/insights/**/*.test.ts', 'test/profiles/**/*.test.ts', 'test/sql/**/*.test.ts'];

export default defineConfig({
  test: {
    // Two workers share two cores with their child processes: a test that takes 25 s alone can take 60 s here.
    testTimeout: 120_000,
    // Files that share the trained-lake fixture (test/train/fixture-lake.ts) wait in beforeAll while it is built
    // (about a minute on an idle two-core machine, several under load); those of the pre-scored lake, built after it by
    // the same process, about a minute more.
    hookTimeout: 300_000,
    pool: 'forks',
    // Two workers on two cores: many files spend most of their time waiting on child processes (moto_server, the
    // CLI under the crash harness, cfn-lint, Chromium), so vitest's default (cores - 1 = one worker) leaves a core idle.
    maxWorkers: 2,
    // Longest files first (test/vitest/durations.json), and the shared trained lake built in the background from the
    // start of a run that needs it: see test/vitest/sequencer.ts.
    sequence: { sequencer: LongestFirstSequencer },
    reporters: ['default', './test/vitest/durations-reporter.ts'],
    projects: [
      { extends: true, test: { name: 'isolated', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...SHARED_WORKER] } },
      { extends: true, test: { name: 'shared-worker', include: SHARED_WORKER, isolate: false } },
    ],
  },
});
