/**
 * Late data restates exactly the dated snapshots that read it (issue 18 point 4). A hand-built lake: one purchase a
 * day on 2024-03-01..07 through the real cleanser, a snapshot as of each day; then late batches. The expected dates
 * are written out by hand: a snapshot as of D reads every event dated on or before D, so events of day L arriving
 * after the snapshots were written change the snapshots as of L and later, and no earlier one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestJsonl } from '../../src/ingest/local-pipeline.ts';
import { refreshTags } from '../../src/tags/index.ts';
import { restateTags } from '../../src/tags/restate-local.ts';
import { runQuery } from '../../src/cli/commands/query.ts';
import { runCli } from '../helpers/cli.ts';

const DAYS = ['2024-03-01', '2024-03-02', '2024-03-03', '2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07'];

let work: string;
let lakeDir: string;
let n = 0;

/** A POS purchase of one member on a day, as a JSONL line. */
const sale = (member: string, day: string, hour = 10) =>
  JSON.stringify({
    event_id: `e-${member}-${day}-${hour}-${n++}`,
    source: 'pos',
    type: 'pos.sale',
    schema_version: 1,
    occurred_at: `${day}T${String(hour).padStart(2, '0')}:00:00Z`,
    identities: { member_id: member },
    payload: { order_id: `R-${member}-${day}-${n}`, currency: 'CNY', lines: [{ sku: 'SKU1', quantity: 1, unit_price: 10 }] },
    store_id: 'S1',
  });

async function ingest(lines: string[]): Promise<void> {
  const file = path.join(work, `batch-${n++}.jsonl`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  const c = await ingestJsonl([file], { lakeDir, checkSkus: false });
  expect(c.clean).toBe(lines.length);
}

const snapshotBytes = (day: string) => fs.readFileSync(path.join(lakeDir, 'curated', 'customer_tags', `dt=${day}`, 'part-0.parquet'));
const customersOf = async (day: string) => (await runQuery(lakeDir, `select member_id from customer_tags where dt = date '${day}' order by 1`)).map((r) => String(r.member_id));

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-restate-'));
  lakeDir = path.join(work, 'lake');
  await ingest(DAYS.map((d) => sale('M-A', d)));
  for (const d of DAYS) await refreshTags({ lakeDir, asOf: d });
}, 120_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('tags --restate after late data', () => {
  it('finds nothing to restate right after the snapshots were written', async () => {
    const s = await restateTags({ lakeDir });
    expect(s.checked).toBe(7);
    expect(s.restated).toEqual([]);
  });

  it('restates exactly the snapshots as of the late events\' day and later, and leaves the earlier ones as they were', async () => {
    const before = new Map(DAYS.map((d) => [d, snapshotBytes(d)]));
    expect(await customersOf('2024-03-05')).toEqual(['M-A']);
    // A batch arriving after the snapshot of 03-07 with M-B's purchase of 03-03 (4 days late).
    await ingest([sale('M-B', '2024-03-03')]);
    const s = await restateTags({ lakeDir });
    expect(s.restated).toEqual(['2024-03-03', '2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07']);
    expect(s.unrecorded).toEqual([]);
    // The restated snapshots now count M-B; 03-01 and 03-02 are the very files they were.
    for (const d of ['2024-03-03', '2024-03-07']) expect(await customersOf(d)).toEqual(['M-A', 'M-B']);
    expect(await customersOf('2024-03-02')).toEqual(['M-A']);
    expect(snapshotBytes('2024-03-01').equals(before.get('2024-03-01')!)).toBe(true);
    expect(snapshotBytes('2024-03-02').equals(before.get('2024-03-02')!)).toBe(true);
  }, 60_000);

  it('restates nothing the second time, nor for data of a day after every snapshot', async () => {
    expect((await restateTags({ lakeDir })).restated).toEqual([]);
    await ingest([sale('M-C', '2024-03-08')]);
    expect((await restateTags({ lakeDir })).restated).toEqual([]);
  }, 60_000);

  it('limits itself to the look-back, and restates the older snapshots when asked without it', async () => {
    // The newest data is of 03-08 now: a look-back of 3 days checks the snapshots as of 03-05 and later.
    await ingest([sale('M-D', '2024-03-02', 9)]);
    const recent = await restateTags({ lakeDir, lookbackDays: 3 });
    expect(recent.since).toBe('2024-03-05');
    expect(recent.checked).toBe(3);
    expect(recent.restated).toEqual(['2024-03-05', '2024-03-06', '2024-03-07']);
    const rest = await restateTags({ lakeDir });
    expect(rest.restated).toEqual(['2024-03-02', '2024-03-03', '2024-03-04']);
    expect(await customersOf('2024-03-01')).toEqual(['M-A']);
    expect(await customersOf('2024-03-02')).toEqual(['M-A', 'M-D']);
  }, 90_000);

  it('restates a snapshot written without an inputs record, once', async () => {
    fs.rmSync(path.join(lakeDir, 'curated', '_tag_inputs', 'dt=2024-03-01.json'));
    const s = await restateTags({ lakeDir });
    expect(s.restated).toEqual(['2024-03-01']);
    expect(s.unrecorded).toEqual(['2024-03-01']);
    expect((await restateTags({ lakeDir })).restated).toEqual([]);
  }, 60_000);

  it('lists the restated dates on the command line (--json), and rejects --restate with --as-of', () => {
    fs.rmSync(path.join(lakeDir, 'curated', '_tag_inputs', 'dt=2024-03-06.json'));
    const r = runCli(['tags', '--restate', '--json', '--lake', lakeDir]);
    expect(r.stderr).toBe('');
    expect(r.json()).toMatchObject({ restated: ['2024-03-06'], unrecorded: ['2024-03-06'], checked: 7 });
    const bad = runCli(['tags', '--restate', '--as-of', '2024-03-06', '--lake', lakeDir]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('--restate picks its own dates');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
