/** ingest, import-orders and replay as a user runs them: --json prints the reconciled counts as the last line. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { event } from '../cleanse/fixtures.ts';
import { FIXTURES, sql, tempDir } from './lake.ts';

interface Counts {
  received: number;
  clean: number;
  quarantined: number;
  duplicates: number;
  byReason: Record<string, number>;
}
const tmp = tempDir('cli');
const lake = path.join(tmp, 'lake');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function counts(args: string[]): Counts {
  const r = runCli(['--lake', lake, ...args, '--json']);
  expect(r.status, r.stderr).toBe(0);
  const { streamRules, ...c } = r.json() as Counts & { streamRules?: unknown };
  // ingest adds the stream rules' figures (null with --no-stream-rules); the counts keep their keys.
  expect(streamRules === undefined).toBe(args[0] !== 'ingest');
  // ingest also says how many of its duplicates were re-sends found in the curated files (per-batch dedup).
  const keys = ['byReason', 'clean', 'duplicates', 'quarantined', 'received', 'suppressed', ...(args[0] === 'ingest' ? ['resent'] : [])];
  expect(Object.keys(c).sort()).toEqual(keys.sort());
  expect(c.clean + c.quarantined + c.duplicates).toBe(c.received);
  return c;
}

/** What `ingest --json` says the stream rules did. */
function rulesOf(lakeDir: string, args: string[]): { events: number; receivedThrough: string | null } | null {
  const r = runCli(['--lake', lakeDir, ...args, '--json']);
  expect(r.status, r.stderr).toBe(0);
  return (r.json() as { streamRules: { events: number; receivedThrough: string | null } | null }).streamRules;
}

describe('CLI', () => {
  it('ingest PATH... --json reconciles, and counts a second run as duplicates', async () => {
    const file = path.join(tmp, 'events.jsonl');
    const bad = Buffer.from([0x7b, 0x22, 0xe4, 0xb8, 0x22, 0x7d]); // a CJK character cut in half
    fs.writeFileSync(file, Buffer.concat([
      Buffer.from([JSON.stringify(event('pos.sale.v1')), JSON.stringify(event('pos.sale.v1')), JSON.stringify(event('online.order.v2')), '{"oops"', ''].join('\n')),
      bad,
      Buffer.from('\n'),
    ]));
    expect(counts(['ingest', file])).toEqual({ received: 5, clean: 2, quarantined: 2, duplicates: 1, suppressed: 0, resent: 0, byReason: { 'json.malformed': 1, 'encoding.invalid_utf8': 1 } });
    expect(counts(['ingest', file])).toEqual({ received: 5, clean: 0, quarantined: 0, duplicates: 5, suppressed: 0, resent: 0, byReason: {} });
    const q = await sql(lake, "select origin, raw_encoding, raw_payload from quarantine_events where reason_code = 'encoding.invalid_utf8'");
    expect(q).toEqual([{ origin: 'kinesis:local-events.jsonl:00000000000000000005', raw_encoding: 'base64', raw_payload: bad.toString('base64') }]);
  });

  it('ingest --no-stream-rules leaves its records to the next ingest, whose rules take them up once', () => {
    // Bug caught: rules that only look at what their own run cleansed (the opt-in version) never see the first file's
    // records; a cursor that --no-stream-rules moved would skip them too; one not moved by a run would repeat them.
    const other = path.join(tmp, 'lake-cursor');
    const first = path.join(tmp, 'first.jsonl');
    const second = path.join(tmp, 'second.jsonl');
    fs.writeFileSync(first, [event('pos.sale.v1'), event('online.order.v2')].map((e) => JSON.stringify(e)).join('\n') + '\n');
    fs.writeFileSync(second, JSON.stringify(event('pos.sale.v1', (e) => (e.event_id = 'evt-second-file'))) + '\n');
    const run = (args: string[]) => rulesOf(other, args);
    expect(run(['ingest', first, '--no-stream-rules'])).toBeNull();
    expect(run(['ingest', second])?.events).toBe(3);
    expect(run(['ingest', second])?.events).toBe(0);
  });

  it('import-orders ... --json imports the CDNOW log (whitespace, no order id)', () => {
    const cdnow = counts([
      'import-orders', path.join(FIXTURES, 'cdnow', 'CDNOW_master_head300.txt'),
      '--map', 'customer_id=customer_id,ordered_at=date,quantity=number_of_cds,amount=dollar_value',
      '--delimiter', 'whitespace', '--date-format', 'YYYYMMDD', '--currency', 'USD', '--timezone', 'America/New_York',
    ]);
    expect(cdnow).toEqual({ received: 300, clean: 300, quarantined: 0, duplicates: 0, suppressed: 0, byReason: {} });
  });

  it('replay --from quarantine --json reports what it re-ran', () => {
    expect(counts(['replay', '--from', 'quarantine', '--reason', 'json.malformed'])).toEqual({ received: 1, clean: 0, quarantined: 1, duplicates: 0, suppressed: 0, byReason: { 'json.malformed': 1 } });
  });

  it('prints one line naming the problem for a bad --map, exit code 2', () => {
    const r = runCli(['--lake', lake, 'import-orders', path.join(FIXTURES, 'cdnow', 'CDNOW_master_head300.txt'), '--map', 'ordered_at=date']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('retail-lake: --map must name unit_price=COLUMN or amount=COLUMN (the line total)');
  });
});
