// The local live_state reads back the times it was given, milliseconds and all (the cloud day compares them with the
// profile table's items, which keep the engine's ISO text): DuckDB prints '…34.63' for a time written as '…34.630'.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isoFromDuckDbTimestamp, readLocalLiveState, writeLocalLiveState, type LiveState } from '../../src/realtime/live-state.ts';

const lake = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-live-state-time-'));
afterAll(() => fs.rmSync(lake, { recursive: true, force: true }));

const row = (key: string, at: string, since: string | null): LiveState => ({
  customer_key: key,
  last_event_at: at,
  events_today: 1,
  events_day: at.slice(0, 10),
  open_cart_skus: [],
  open_cart_value: 0,
  open_cart_since: since,
});

describe('local live_state times', () => {
  it('round-trip as written: a zero in the last millisecond digit, whole seconds, three digits', async () => {
    const rows = [row('a', '2025-12-28T09:01:34.630Z', '2025-12-28T09:00:00.000Z'), row('b', '2025-12-28T09:01:34.000Z', null), row('c', '2025-12-28T09:01:34.123Z', '2025-12-28T08:59:59.500Z')];
    await writeLocalLiveState(lake, rows);
    expect(await readLocalLiveState(lake)).toEqual(rows);
  });

  it('pads or cuts the fraction DuckDB prints to milliseconds', () => {
    expect(['2025-12-28 09:01:34.63', '2025-12-28 09:01:34', '2025-12-28 09:01:34.123456'].map(isoFromDuckDbTimestamp)).toEqual([
      '2025-12-28T09:01:34.630Z',
      '2025-12-28T09:01:34.000Z',
      '2025-12-28T09:01:34.123Z',
    ]);
  });
});
