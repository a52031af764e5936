/**
 * Delivery tags (sql/marts/tag_deliveries.sql) and GPS privacy, on two lakes built through the real cleanser:
 * - a hand-computed one: five orders of two members, their carrier events written out below with the expected tags
 *   worked out by hand beside them;
 * - a small synthetic retailer: every tag equal, per customer, to what ground_truth/deliveries.jsonl says (exact for
 *   counts and medians), and no coordinate finer than the configured geohash precision anywhere in curated.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDB, queryRows, sqlString } from '../../src/adapters/local/duckdb.ts';
import { geohashBounds } from '../../src/cleanse/geohash.ts';
import type { ShipmentTruth } from '../../src/generate/deliveries.ts';
import { ingestJsonl } from '../../src/ingest/local-pipeline.ts';
import { openLakeCatalog, type LakeCatalog } from '../../src/lake/local-catalog.ts';
import { refreshTags } from '../../src/tags/index.ts';
import { deliveriesSection } from '../../src/report/data.ts';
import { buildSyntheticLake, type SyntheticLake } from '../sql/synthetic-lake.ts';

interface TagRow {
  customer_key: string;
  shipments_total: number;
  delivery_days_median: number | null;
  delivery_days_last: number | null;
  late_delivery_rate: number | null;
  failed_attempts: number;
  last_delivery_experience: string | null;
}

const TAGS = 'customer_key, shipments_total, delivery_days_median, delivery_days_last, late_delivery_rate, failed_attempts, last_delivery_experience';

// --- the hand-computed lake -------------------------------------------------------------------------------------
let n = 0;
const order = (member: string, orderId: string, at: string) => ({
  event_id: `o-${++n}`,
  source: 'online',
  type: 'online.order',
  schema_version: 1,
  occurred_at: at,
  identities: { member_id: member },
  payload: { order_id: orderId, currency: 'CNY', lines: [{ sku: 'SKU-1', quantity: 1, unit_price: '10.00' }], shipping: { method: 'standard', fee: '0' } },
});
const carrier = (type: string, shipment: string, orderId: string, at: string, extra: Record<string, unknown> = {}, eventId = `d-${++n}`) => ({
  event_id: eventId,
  source: 'delivery',
  type: `delivery.${type}`,
  schema_version: 1,
  occurred_at: at,
  payload: { shipment_id: shipment, order_id: orderId, carrier: 'zto', ...extra },
});
const HOME = { lat: 31.228611, lon: 121.474722 };
const created = (s: string, o: string, at: string, promised: string) => carrier('shipment_created', s, o, at, { service: 'standard', promised_by: promised, region: 'East China', city: 'Shanghai', location: HOME });

const HAND_EVENTS = [
  // M1, S1: created 03-01 (local), one failed attempt, delivered 03-04 12:00 local before the promise -> 3 days, failed_attempt
  order('M1', 'O1', '2025-03-01T02:00:00Z'),
  created('S1', 'O1', '2025-03-01T04:00:00Z', '2025-03-05T15:59:59Z'),
  carrier('failed_attempt', 'S1', 'O1', '2025-03-03T06:00:00Z', { attempt: 1, reason: 'no_one_home', location: HOME }),
  carrier('delivered', 'S1', 'O1', '2025-03-04T04:00:00Z', { location: HOME }),
  // M1, S2: created 03-10 23:30 local (15:30 UTC), delivered 03-14 01:00 local (03-13 17:00 UTC) after the promise
  // -> 4 local days (3 by UTC dates), late
  order('M1', 'O2', '2025-03-10T01:00:00Z'),
  created('S2', 'O2', '2025-03-10T15:30:00Z', '2025-03-12T15:59:59Z'),
  carrier('delivered', 'S2', 'O2', '2025-03-13T17:00:00Z', { location: HOME }),
  // M1, S3: three failed attempts, returned to sender on 03-25 -> returned (late), 3 failed attempts
  order('M1', 'O3', '2025-03-20T01:00:00Z'),
  created('S3', 'O3', '2025-03-20T02:00:00Z', '2025-03-24T15:59:59Z'),
  carrier('failed_attempt', 'S3', 'O3', '2025-03-22T03:00:00Z', { attempt: 1, reason: 'no_one_home', location: HOME }),
  carrier('failed_attempt', 'S3', 'O3', '2025-03-23T03:00:00Z', { attempt: 2, reason: 'access_denied', location: HOME }),
  carrier('failed_attempt', 'S3', 'O3', '2025-03-24T03:00:00Z', { attempt: 3, reason: 'no_one_home', location: HOME }),
  carrier('returned_to_sender', 'S3', 'O3', '2025-03-25T05:00:00Z', { reason: 'attempts_exhausted' }),
  // M1, S4: still in transit at the as-of date -> counted in shipments_total only
  order('M1', 'O4', '2025-03-28T01:00:00Z'),
  created('S4', 'O4', '2025-03-28T02:00:00Z', '2025-04-01T15:59:59Z'),
  carrier('dispatched', 'S4', 'O4', '2025-03-29T01:00:00Z'),
  // M2, S5: delivered on time after 2 local days; its delivered event sent twice (one event id)
  order('M2', 'O5', '2025-03-05T01:00:00Z'),
  created('S5', 'O5', '2025-03-05T03:00:00Z', '2025-03-09T15:59:59Z'),
  carrier('location_ping', 'S5', 'O5', '2025-03-06T03:00:00Z', { location: { lat: 31.3, lon: 121.2 } }),
  carrier('delivered', 'S5', 'O5', '2025-03-07T05:00:00Z', { location: HOME }, 'd-dup'),
  carrier('delivered', 'S5', 'O5', '2025-03-07T05:00:00Z', { location: HOME }, 'd-dup'),
  // A shipment of an order the lake does not know: belongs to nobody
  created('S9', 'O-UNKNOWN', '2025-03-06T03:00:00Z', '2025-03-09T15:59:59Z'),
];
/** Worked out by hand from the events above (see the comment on each shipment). */
const HAND_EXPECTED: Record<string, Omit<TagRow, 'customer_key'>> = {
  M1: { shipments_total: 4, delivery_days_median: 3.5, delivery_days_last: 4, late_delivery_rate: 2 / 3, failed_attempts: 4, last_delivery_experience: 'returned' },
  M2: { shipments_total: 1, delivery_days_median: 2, delivery_days_last: 2, late_delivery_rate: 0, failed_attempts: 0, last_delivery_experience: 'on_time' },
};

