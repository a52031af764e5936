/**
 * A small synthetic lake with trained models, built once per test run and shared by the train, score, events and
 * coupon tests: 400 generated customers over 365 days (app browsing events left out: they feed no customer model
 * and are most of the ingest time), ingested, tagged and trained with `train all` as of the last day.
 * Tests that write to the lake work on their own copy (`copyOfTrainedLake`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateRetailer } from '../../src/generate/index.ts';
import { ingestJsonl } from '../../src/ingest/local-pipeline.ts';
import { loadBatchTable } from '../../src/ingest/batch-tables.ts';
import { trainModels } from '../../src/train/train.ts';
import { FIXTURE, fixtureDir, lockOf, logOf, readyOf } from './fixture-lake-paths.ts';

export { FIXTURE };
const FIXED_NOW = () => new Date('2026-01-01T06:00:00Z');

async function build(dir: string): Promise<void> {
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

/** Builds the lake into `dir` for a caller that holds `lockOf(dir)`; releases the lock whatever happens. */
export async function buildHoldingLock(dir: string): Promise<void> {
  try {
    removeStale();
    const tmp = `${dir}.building`;
    fs.rmSync(tmp, { recursive: true, force: true });
    await build(tmp);
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
export async function trainedLake(): Promise<string> {
  const dir = fixtureDir();
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
    await buildHoldingLock(dir);
    return dir;
  }
  // Just under the hookTimeout (vitest.config.ts), so that a build too slow for it fails with this message.
  const deadline = Date.now() + 290_000;
  while (!fs.existsSync(readyOf(dir))) {
    if (!fs.existsSync(lock) && !fs.existsSync(readyOf(dir))) {
      const log = fs.existsSync(logOf(dir)) ? `; its output: ${logOf(dir)}` : '';
      throw new Error(`the shared test lake build failed in another process (${dir})${log}`);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the shared test lake at ${dir}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return dir;
}

/** A private, writable copy of the shared trained lake. */
export async function copyOfTrainedLake(): Promise<string> {
  const src = await trainedLake();
  const dst = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-models-'));
  fs.cpSync(src, dst, { recursive: true });
  return dst;
}

export const fixedNow = FIXED_NOW;
