/**
 * replay --from quarantine: after a fix, records that now pass become clean exactly once and leave quarantine; records
 * that still fail stay, once, with replayed_at; a crash between the curated write and the quarantine rewrite heals.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ingestJsonl } from '../../src/ingest/local-pipeline.ts';
import { loadBatchTable } from '../../src/ingest/batch-tables.ts';
import { replayQuarantine } from '../../src/ingest/replay.ts';
import { importOrders, parseColumnMap, specPath } from '../../src/ingest/order-import.ts';
import { event } from '../cleanse/fixtures.ts';
import { sql, tempDir } from './lake.ts';

const tmp = tempDir('replay');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function catalogue(file: string, skus: string[]): string {
  fs.writeFileSync(file, 'sku,name,category,list_price,currency,is_active\n' + skus.map((s) => `${s},P ${s},Home,9.99,CNY,true`).join('\n') + '\n');
  return file;
}
const count = async (lake: string, q: string) => Number((await sql<{ n: number }>(lake, q))[0]!.n);

describe('replay of stream records', () => {
  const lake = path.join(tmp, 'stream');
  const products = path.join(tmp, 'products.csv');
  const events = path.join(tmp, 'events.jsonl');
  const lines = [
    JSON.stringify(event('online.order.v1')), // SKU-3 and SKU-1: SKU-3 not yet in the catalogue
    JSON.stringify(event('review.submitted.v1')), // SKU-3
    JSON.stringify(event('online.order.v2')), // SKU-3 and SKU-1
    JSON.stringify(event('pos.sale.v1')), // SKU-1, SKU-2: clean from the start
    '{"event_id": "broken',
  ];
  fs.writeFileSync(events, lines.join('\n') + '\n');

  it('quarantines the records whose SKU the catalogue does not know yet', async () => {
    await loadBatchTable('products', catalogue(products, ['SKU-1', 'SKU-2']), { lakeDir: lake });
    const c = await ingestJsonl([events], { lakeDir: lake });
    expect(c).toEqual({ received: 5, clean: 1, quarantined: 4, duplicates: 0, suppressed: 0, resent: 0, byReason: { 'reference.unknown_sku': 3, 'json.malformed': 1 } });
  });

  it('replays only the chosen reason; what now passes becomes clean and leaves quarantine', async () => {
    await loadBatchTable('products', catalogue(products, ['SKU-1', 'SKU-2', 'SKU-3']), { lakeDir: lake });
    const backup = path.join(tmp, 'quarantine-before');
    fs.cpSync(path.join(lake, 'quarantine', 'events'), backup, { recursive: true });

    const c = await replayQuarantine({ lakeDir: lake, reason: 'reference.unknown_sku' });
    expect(c).toEqual({ received: 3, clean: 3, quarantined: 0, duplicates: 0, suppressed: 0, byReason: {} });
    expect(await count(lake, 'SELECT count(*) AS n FROM curated_events')).toBe(4);
    expect(await count(lake, "SELECT count(*) AS n FROM curated_order_lines WHERE event_id = 'web-20240302-7782'")).toBe(2);
    expect(await sql(lake, 'SELECT reason_code FROM quarantine_events')).toEqual([{ reason_code: 'json.malformed' }]);

    // A crash after the curated write but before the quarantine rewrite: the old quarantine files come back.
    fs.rmSync(path.join(lake, 'quarantine', 'events'), { recursive: true });
    fs.cpSync(backup, path.join(lake, 'quarantine', 'events'), { recursive: true });
    const healed = await replayQuarantine({ lakeDir: lake, reason: 'reference.unknown_sku' });
    expect(healed).toEqual({ received: 3, clean: 0, quarantined: 0, duplicates: 3, suppressed: 0, byReason: {} });
    expect(await count(lake, 'SELECT count(*) AS n FROM curated_events')).toBe(4);
    expect(await count(lake, 'SELECT count(*) AS n FROM quarantine_events')).toBe(1);
  });

  it('keeps what still fails once, marked replayed_at, with its current reason', async () => {
    const now = new Date('2030-01-02T03:04:05Z');
    const c = await replayQuarantine({ lakeDir: lake, now });
    expect(c).toEqual({ received: 1, clean: 0, quarantined: 1, duplicates: 0, suppressed: 0, byReason: { 'json.malformed': 1 } });
    const again = await replayQuarantine({ lakeDir: lake, now });
    expect(again).toEqual(c);
    const rows = await sql<{ replayed: string; origin: string }>(lake, "SELECT strftime(replayed_at, '%Y-%m-%dT%H:%M:%S') AS replayed, origin FROM quarantine_events");
    expect(rows).toEqual([{ replayed: '2030-01-02T03:04:05', origin: 'kinesis:local-events.jsonl:00000000000000000005' }]);
  });

  it('replaying twice does not double anything, and the file fed again is all duplicates', async () => {
    expect(await replayQuarantine({ lakeDir: lake, reason: 'reference.unknown_sku' })).toEqual({ received: 0, clean: 0, quarantined: 0, duplicates: 0, suppressed: 0, byReason: {} });
    expect(await ingestJsonl([events], { lakeDir: lake })).toEqual({ received: 5, clean: 0, quarantined: 0, duplicates: 5, suppressed: 0, resent: 0, byReason: {} });
    expect(await count(lake, 'SELECT count(*) AS n FROM curated_events')).toBe(4);
    expect(await count(lake, 'SELECT count(*) AS n FROM quarantine_events')).toBe(1);
  });

  it('refuses an unknown reason code, naming the valid ones', async () => {
    await expect(replayQuarantine({ lakeDir: lake, reason: 'sku.unknown' })).rejects.toThrow(/reference\.unknown_sku/);
  });
});

describe('replay of imported rows', () => {
  const lake = path.join(tmp, 'import');
  const csv = path.join(tmp, 'old-orders.csv');
  fs.writeFileSync(csv, 'order,time,sku,qty,price,customer\nA1,1985-06-01 10:00:00,S1,1,5,C1\nA1,1985-06-01 10:00:00,S2,2,3,C1\nA2,2010-06-01 10:00:00,S1,1,5,C2\nA3,2010-06-01 10:00:00,S1,lots,5,C2\n');
  const map = parseColumnMap('order_id=order,ordered_at=time,sku=sku,quantity=qty,unit_price=price,customer_id=customer');

  it('re-reads rows with the settings they were imported with; after the settings are fixed they pass once', async () => {
    const c = await importOrders([csv], { lakeDir: lake, map, currency: 'GBP', timeZone: 'Europe/London' });
    expect(c).toEqual({ received: 4, clean: 1, quarantined: 3, duplicates: 0, suppressed: 0, byReason: { 'timestamp.implausible': 2, 'value.invalid_format': 1 } });
    expect(await replayQuarantine({ lakeDir: lake })).toMatchObject({ received: 3, clean: 0, quarantined: 3 });

    // The operator decides 1985 orders are real: the stored settings of that import get an earlier bound.
    const [specFile] = fs.readdirSync(path.dirname(specPath(lake, 'x')));
    const p = path.join(path.dirname(specPath(lake, 'x')), specFile!);
    fs.writeFileSync(p, JSON.stringify({ ...JSON.parse(fs.readFileSync(p, 'utf8')), earliest: '1980-01-01' }));

    expect(await replayQuarantine({ lakeDir: lake })).toEqual({ received: 3, clean: 2, quarantined: 1, duplicates: 0, suppressed: 0, byReason: { 'value.invalid_format': 1 } });
    expect(await replayQuarantine({ lakeDir: lake })).toEqual({ received: 1, clean: 0, quarantined: 1, duplicates: 0, suppressed: 0, byReason: { 'value.invalid_format': 1 } });
    const lines = await sql(lake, "SELECT order_id, line_number, sku, line_amount, member_id FROM curated_order_lines ORDER BY order_id, line_number");
    expect(lines).toEqual([
      { order_id: 'A1', line_number: 1, sku: 'S1', line_amount: '5.00', member_id: 'C1' },
      { order_id: 'A1', line_number: 2, sku: 'S2', line_amount: '6.00', member_id: 'C1' },
      { order_id: 'A2', line_number: 1, sku: 'S1', line_amount: '5.00', member_id: 'C2' },
    ]);
    // Imported again with the corrected settings: everything is a duplicate, the row that still fails included.
    expect(await importOrders([csv], { lakeDir: lake, map, currency: 'GBP', timeZone: 'Europe/London', earliest: '1980-01-01' })).toMatchObject({ clean: 0, duplicates: 4 });
    expect(await count(lake, 'SELECT count(*) AS n FROM quarantine_events')).toBe(1);
  });

  it('a re-import with a corrected --date-format takes the rows it now accepts out of quarantine', async () => {
    const lake2 = path.join(tmp, 'import-date');
    const file = path.join(tmp, 'us-dates.csv');
    fs.writeFileSync(file, 'order,time,sku,qty,price\nU1,12/25/2023 10:00,S1,1,5\nU2,12/26/2023 11:30,S1,2,5\nU3,garbage,S1,1,5\n');
    const m = parseColumnMap('order_id=order,ordered_at=time,sku=sku,quantity=qty,unit_price=price');
    expect(await importOrders([file], { lakeDir: lake2, map: m, dateFormat: 'DD/MM/YYYY HH:mm' })).toMatchObject({ clean: 0, quarantined: 3 });
    expect(await importOrders([file], { lakeDir: lake2, map: m, dateFormat: 'MM/DD/YYYY HH:mm' })).toEqual({
      received: 3,
      clean: 2,
      quarantined: 0,
      duplicates: 1,
      suppressed: 0,
      byReason: {},
    });
    expect(await sql(lake2, 'SELECT reason_code FROM quarantine_events')).toEqual([{ reason_code: 'timestamp.invalid' }]);
    expect(await count(lake2, 'SELECT count(*) AS n FROM curated_order_lines')).toBe(2);
  });
});