describe('delivery tags on a hand-computed lake', () => {
  let root: string;
  let cat: LakeCatalog;
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-deliveries-'));
    const file = path.join(root, 'events.jsonl');
    fs.writeFileSync(file, `${HAND_EVENTS.map((e) => JSON.stringify(e)).join('\n')}\n`);
    const counts = await ingestJsonl([file], { lakeDir: path.join(root, 'lake'), checkSkus: false });
    expect(counts.clean).toBe(HAND_EVENTS.length - 1); // the second copy of d-dup is a duplicate
    await refreshTags({ lakeDir: path.join(root, 'lake') }); // resolves identities (identity_map)
    cat = await openLakeCatalog(path.join(root, 'lake'));
  });
  afterAll(() => {
    cat?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('gives each customer the hand-computed tags', async () => {
    const rows = (await queryRows(
      cat.conn,
      `select c.member_id, ${TAGS.split(', ').map((c) => `t.${c}`).join(', ')} from tag_deliveries as t join int_customers as c using (customer_key) order by c.member_id`,
    )) as unknown as (TagRow & { member_id: string })[];
    expect(rows.map((r) => r.member_id)).toEqual(['M1', 'M2']);
    for (const r of rows) {
      const { member_id, customer_key, late_delivery_rate, ...rest } = r;
      const { late_delivery_rate: expectedRate, ...expected } = HAND_EXPECTED[member_id]!;
      expect(customer_key).toBeTruthy();
      expect(rest, member_id).toEqual(expected);
      expect(late_delivery_rate, member_id).toBeCloseTo(expectedRate!, 12);
    }
  });

  it('types the carrier events with their geohash, one row per event', async () => {
    const rows = (await queryRows(
      cat.conn,
      `select count(*) as n, count(distinct geohash) as hashes, count(case when event_type = 'delivery.location_ping' then 1 end) as pings from stg_deliveries`,
    )) as { n: bigint; hashes: bigint; pings: bigint }[];
    expect(Number(rows[0]!.n)).toBe(HAND_EVENTS.length - 1 - 5); // minus the duplicate and the five orders
    // HOME (wtw3s...) and the ping near Shanghai's airport are two different 5-character cells.
    expect(Number(rows[0]!.hashes)).toBe(2);
    expect(Number(rows[0]!.pings)).toBe(1);
  });
});

