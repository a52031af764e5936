/**
 * A small synthetic lake with trained models, built once per test run and shared by the train, score, events and
 * coupon tests: 400 generated customers over 365 days (app browsing events left out: they feed no customer model
 * and are most of the ingest time), ingested, tagged and trained with `train all` as of the last day.
 * Tests that write to the lake work on their own copy (`copyOfTrainedLake`).
 *
 * Beside it, the same lake scored (`scoredLake`, `copyOfScoredLake`): `retail-lake score` as of 2025-10-02, then as of
 * 2025-12-31 (SCORED in fixture-lake-paths.ts), with the summaries each scoring returned. A scoring costs ~30 s of
 * CPU; the score, events, consent and scheduled-scoring tests read these two instead of each scoring the lake again.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateRetailer } from '../../src/generate/index.ts';
import { ingestJsonl } from '../../src/ingest/local-pipeline.ts';
import { loadBatchTable } from '../../src/ingest/batch-tables.ts';
import { trainModels } from '../../src/train/train.ts';
import { parseEventRules, type EventRules } from '../../src/events/index.ts';
import { scoreLake, type ScoreSummary } from '../../src/score/index.ts';
import { FIXTURE, SCORED, fixtureDir, lockOf, logOf, readyOf, scoredDir } from './fixture-lake-paths.ts';

export { FIXTURE, SCORED };
const FIXED_NOW = () => new Date('2026-01-01T06:00:00Z');

export async function buildTrained(dir: string): Promise<void> {
  const landing = path.join(dir, 'landing', 'fixture');
  await generateRetailer({ outDir: landing, customers: FIXTURE.customers, days: FIXTURE.days, seed: FIXTURE.seed, dirtyRate: 0.01 });
  const eventsDir = path.join(landing, 'events');
  const files: string[] = [];
  for (const f of fs.readdirSync(eventsDir).sort()) {
    const p = path.join(eventsDir, f);
    const kept = fs.readFileSync(p, 'utf8').split('\n').filter((l) => l.trim() && !l.includes('"app.behaviour"'));
    fs.writeFileSync(p, kept.join('\n') + '\n');
    files.push(p);
  }
  for (const t of ['products', 'stores'] as const) await loadBatchTable(t, path.join(landing, 'batch', `${t}.csv`), { lakeDir: dir });
  await ingestJsonl(files, { lakeDir: dir });
  await trainModels({ lakeDir: dir, model: 'all', asOf: FIXTURE.asOf, horizonDays: FIXTURE.horizonDays, now: FIXED_NOW });
}

function removeStale(): void {
  const hourAgo = Date.now() - 3_600_000;
  for (const e of fs.readdirSync(os.tmpdir())) {
    if (!e.startsWith('retail-lake-models-fixture-')) continue;
    const p = path.join(os.tmpdir(), e);
    try {
      if (fs.statSync(p).mtimeMs < hourAgo) fs.rmSync(p, { recursive: true, force: true });
    } catch {
      // another run may be removing it
    }
  }
}

/** The event rules of the pre-scored lake's scorings (a test comparing with its events evaluates these). */
export const scoredRules = (extra: Record<string, unknown> = {}): EventRules => parseEventRules({ ...SCORED.rules, ...extra });

/** The clock the pre-scored lake's scorings read; `scoredClock(n)` goes on after n reads (2 per scoring). */
export function scoredClock(reads = 0): () => Date {
  let clock = Date.parse(SCORED.clockStart) + reads * 60_000;
  return () => new Date((clock += 60_000));
}

/** The pre-scored lake's scorings' summaries, by as-of date, in the order they ran. */
export const SCORINGS_FILE = '.scorings.json';

export async function buildScored(dir: string): Promise<void> {
  fs.cpSync(await trainedLake(), dir, { recursive: true });
  fs.rmSync(readyOf(dir), { force: true });
  const rules = scoredRules();
  const now = scoredClock();
  const summaries: Record<string, ScoreSummary> = {};
  for (const asOf of SCORED.dates) summaries[asOf] = await scoreLake({ lakeDir: dir, asOf, rules, now });
  fs.writeFileSync(path.join(dir, SCORINGS_FILE), JSON.stringify(summaries));
}

/** Builds a lake into `dir` for a caller that holds `lockOf(dir)`; releases the lock whatever happens. */
export async function buildHoldingLock(dir: string, builder: (dir: string) => Promise<void>): Promise<void> {
  try {
    removeStale();
    const tmp = `${dir}.building`;
    fs.rmSync(tmp, { recursive: true, force: true });
    await builder(tmp);
    fs.writeFileSync(path.join(tmp, '.ready'), '');
    fs.renameSync(tmp, dir);
  } finally {
    fs.rmSync(lockOf(dir), { recursive: true, force: true });
  }
}

/**
 * The shared trained lake (read-only for tests). In a whole run the sequencer (test/vitest/sequencer.ts) has started
 * building it in the background before the first test file starts, and callers wait for it; a file run on its own
 * under another runner builds it here, the first caller building and the others waiting.
 */
export function trainedLake(): Promise<string> {
  return sharedLake(fixtureDir(), buildTrained, 'trained');
}

/**
 * The shared pre-scored lake (read-only for tests): built by the same background process right after the trained
 * lake in a whole run, else here as trainedLake is.
 */
export function scoredLake(): Promise<string> {
  return sharedLake(scoredDir(), buildScored, 'pre-scored');
}

/** What each scoring of the pre-scored lake returned, by as-of date (SCORED.dates). */
export async function scoredSummaries(): Promise<Record<string, ScoreSummary>> {
  return JSON.parse(fs.readFileSync(path.join(await scoredLake(), SCORINGS_FILE), 'utf8')) as Record<string, ScoreSummary>;
}

async function sharedLake(dir: string, builder: (dir: string) => Promise<void>, what: string): Promise<string> {
  if (fs.existsSync(readyOf(dir))) return dir;
  const lock = lockOf(dir);
  let owner = false;
  try {
    fs.mkdirSync(lock);
    owner = true;
  } catch {
    // someone else is building it
  }
  if (owner) {
    await buildHoldingLock(dir, builder);
    return dir;
  }
  // Just under the hookTimeout (vitest.config.ts), so that a build too slow for it fails with this message.
  const deadline = Date.now() + 290_000;
  while (!fs.existsSync(readyOf(dir))) {
    if (!fs.existsSync(lock) && !fs.existsSync(readyOf(dir))) {
      const log = fs.existsSync(logOf(dir)) ? `; its output: ${logOf(dir)}` : '';
      throw new Error(`the shared ${what} test lake build failed in another process (${dir})${log}`);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the shared ${what} test lake at ${dir}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return dir;
}

function copyOf(src: string): string {
  const dst = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-models-'));
  fs.cpSync(src, dst, { recursive: true });
  return dst;
}

/** A private, writable copy of the shared trained lake. */
export async function copyOfTrainedLake(): Promise<string> {
  return copyOf(await trainedLake());
}

/** A private, writable copy of the shared pre-scored lake. */
export async function copyOfScoredLake(): Promise<string> {
  return copyOf(await scoredLake());
}

export const fixedNow = FIXED_NOW;
