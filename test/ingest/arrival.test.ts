/**
 * A backfill of generated history is checked against when its records arrived, not against today. The generator
 * appends what arrived in month YYYY-MM to YYYY-MM.jsonl; the demo feeds each file as received at that month's end.
 * The case that made this matter: an epoch-milliseconds time from a reset device clock (1970-01-21) reads as epoch
 * seconds of 2026-06-07; against today's receipt it passed as clean and set the demo's as-of date half a year after
 * its data ended; against the month it arrived in (October 2025) it is a future time and is quarantined.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ingestJsonl } from '../../src/ingest/local-pipeline.ts';
import { monthFileArrival } from '../../src/ingest/kinesis-feed.ts';
import { sql, tempDir } from './lake.ts';

const tmp = tempDir('arrival');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const behaviour = (id: string, occurredAt: number) =>
  JSON.stringify({
    event_id: id, source: 'app', type: 'app.behaviour', schema_version: 1, occurred_at: occurredAt,
    identities: { device_id: 'ae690de7-7b82-48fe-9c54-f5c613fda130' }, payload: { session_id: 's-f710e69493a58361', action: 'search', query: 'pace slippers', screen: 'search' },
  });

describe('arrival time of generated month files', () => {
  it('is the last millisecond of the month in the name, and nothing for other names', () => {
    expect(new Date(monthFileArrival('/x/events/2025-10.jsonl')!).toISOString()).toBe('2025-10-31T23:59:59.999Z');
    expect(new Date(monthFileArrival('consent-2024-02.jsonl')!).toISOString()).toBe('2024-02-29T23:59:59.999Z');
    expect(new Date(monthFileArrival('2025-12.jsonl.gz')!).toISOString()).toBe('2025-12-31T23:59:59.999Z');
    expect(monthFileArrival('events.jsonl')).toBeUndefined();
    expect(monthFileArrival('2025-13.jsonl')).toBeUndefined();
  });

  it('quarantines a time that is only plausible against today, naming the field and the value', async () => {
    const file = path.join(tmp, 'events', '2025-10.jsonl');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const resetClock = Date.UTC(1970, 0, 21, 14, 39, 56, 957); // epoch ms 1,780,796,957: read as seconds, 2026-06-07
    expect(resetClock).toBe(1_780_796_957);
    fs.writeFileSync(file, `${behaviour('ok', Date.UTC(2025, 9, 15, 12))}\n${behaviour('reset-clock', resetClock)}\n`);
    const lake = path.join(tmp, 'lake');

    const counts = await ingestJsonl([file], { lakeDir: lake, arrivalOf: (f) => monthFileArrival(f)! });

    expect(counts).toMatchObject({ received: 2, clean: 1, quarantined: 1 });
    const clean = await sql<{ event_id: string; occurred_at: string }>(lake, `select event_id, cast(occurred_at as varchar) as occurred_at from curated_events`);
    expect(clean).toEqual([{ event_id: 'ok', occurred_at: expect.stringMatching(/^2025-10-15 12:00:00/) }]);
    const q = await sql<{ event_id: string; reason_code: string; message: string }>(lake, 'select event_id, reason_code, message from quarantine_events');
    expect(q).toEqual([{ event_id: 'reset-clock', reason_code: 'timestamp.implausible', message: expect.stringContaining('1780796957') }]);
    expect(q[0]!.message).toContain("field 'occurred_at'");
  });
});
