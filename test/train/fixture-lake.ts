/**
 * A small synthetic lake with trained models, built once per test run and shared by the train, score, events and
 * coupon tests: 400 generated customers over 365 days (app browsing events left out: they feed no customer model
 * and are most of the ingest time), ingested, tagged and trained with `train all` as of the last day.
 * Tests that write to the lake work on their own copy (`copyOfTrainedLake`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { generateRetailer } from '../../src/generate/index.ts';
import { ingestJsonl } from '../../src/ingest/local-pipeline.ts';
import { loadBatchTable } from '../../src/ingest/batch-tables.ts';
import { trainModels } from '../../src/train/train.ts';

export const FIXTURE = { customers: 400, days: 365, seed: 42, asOf: '2025-12-31', horizonDays: 90 } as const;
const FIXTURE_VERSION = 2; // 2: the generator's consent files (events/consent-*.jsonl) are ingested too
const FIXED_NOW = () => new Date('2026-01-01T06:00:00Z');

function fixtureDir(): string {
  // One build per test run: the vitest main process is the parent of every test worker.
  const key = createHash('sha256').update(JSON.stringify({ FIXTURE, FIXTURE_VERSION, run: process.ppid })).digest('hex').slice(0, 12);
  return path.join(os.tmpdir(), `retail-lake-models-fixture-${key}`);
}

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

/** The shared trained lake (read-only for tests); built by the first caller, awaited by the others. */
export async function trainedLake(): Promise<string> {
  const dir = fixtureDir();
  if (fs.existsSync(path.join(dir, '.ready'))) return dir;
  const lock = `${dir}.lock`;
  let owner = false;
  try {
    fs.mkdirSync(lock);
    owner = true;
  } catch {
    // someone else is building it
  }
  if (owner) {
    removeStale();
    const tmp = `${dir}.building`;
    fs.rmSync(tmp, { recursive: true, force: true });
    try {
      await build(tmp);
      fs.writeFileSync(path.join(tmp, '.ready'), '');
      fs.renameSync(tmp, dir);
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
    return dir;
  }
  const deadline = Date.now() + 180_000;
  while (!fs.existsSync(path.join(dir, '.ready'))) {
    if (!fs.existsSync(lock) && !fs.existsSync(path.join(dir, '.ready'))) throw new Error(`the shared test lake build failed in another worker (${dir})`);
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
