// `retail-lake cloud backfill` (issue 20): the days asked for, validated, as one event on the default bus.
import { describe, expect, it } from 'vitest';
import type { BusEntry } from '../../src/events/bus.ts';
import { BACKFILL_DETAIL_TYPE, BACKFILL_SOURCE, backfillDays, BackfillRequestError, MAX_BACKFILL_DAYS, requestBackfill } from '../../src/ops/backfill.ts';

describe('backfillDays', () => {
  it('lists every day from..to, both included, across a month and a leap day', () => {
    expect(backfillDays({ stage: 'prod', from: '2024-02-27', to: '2024-03-02' })).toEqual({ stage: 'prod', days: ['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01', '2024-03-02'] });
    expect(backfillDays({ stage: 'dev-2', from: '2025-12-31', to: '2025-12-31' }).days).toEqual(['2025-12-31']);
  });

  it('rejects a range backwards, a date that is not one, a stage that is not a name, and more days than one request may ask', () => {
    expect(() => backfillDays({ stage: 'prod', from: '2025-03-02', to: '2025-03-01' })).toThrow(/backfill from: from must not be after to \(received "2025-03-02"\)/);
    expect(() => backfillDays({ stage: 'prod', from: '2025-02-30', to: '2025-03-01' })).toThrow(BackfillRequestError);
    expect(() => backfillDays({ stage: 'prod', from: 'yesterday', to: '2025-03-01' })).toThrow(/backfill from: .*\(received "yesterday"\)/);
    expect(() => backfillDays({ stage: 'Prod Stage', from: '2025-03-01', to: '2025-03-01' })).toThrow(/backfill stage: must be a stage name/);
    const from = '2024-01-01';
    const to = new Date(Date.parse(`${from}T00:00:00Z`) + MAX_BACKFILL_DAYS * 86_400_000).toISOString().slice(0, 10);
    expect(() => backfillDays({ stage: 'prod', from, to })).toThrow(new RegExp(`backfill of ${MAX_BACKFILL_DAYS + 1} days .*at most ${MAX_BACKFILL_DAYS}`));
  });
});

describe('requestBackfill', () => {
  it('puts one BackfillRequested event naming the stage and the days on the default bus', async () => {
    const put: BusEntry[] = [];
    const detail = await requestBackfill({ putEvents: async (e) => void put.push(...e) }, { stage: 'prod', from: '2025-12-01', to: '2025-12-03' }, () => new Date('2026-01-01T00:00:00Z'));
    expect(put).toEqual([
      { Source: BACKFILL_SOURCE, DetailType: BACKFILL_DETAIL_TYPE, EventBusName: 'default', Time: '2026-01-01T00:00:00.000Z', Detail: JSON.stringify({ stage: 'prod', days: ['2025-12-01', '2025-12-02', '2025-12-03'] }) },
    ]);
    expect(detail.days.length).toBe(3);
  });

  it('puts nothing when the request is invalid', async () => {
    const put: BusEntry[] = [];
    await expect(requestBackfill({ putEvents: async (e) => void put.push(...e) }, { stage: 'prod', from: '2025-12-03', to: '2025-12-01' })).rejects.toThrow(BackfillRequestError);
    expect(put).toEqual([]);
  });
});
