import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.ts';

// A small demo: the same steps as `npm start`, on 300 customers over 60 days.
let lake: string;
let demo: CliResult;
// The demo summary is JSON read back from the CLI; tests index into it freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let summary: Record<string, any>;

beforeAll(() => {
  lake = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rl-demo-')), 'lake');
  // As `npm start` runs on a fresh machine (through tsx, the entry point a user starts): no RETAIL_LAKE_PII_KEY, so
  // the published development key and its warning.
  demo = runCli(['demo', '--lake', lake, '--customers', '300', '--days', '60', '--seed', '7', '--json'], { RETAIL_LAKE_PII_KEY: undefined, NODE_ENV: undefined }, { entry: 'tsx' });
  expect(demo.status, demo.stderr).toBe(0);
  summary = demo.json() as typeof summary;
}, 300_000);
afterAll(() => fs.rmSync(path.dirname(lake), { recursive: true, force: true }));

describe('retail-lake demo', () => {
  it('runs with the development key and says so once on stderr', () => {
    expect(demo.stderr.match(/WARNING: RETAIL_LAKE_PII_KEY is not set/g)).toHaveLength(1);
  });

  it('reconciles every generated line: received = clean + quarantined + duplicates', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(lake, 'landing/demo/manifest.json'), 'utf8'));
    const eventFiles = fs.readdirSync(path.join(lake, 'landing/demo/events')).filter((f) => f.endsWith('.jsonl'));
    const lines = eventFiles
      .map((f) => fs.readFileSync(path.join(lake, 'landing/demo/events', f), 'utf8').split('\n').filter((l) => l !== '').length)
      .reduce((a, b) => a + b, 0);
    const ing = summary.ingest;
    expect(ing.received).toBe(lines);
    expect(ing.clean + ing.quarantined + ing.duplicates).toBe(ing.received);
    // The generator's own list of re-sent duplicates and its dirty records bound what the cleanser may reject.
    const dirty = fs.readFileSync(path.join(lake, 'landing/demo/ground_truth/dirty.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const expectedDuplicates = dirty.filter((d) => d.expected_reason === 'duplicate').length;
    expect(ing.duplicates).toBe(expectedDuplicates);
    expect(ing.quarantined).toBe(dirty.length - expectedDuplicates);
    expect(manifest).toBeTruthy();
  });

  it('quarantines every deliberately bad record with the reason the generator expects', () => {
    const dirty = fs.readFileSync(path.join(lake, 'landing/demo/ground_truth/dirty.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const expected: Record<string, number> = {};
    for (const d of dirty) if (d.expected_reason !== 'duplicate') expected[d.expected_reason] = (expected[d.expected_reason] ?? 0) + 1;
    expect(summary.ingest.byReason).toEqual(expected);
  });

  it('writes per-zone counts that match the lake as queried', () => {
    const r = runCli(['query', 'select source, count(*) as n from curated_events group by 1 order by 1', '--lake', lake, '--format', 'json']);
    expect(r.status, r.stderr).toBe(0);
    const rows = r.json() as { source: string; n: number }[];
    expect(Object.fromEntries(rows.map((x) => [x.source, x.n]))).toEqual(summary.zones.bySource);
    expect(rows.reduce((a, x) => a + x.n, 0)).toBe(summary.ingest.clean);
    expect(summary.zones.quarantine_events).toBe(summary.ingest.quarantined);
    expect(summary.zones.raw).toBe(summary.ingest.received);
  });

  it('keeps Hive-partitioned Parquet in the curated and quarantine zones', () => {
    const files = fs.readdirSync(path.join(lake, 'curated/events'), { recursive: true }).map(String);
    expect(files.some((f) => /^source=pos\/dt=\d{4}-\d{2}-\d{2}\/part-.*\.parquet$/.test(f))).toBe(true);
    const head = fs.readFileSync(path.join(lake, 'curated/events', files.find((f) => f.endsWith('.parquet'))!)).subarray(0, 4).toString();
    expect(head).toBe('PAR1');
  });
});
