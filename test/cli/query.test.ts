import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliInProcess } from '../helpers/cli.ts';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/events/small.jsonl');
let lake: string;

beforeAll(() => {
  lake = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-query-'));
  const r = runCli(['ingest', FIXTURE, '--lake', lake, '--json']);
  expect(r.status, r.stderr).toBe(0);
});
afterAll(() => fs.rmSync(lake, { recursive: true, force: true }));

// One subprocess smoke test per command (the real entry point, as a user runs it); formats and errors in-process.
describe('retail-lake query', () => {
  it('answers SQL over curated_events as JSON', () => {
    const r = runCli(['query', 'select source, count(*) as n from curated_events group by 1 order by 1', '--lake', lake, '--format', 'json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.json()).toEqual([
      { source: 'app', n: 1 },
      { source: 'online', n: 1 },
      { source: 'pos', n: 1 },
    ]);
  });

  it('prints CSV with a header row', async () => {
    const r = await runCliInProcess(['query', "select order_id, line_amount from curated_order_lines order by order_id", '--lake', lake, '--format', 'csv']);
    expect(r.status, r.stderr).toBe(0);
    // R1: 2 x 9.99 from the fixture; O1: 1 x 5.
    expect(r.stdout.trim().split('\n')).toEqual(['order_id,line_amount', 'O1,5', 'R1,19.98']);
  });

  it('refuses statements that would change the lake, with a one-line message', async () => {
    const r = await runCliInProcess(['query', 'create table t as select 1', '--lake', lake]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/read-only: only SELECT statements are allowed/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a file outside the lake with one line naming it (sandbox; cases in query-sandbox.test.ts)', () => {
    const r = runCli(['query', "select * from read_text('/etc/passwd')", '--lake', lake]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^retail-lake: query refused: "\/etc\/passwd" is a path outside the lake/);
    expect(r.stderr).not.toMatch(/root:|\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('reports a SQL error without a stack trace', async () => {
    const r = await runCliInProcess(['query', 'select no_such_column from curated_events', '--lake', lake]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/SQL error: .*no_such_column/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('retail-lake ingest --json', () => {
  it('reconciles received = clean + quarantined + duplicates', () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-ingest-'));
    try {
      const r = runCli(['ingest', FIXTURE, '--lake', other, '--json']);
      expect(r.status, r.stderr).toBe(0);
      // 6 lines: 3 distinct clean events, 1 re-sent duplicate, a negative quantity and a truncated line.
      // The counts, and (an added key) the stream rules on the 3 clean events.
      expect(r.json()).toMatchObject({
        received: 6,
        clean: 3,
        quarantined: 2,
        duplicates: 1,
        suppressed: 0,
        byReason: { 'value.out_of_range': 1, 'json.malformed': 1 },
        streamRules: { events: 3 },
      });
      expect(Object.keys(r.json() as object).sort()).toEqual(['byReason', 'clean', 'duplicates', 'quarantined', 'received', 'resent', 'streamRules', 'suppressed']);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });
});