// --- the synthetic retailer ----------------------------------------------------------------------------------------

function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
const latest = <T extends { shipment_id: string }>(xs: T[], at: (x: T) => string) =>
  [...xs].sort((a, b) => (at(a) === at(b) ? (a.shipment_id < b.shipment_id ? 1 : -1) : at(a) < at(b) ? 1 : -1))[0];

/** The tags of one customer computed from the generator's record of their shipments. */
function tagsFromTruth(ships: ShipmentTruth[]): Omit<TagRow, 'customer_key'> {
  const delivered = ships.filter((s) => s.outcome === 'delivered');
  const finished = ships.filter((s) => s.outcome !== 'in_transit');
  return {
    shipments_total: ships.length,
    delivery_days_median: median(delivered.map((s) => s.delivery_days!)),
    delivery_days_last: delivered.length ? latest(delivered, (s) => s.finished_at!)!.delivery_days : null,
    late_delivery_rate: finished.length ? finished.filter((s) => s.late).length / finished.length : null,
    failed_attempts: ships.reduce((a, s) => a + s.failed_attempts_at.length, 0),
    last_delivery_experience: finished.length ? latest(finished, (s) => s.finished_at!)!.experience : null,
  };
}

describe('delivery tags and GPS on a synthetic retailer', () => {
  let lake: SyntheticLake;
  let cat: LakeCatalog;
  beforeAll(async () => {
    lake = await buildSyntheticLake(150, 75, 19);
    await refreshTags({ lakeDir: lake.lakeDir });
    cat = await openLakeCatalog(lake.lakeDir);
  });
  afterAll(() => {
    cat?.close();
    if (lake) fs.rmSync(lake.root, { recursive: true, force: true });
  });

  it('equal the ground truth for every customer, exactly for counts and medians', async () => {
    const truth = fs
      .readFileSync(path.join(lake.landingDir, 'ground_truth', 'deliveries.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ShipmentTruth);
    expect(truth.length).toBeGreaterThan(100);
    expect(truth.some((t) => t.experience === 'late') && truth.some((t) => t.failed_attempts_at.length > 0)).toBe(true);
    // Whose order each shipment ships, as the lake knows it (orders quarantined as dirty belong to nobody).
    const owners = new Map(
      ((await queryRows(cat.conn, `select order_id, customer_key from int_orders where source = 'online' and customer_key is not null`)) as { order_id: string; customer_key: string }[]).map((r) => [r.order_id, r.customer_key]),
    );
    const byCustomer = new Map<string, ShipmentTruth[]>();
    for (const t of truth) {
      const c = owners.get(t.order_id);
      if (c) byCustomer.set(c, [...(byCustomer.get(c) ?? []), t]);
    }
    const rows = (await queryRows(cat.conn, `select ${TAGS} from tag_deliveries order by customer_key`)) as unknown as TagRow[];
    expect(rows.length).toBe(byCustomer.size);
    let lateCustomers = 0;
    for (const r of rows) {
      const { customer_key, late_delivery_rate, ...rest } = r;
      const { late_delivery_rate: expectedRate, ...expected } = tagsFromTruth(byCustomer.get(customer_key) ?? []);
      expect(rest, customer_key).toEqual(expected);
      if (expectedRate === null) expect(late_delivery_rate).toBeNull();
      else expect(late_delivery_rate, customer_key).toBeCloseTo(expectedRate, 12);
      if (expectedRate) lateCustomers++;
    }
    expect(lateCustomers).toBeGreaterThan(5);
  });

  it('gives the report\'s late rate per month, carrier and region of the ground truth (src/report/data.ts)', async () => {
    const truth = fs
      .readFileSync(path.join(lake.landingDir, 'ground_truth', 'deliveries.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ShipmentTruth);
    const cells = new Map<string, { month: string; carrier: string; region: string; finished: number; late: number }>();
    for (const t of truth) {
      if (t.outcome === 'in_transit') continue;
      const month = t.finished_at!.slice(0, 7);
      const key = `${month}|${t.carrier}|${t.region}`;
      const c = cells.get(key) ?? { month, carrier: t.carrier, region: t.region, finished: 0, late: 0 };
      c.finished++;
      if (t.late) c.late++;
      cells.set(key, c);
    }
    const expected = [...cells.values()].sort((a, b) => (a.month + a.carrier + a.region < b.month + b.carrier + b.region ? -1 : 1));
    const d = await deliveriesSection(cat.conn, lake.lakeDir);
    expect(d.available).toBe(true);
    if (!d.available) return;
    expect(d.cells).toEqual(expected);
    expect(new Set(expected.map((c) => c.carrier)).size).toBeGreaterThan(3);
    expect(d.late).toBeGreaterThan(0);
    expect(d.late).toBeLessThan(d.finished);
  });

  it('holds no raw coordinate finer than the configured precision anywhere in curated (scan)', async () => {
    // Every GPS fix the carriers sent, from the raw event files.
    const fixes: { lat: number; lon: number }[] = [];
    const eventsDir = path.join(lake.landingDir, 'events');
    for (const f of fs.readdirSync(eventsDir).filter((x) => x.startsWith('delivery-'))) {
      for (const line of fs.readFileSync(path.join(eventsDir, f), 'utf8').split('\n')) {
        if (!line) continue;
        const loc = (JSON.parse(line) as { payload: { location?: { lat: number; lon: number } } }).payload.location;
        if (loc) fixes.push(loc);
      }
    }
    expect(fixes.length).toBeGreaterThan(500);
    // Coordinates to 3+ decimals (about 100 m) as text, the way any writer would print them.
    const needles = new Set<string>();
    for (const { lat, lon } of fixes) for (const v of [lat, lon]) if ((String(v).split('.')[1]?.length ?? 0) >= 3) needles.add(String(v));
    // Every cell of every column of every curated Parquet file, as text.
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else if (e.name.endsWith('.parquet')) files.push(path.join(d, e.name));
      }
    };
    walk(path.join(lake.lakeDir, 'curated'));
    expect(files.some((f) => f.includes(`${path.sep}source=delivery${path.sep}`))).toBe(true);
    const conn = await openDuckDB();
    const geohashes: string[] = [];
    let cells = 0;
    // One read per table (its files by list, not one query per file: hundreds of partitions).
    const tables = new Map<string, string[]>();
    for (const f of files) {
      const table = path.relative(path.join(lake.lakeDir, 'curated'), path.dirname(f)).split(path.sep).filter((c) => !c.includes('=')).join('/');
      tables.set(table, [...(tables.get(table) ?? []), f]);
    }
    try {
      for (const [f, list] of tables) {
        const rows = await queryRows(conn, `select * from read_parquet([${list.map(sqlString).join(', ')}], union_by_name = true, hive_partitioning = false)`);
        for (const row of rows) {
          for (const v of Object.values(row)) {
            if (v === null || v === undefined) continue;
            const text = typeof v === 'string' ? v : JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
            cells++;
            for (const m of text.matchAll(/-?\d{1,3}\.\d{3,}/g)) expect(needles.has(m[0]), `${f}: coordinate ${m[0]} in curated`).toBe(false);
            if (text.includes('"lat"') || text.includes('"lon"')) throw new Error(`${f}: a lat/lon field in curated: ${text.slice(0, 200)}`);
            for (const m of text.matchAll(/"geohash":"([^"]*)"/g)) geohashes.push(m[1]!);
          }
        }
      }
    } finally {
      conn.closeSync();
    }
    expect(cells).toBeGreaterThan(10_000);
    // Each fix left exactly one geohash, none finer than 5 characters, and each cell holds its fix.
    expect(geohashes.length).toBe(fixes.length);
    for (const g of geohashes) expect(g).toMatch(/^[0-9b-hjkmnp-z]{5}$/);
    const b = geohashBounds(geohashes[0]!);
    expect(b.latMax - b.latMin).toBeGreaterThan(0.04); // about 4.9 km
  });
});
