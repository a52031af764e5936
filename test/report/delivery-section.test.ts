/**
 * The report's delivery section (src/report/data.ts deliveriesSection): late-delivery rate by carrier and region per
 * month, checked
 * - on a hand-computed lake: eleven shipments of two carriers in two regions, their carrier events written out below
 *   with the month, carrier, region and lateness of each worked out by hand beside them;
 * - against the generator's ground_truth/deliveries.jsonl: in test/tags/deliveries.test.ts, on its synthetic lake.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestJsonl } from '../../src/ingest/local-pipeline.ts';
import { openLakeCatalog } from '../../src/lake/local-catalog.ts';
import { buildCharts } from '../../src/report/charts.ts';
import { collectReportData, deliveriesSection, type ReportData } from '../../src/report/data.ts';
import { reportBody } from '../../src/report/render.ts';

async function collect(lakeDir: string, asOf?: string): Promise<ReportData> {
  const cat = await openLakeCatalog(lakeDir);
  try {
    return await collectReportData(cat.conn, { lakeDir, asOf });
  } finally {
    cat.close();
  }
}

function available<T extends { available: boolean }>(section: T): Extract<T, { available: true }> {
  expect(section.available, 'section should be available').toBe(true);
  return section as Extract<T, { available: true }>;
}

let n = 0;
const ev = (type: string, shipment: string, carrier: string, at: string, extra: Record<string, unknown> = {}, eventId = `d-${++n}`) => ({
  event_id: eventId,
  source: 'delivery',
  type: `delivery.${type}`,
  schema_version: 1,
  occurred_at: at,
  payload: { shipment_id: shipment, order_id: `O-${shipment}`, carrier, ...extra },
});
const created = (s: string, carrier: string, region: string | undefined, at: string, promised: string) =>
  ev('shipment_created', s, carrier, at, { service: 'standard', promised_by: promised, ...(region ? { region } : {}), location: { lat: 31.228611, lon: 121.474722 } });
const [A, B, EAST, NORTH] = ['SF_EXPRESS', 'ZTO', 'East China', 'North China'];

const EVENTS = [
  // S1 A East: delivered 03-04 before the promise -> March, on time
  created('S1', A, EAST, '2025-03-01T04:00:00Z', '2025-03-05T15:59:59Z'),
  ev('delivered', 'S1', A, '2025-03-04T04:00:00Z'),
  // S2 A North: delivered 03-13 17:00, promised 03-12 -> March, late
  created('S2', A, NORTH, '2025-03-10T15:30:00Z', '2025-03-12T15:59:59Z'),
  ev('delivered', 'S2', A, '2025-03-13T17:00:00Z'),
  // S3 B East: three failed attempts, returned 03-25 -> March, late (returned)
  created('S3', B, EAST, '2025-03-20T02:00:00Z', '2025-03-24T15:59:59Z'),
  ev('failed_attempt', 'S3', B, '2025-03-22T03:00:00Z', { attempt: 1, reason: 'no_one_home' }),
  ev('failed_attempt', 'S3', B, '2025-03-23T03:00:00Z', { attempt: 2, reason: 'no_one_home' }),
  ev('failed_attempt', 'S3', B, '2025-03-24T03:00:00Z', { attempt: 3, reason: 'no_one_home' }),
  ev('returned_to_sender', 'S3', B, '2025-03-25T05:00:00Z', { reason: 'attempts_exhausted' }),
  // S4 B East: created in March, delivered 04-02 after the promise of 04-01 -> April, late
  created('S4', B, EAST, '2025-03-28T02:00:00Z', '2025-04-01T15:59:59Z'),
  ev('delivered', 'S4', B, '2025-04-02T03:00:00Z'),
  // S5 B North: delivered 04-01 on time; the delivered event sent twice (one event id) -> April, on time, once
  created('S5', B, NORTH, '2025-03-31T20:00:00Z', '2025-04-04T15:59:59Z'),
  ev('delivered', 'S5', B, '2025-04-01T05:00:00Z', {}, 'd-dup'),
  ev('delivered', 'S5', B, '2025-04-01T05:00:00Z', {}, 'd-dup'),
  // S6 A East: dispatched, never finished -> not counted
  created('S6', A, EAST, '2025-04-10T02:00:00Z', '2025-04-14T15:59:59Z'),
  ev('dispatched', 'S6', A, '2025-04-11T02:00:00Z'),
  // S7 A, no region sent: delivered on time -> April, (unknown), on time
  created('S7', A, undefined, '2025-04-02T02:00:00Z', '2025-04-06T15:59:59Z'),
  ev('delivered', 'S7', A, '2025-04-03T02:00:00Z'),
  // S8: no shipment_created in the lake (no promise, no region) -> not counted
  ev('delivered', 'S8', A, '2025-04-05T02:00:00Z'),
  // S9 B North: a failed attempt, then delivered before the promise -> April, on time
  created('S9', B, NORTH, '2025-03-30T02:00:00Z', '2025-04-03T15:59:59Z'),
  ev('failed_attempt', 'S9', B, '2025-04-02T03:00:00Z', { attempt: 1, reason: 'no_one_home' }),
  ev('delivered', 'S9', B, '2025-04-03T10:00:00Z'),
  // S10 A North: delivered at the very second promised -> April, on time (late means after the promise)
  created('S10', A, NORTH, '2025-04-06T02:00:00Z', '2025-04-08T15:59:59Z'),
  ev('delivered', 'S10', A, '2025-04-08T15:59:59Z'),
  // S11 A East: delivered 04-30 17:00 UTC (May 1st in Shanghai) -> April (months are UTC), on time
  created('S11', A, EAST, '2025-04-28T02:00:00Z', '2025-05-02T15:59:59Z'),
  ev('delivered', 'S11', A, '2025-04-30T17:00:00Z'),
];

describe('report: deliveries, on a hand-computed lake', () => {
  let root: string;
  let lake: string;
  let data: ReportData;
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-report-deliveries-'));
    lake = path.join(root, 'lake');
    const file = path.join(root, 'events.jsonl');
    fs.writeFileSync(file, `${EVENTS.map((e) => JSON.stringify(e)).join('\n')}\n`);
    const counts = await ingestJsonl([file], { lakeDir: lake, checkSkus: false });
    expect(counts).toMatchObject({ clean: EVENTS.length - 1, quarantined: 0, duplicates: 1 });
    data = await collect(lake);
  }, 60_000);
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('counts finished shipments and late ones per month, carrier and region, as worked out above', async () => {
    const d = available(data.deliveries);
    expect(d.cells).toEqual([
      { month: '2025-03', carrier: A, region: EAST, finished: 1, late: 0 }, // S1
      { month: '2025-03', carrier: A, region: NORTH, finished: 1, late: 1 }, // S2
      { month: '2025-03', carrier: B, region: EAST, finished: 1, late: 1 }, // S3
      { month: '2025-04', carrier: A, region: '(unknown)', finished: 1, late: 0 }, // S7
      { month: '2025-04', carrier: A, region: EAST, finished: 1, late: 0 }, // S11
      { month: '2025-04', carrier: A, region: NORTH, finished: 1, late: 0 }, // S10
      { month: '2025-04', carrier: B, region: EAST, finished: 1, late: 1 }, // S4
      { month: '2025-04', carrier: B, region: NORTH, finished: 2, late: 0 }, // S5, S9
    ]);
    expect([d.finished, d.late, d.rate]).toEqual([9, 3, 1 / 3]);
    expect(d.months).toEqual(['2025-03', '2025-04']);
    expect(d.byCarrier).toEqual([
      { key: A, finished: 5, late: 1, rate: 1 / 5 },
      { key: B, finished: 4, late: 2, rate: 2 / 4 },
    ]);
    expect(d.byRegion).toEqual([
      { key: EAST, finished: 4, late: 2, rate: 2 / 4 },
      { key: NORTH, finished: 4, late: 1, rate: 1 / 4 },
      { key: '(unknown)', finished: 1, late: 0, rate: 0 },
    ]);
    // Over time: March, April.
    expect(d.carrierByMonth).toEqual([
      { key: A, rates: [1 / 2, 0] },
      { key: B, rates: [1, 1 / 3] },
    ]);
    expect(d.regionByMonth).toEqual([
      { key: EAST, rates: [1 / 2, 1 / 2] },
      { key: NORTH, rates: [1, 0] },
      { key: '(unknown)', rates: [null, 0] },
    ]);
  });

  it('as of a date, counts only what had finished by then', async () => {
    const cat = await openLakeCatalog(lake);
    const d = available(await deliveriesSection(cat.conn, lake, '2025-03-31').finally(() => cat.close()));
    expect(d.cells).toEqual([
      { month: '2025-03', carrier: A, region: EAST, finished: 1, late: 0 },
      { month: '2025-03', carrier: A, region: NORTH, finished: 1, late: 1 },
      { month: '2025-03', carrier: B, region: EAST, finished: 1, late: 1 },
    ]);
  });

  it('draws a late-% line per carrier and per region, a gap where a month has no finished shipment', () => {
    const charts = buildCharts(data);
    const lines = (id: string) => Object.fromEntries((charts[id]!.series as { name: string; data: unknown[] }[]).map((s) => [s.name, s.data]));
    expect((charts['chart-delivery-carriers']!.xAxis as { data: string[] }).data).toEqual(['2025-03', '2025-04']);
    expect(lines('chart-delivery-carriers')).toEqual({ [A]: [50, 0], [B]: [100, 33.3] });
    expect(lines('chart-delivery-regions')).toEqual({ [EAST]: [50, 50], [NORTH]: [100, 0], '(unknown)': [null, 0] });
    const html = reportBody(data, charts);
    expect(html).toContain('id="deliveries"');
    expect(html).toMatch(/<td>ZTO<\/td><td class="num">4<\/td><td class="num">2<\/td><td class="num">50\.0%<\/td>/);
  });
});
