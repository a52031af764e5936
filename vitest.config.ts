import { defineConfig } from 'vitest/config';
import LongestFirstSequencer from './test/vitest/sequencer.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Two workers share two cores with their child processes: a test that takes 25 s alone can take 60 s here.
    testTimeout: 120_000,
    // Files that share the trained-lake fixture (test/train/fixture-lake.ts) wait in beforeAll while it is built
    // (about a minute on an idle two-core machine, several under load).
    hookTimeout: 300_000,
    pool: 'forks',
    // Two workers on two cores: many files spend most of their time waiting on child processes (moto_server, the
    // CLI under the crash harness, cfn-lint, Chromium), so vitest's default (cores - 1 = one worker) leaves a core idle.
    maxWorkers: 2,
    // Longest files first (test/vitest/durations.json), and the shared trained lake built in the background from the
    // start of a run that needs it: see test/vitest/sequencer.ts.
    sequence: { sequencer: LongestFirstSequencer },
    reporters: ['default', './test/vitest/durations-reporter.ts'],
  },
});
