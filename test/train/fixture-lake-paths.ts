/**
 * Where the shared trained-lake fixture (fixture-lake.ts) lives for one test run, and how a build is claimed: kept
 * free of the pipeline's imports so that the vitest main process (test/vitest/sequencer.ts) can start the build
 * before the workers need it.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

export const FIXTURE = { customers: 400, days: 365, seed: 42, asOf: '2025-12-31', horizonDays: 90 } as const;
const FIXTURE_VERSION = 2; // 2: the generator's consent files (events/consent-*.jsonl) are ingested too

/**
 * RETAIL_LAKE_FIXTURE_RUN=<name> keys the shared lakes by that name instead of the run: a lake built once beforehand
 * (`RETAIL_LAKE_FIXTURE_RUN=x node --import tsx test/train/build-fixture-lake.ts trained=<dir> scored=<dir>`) then
 * serves several single-file runs on a loaded machine, where a build can outlast a waiting test's deadline.
 */
const NAMED_RUN = process.env.RETAIL_LAKE_FIXTURE_RUN || undefined;

/**
 * One build per test run. `run` is the pid of the vitest main process: the parent of every test worker (the default)
 * and of the background builder the sequencer starts.
 */
export function fixtureDir(run: number = process.ppid): string {
  const key = createHash('sha256').update(JSON.stringify({ FIXTURE, FIXTURE_VERSION, run: NAMED_RUN ?? run })).digest('hex').slice(0, 12);
  return path.join(os.tmpdir(), `retail-lake-models-fixture-${key}`);
}

/**
 * The pre-scored lake (fixture-lake.ts scoredLake): the trained lake scored as of each of `dates` in turn, with the
 * event rules of `rules` (parsed by parseEventRules), each scoring reading a clock that starts at `clockStart` and
 * steps a minute per read (a scoring reads it twice: scored_at, then the events' Time; scoring n publishes at 06:0(2n)).
 * The HighValueCustomerAtRisk bar is lower than the default 0.4: at 0.4 the fixture's customers give no such event
 * on these dates, and the consent and coupon checks need customers that rule picks out.
 */
export const SCORED = {
  dates: ['2025-10-02', '2025-12-31'],
  rules: { highValueAtRisk: { churnProbabilityThreshold: 0.2 } },
  clockStart: '2026-01-01T06:00:00Z',
} as const;
const SCORED_VERSION = 1;

/** Where the pre-scored lake of this run lives (beside the trained lake, same run key). */
export function scoredDir(run: number = process.ppid): string {
  const key = createHash('sha256').update(JSON.stringify({ FIXTURE, FIXTURE_VERSION, SCORED, SCORED_VERSION, run: NAMED_RUN ?? run })).digest('hex').slice(0, 12);
  return path.join(os.tmpdir(), `retail-lake-models-fixture-scored-${key}`);
}

/** Held (a directory, created atomically) by whoever is building `dir`; gone once the build ended either way. */
export const lockOf = (dir: string): string => `${dir}.lock`;
/** The background builder's output, named in the error a waiting test throws when that build failed. */
export const logOf = (dir: string): string => `${dir}.log`;
export const readyOf = (dir: string): string => path.join(dir, '.ready');

/** Files that use the fixture name its module: how the sequencer knows whether a run needs it. */
export const FIXTURE_MODULE = 'fixture-lake.ts';
/** ...and those that use the pre-scored lake name one of its functions (only then is it built in the background). */
export const SCORED_USE = /\b(scoredLake|copyOfScoredLake|scoredSummaries)\b/;
