import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalEventBus } from '../../src/adapters/local/event-bus.ts';
import { publishNew, toEntry, type ModelEvent } from '../../src/events/index.ts';
import { eventId } from '../../src/events/ids.ts';

let lake: string;
beforeEach(() => {
  lake = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-bus-'));
});
afterEach(() => fs.rmSync(lake, { recursive: true, force: true }));

function segmentChanged(customer: string): ModelEvent {
  return {
    detailType: 'CustomerSegmentChanged',
    detail: {
      event_id: eventId('CustomerSegmentChanged', customer, ['Loyal', 'Lapsed', '2025-12-31']),
      customer_key: customer,
      member_id: null,
      as_of: '2025-12-31',
      previous_segment: 'Loyal',
      segment: 'Lapsed',
      segment_id: 2,
      is_outlier: false,
      reasons: [],
      model_version: 'segments-2025-12-31-00000000',
      previous_model_version: null,
    },
  };
}

describe('the local event bus', () => {
  it('appends PutEvents entries, Detail as a string, to one JSONL file per day of their Time', async () => {
    const bus = new LocalEventBus(lake);
    await bus.putEvents([
      toEntry(segmentChanged('a'), { time: new Date('2025-12-31T23:59:00Z') }),
      toEntry(segmentChanged('b'), { time: new Date('2026-01-01T00:01:00Z'), busName: 'crm' }),
    ]);
    expect(fs.readdirSync(path.join(lake, 'events')).sort()).toEqual(['2025-12-31.jsonl', '2026-01-01.jsonl']);
    const line = JSON.parse(fs.readFileSync(path.join(lake, 'events', '2026-01-01.jsonl'), 'utf8').trim());
    expect(Object.keys(line)).toEqual(['Source', 'DetailType', 'Detail', 'EventBusName', 'Time']);
    expect(line).toMatchObject({ Source: 'retail-lake.models', DetailType: 'CustomerSegmentChanged', EventBusName: 'crm', Time: '2026-01-01T00:01:00.000Z' });
    expect(JSON.parse(line.Detail).customer_key).toBe('b');
    expect(bus.events('2026-01-01').map((e) => e.event.detail.event_id)).toEqual([segmentChanged('b').detail.event_id]);
  });

  it('publishes an event id once, however often it is handed the same events', async () => {
    const bus = new LocalEventBus(lake);
    const events = [segmentChanged('a'), segmentChanged('b'), segmentChanged('a')];
    const first = await publishNew(events, { bus, ledger: bus });
    const second = await publishNew(events, { bus, ledger: bus });
    expect([first.published.length, first.alreadyPublished]).toEqual([2, 1]);
    expect([second.published.length, second.alreadyPublished]).toEqual([0, 3]);
    expect(bus.entries()).toHaveLength(2);
  });

  it('rejects a detail that does not match its schema, naming the field', () => {
    const bad = segmentChanged('a');
    (bad.detail as { segment_id: number }).segment_id = -1;
    expect(() => toEntry(bad, { time: new Date() })).toThrow(/CustomerSegmentChanged detail segment_id: Too small/);
  });
});
