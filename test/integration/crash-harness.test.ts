// Writers killed (SIGKILL) at chosen points — inside each COPY, between tables, at each step of the commit — then
// rerun: the lake equals an uninterrupted run's, every view still answers, and the printed counts are true.
// The in-`npm test` part is small (CI: ingest with its stream rules 7 kill points, load-table 4, change events 5, train 4: 20 kills, 20 reruns); bench/crash.ts runs
// every writer with >= 20 kill points and writes the table to bench/crash-results.md.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, crashCommand, crashTable, everyViewAnswers, mustRun, rulesCaughtUp, tempDir, type CrashRow } from './harness/crash.ts';


describe('a writer killed at any point, then rerun', () => {
  let work: string;
  let land: string;
  let withProducts: string;
  let tagged: string;
  const rows: CrashRow[] = [];

  beforeAll(async () => {
    buildCli();
    work = tempDir('crash');
    land = path.join(work, 'land');
    await mustRun(['generate', '--out', land, '--customers', '30', '--days', '10', '--seed', '5']);
    withProducts = path.join(work, 'base-products');
    await mustRun(['load-table', 'products', path.join(land, 'batch', 'products.csv'), '--lake', withProducts]);
    tagged = path.join(work, 'base-tagged');
    fs.cpSync(withProducts, tagged, { recursive: true });
    await mustRun(['ingest', ...fs.readdirSync(path.join(land, 'events')).map((f) => path.join(land, 'events', f)), '--lake', tagged]);
    await mustRun(['tags', '--lake', tagged]);
  }, 180_000);

  afterAll(() => {
    if (rows.length) process.stdout.write(`\ncrash harness (npm test part)\n${crashTable(rows)}\n`);
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('ingest: curated, order lines, quarantine and raw land together or not at all; the stream rules after them exactly once', async () => {
    // Two commits: the ingest's, then the stream rules' (events, state, live counters, cursor). Killed between them,
    // the rerun finds every record a duplicate and still runs the rules on them (the cursor was behind them).
    const row = await crashCommand(
      { name: 'ingest', args: ['ingest', path.join(land, 'events', fs.readdirSync(path.join(land, 'events'))[0]!), '--batch-size', '50'], counts: 'dedup' },
      withProducts,
      work,
      7,
      async (lake) => (await everyViewAnswers(lake)) ?? (await rulesCaughtUp(lake)),
    );
    rows.push(row);
    expect(row.points.some((p) => p.startsWith('during:curated_events'))).toBe(true);
    expect(row.points.some((p) => p.startsWith('commit:recorded'))).toBe(true);
    expect(row.points).toContain('commit:opened#2');
    expect(row.failures).toEqual([]);
    expect(row.lakesEqual).toBe(row.killPoints);
  }, 600_000);

  it('load-table (full): the old catalogue stays whole until the new one is committed', async () => {
    const row = await crashCommand(
      { name: 'load-table', args: ['load-table', 'products', path.join(land, 'batch', 'products.csv')], counts: 'replace' },
      withProducts,
      work,
      4,
    );
    rows.push(row);
    expect(row.failures).toEqual([]);
    expect(row.lakesEqual).toBe(row.killPoints);
  }, 600_000);

  it('ingest of ERP change events: the change log and its quarantined records land together or not at all', async () => {
    // Rerun after the commit: every change and every bad record is a duplicate (stored once, counted once).
    const changes = path.join(import.meta.dirname, '..', 'fixtures', 'cdc', 'changes.jsonl');
    const row = await crashCommand({ name: 'ingest changes', args: ['ingest', changes, '--no-stream-rules'], counts: 'dedup' }, withProducts, work, 5, everyViewAnswers);
    rows.push(row);
    expect(row.points.some((p) => p.startsWith('commit:recorded'))).toBe(true);
    expect(row.failures).toEqual([]);
    expect(row.lakesEqual).toBe(row.killPoints);
  }, 600_000);

  it('train all: the models, their latest pointers and the forecasts land together or not at all', async () => {
    // This lake trains clv and recs (the rest lack history): killed inside a model's files, between two models, at
    // the commit point and in the publish.
    const row = await crashCommand({ name: 'train', args: ['train', 'all'] }, tagged, work, 4, everyViewAnswers);
    rows.push(row);
    expect(row.points.some((p) => p.startsWith('model-file:'))).toBe(true);
    expect(row.points.some((p) => p.startsWith('step:store model'))).toBe(true);
    expect(row.points.some((p) => p.startsWith('commit:recorded'))).toBe(true);
    expect(row.failures).toEqual([]);
    expect(row.lakesEqual).toBe(row.killPoints);
  }, 600_000);
});
