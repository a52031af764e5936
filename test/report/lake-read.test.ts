import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { openDuckDB } from '../../src/adapters/local/duckdb.ts';
import { occurredDay, occurredDaySql, rawRecordsPerDay } from '../../src/report/lake-read.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-raw-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('occurredDay', () => {
  it.each([
    ['"2025-03-01T23:59:59Z"', '2025-03-01'],
    [' "2025-03-01 10:00:00"', '2025-03-01'],
    ['1746030718902,', '2025-04-30'], // epoch milliseconds
    ['1746030718}', '2025-04-30'], // epoch seconds
    ['"yesterday"', null],
    ['null', null],
  ])('reads %s as %s', (text, day) => {
    expect(occurredDay(text)).toBe(day);
  });

  it('agrees with its SQL twin on quarantined text', async () => {
    const conn = await openDuckDB();
    const rows = (
      await conn.runAndReadAll(
        `select cast(${occurredDaySql('t')} as varchar) as d from (values ('{"occurred_at":"2025-03-01T10:00:00Z"}'), ('{"occurred_at": 1746030718902}'), ('{"occurred_at":1746030718,'), ('{"occurred_at":"bad"'), ('not json')) as v(t)`,
      )
    ).getRowObjects();
    conn.closeSync();
    expect(rows.map((r) => r.d)).toEqual(['2025-03-01', '2025-04-30', '2025-04-30', null, null]);
  });
});

describe('rawRecordsPerDay', () => {
  it('counts every non-empty line once, by occurred day, else by the dt= folder it was received into', () => {
    const d = path.join(dir, 'raw/stream/dt=2026-01-05');
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(
      path.join(d, 'a.jsonl'),
      ['{"event_id":"1","occurred_at":"2025-03-01T10:00:00Z"}', '', '{"event_id":"2","occurred_at":1740823200000}', 'garbage without a date', '{"occurred_at":"2025-03-02 01:00:00"}'].join('\n'),
    );
    fs.writeFileSync(path.join(d, 'b.jsonl.gz'), zlib.gzipSync('{"occurred_at":"2025-03-02T00:00:00Z"}\n{"x":1}\n'));
    expect(Object.fromEntries(rawRecordsPerDay(dir))).toEqual({ '2025-03-01': 2, '2025-03-02': 2, '2026-01-05': 2 });
  });
});
