/**
 * import-orders on small copies of real exports (test/fixtures/online-retail, test/fixtures/cdnow): counts reconcile,
 * and a few customers' order counts and revenue match values computed here from the raw files, independently of the
 * importer (DuckDB's CSV reader for UCI, a plain split for CDNOW).
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { importOrders, parseColumnMap } from '../../src/ingest/order-import.ts';
import { ImportError } from '../../src/ingest/errors.ts';
import { FIXTURES, sql, tempDir } from './lake.ts';

const UCI = path.join(FIXTURES, 'online-retail', 'online_retail_head2000.csv.gz');
const CDNOW_MASTER = path.join(FIXTURES, 'cdnow', 'CDNOW_master_head300.txt');
const CDNOW_SAMPLE = path.join(FIXTURES, 'cdnow', 'CDNOW_sample.txt');
const UCI_MAP = parseColumnMap('order_id=InvoiceNo,sku=StockCode,description=Description,quantity=Quantity,ordered_at=InvoiceDate,unit_price=UnitPrice,customer_id=CustomerID,country=Country');
const tmp = tempDir('import');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const round2 = (n: number) => Math.round(n * 100) / 100;

interface CustomerFigures {
  orders: number;
  revenue: number;
}

/** Per customer, from the raw UCI file: distinct non-cancellation invoices and sum(quantity * price) incl. returns. */
async function uciExpected(): Promise<{ byCustomer: Map<string, CustomerFigures>; rows: number; noCustomer: number; returns: number; outliers: number }> {
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  const rows = (
    await conn.runAndReadAll(
      `SELECT InvoiceNo AS inv, CAST(Quantity AS BIGINT) AS q, CAST(UnitPrice AS DOUBLE) AS p, CustomerID AS c
       FROM read_csv('${UCI}', header = true, all_varchar = true)`,
    )
  ).getRowObjectsJson() as Array<{ inv: string; q: string; p: number; c: string | null }>;
  conn.closeSync();
  const byCustomer = new Map<string, { invoices: Set<string>; revenue: number }>();
  let noCustomer = 0;
  let returns = 0;
  let outliers = 0;
  for (const r of rows) {
    const q = Number(r.q);
    if (Math.abs(q) > 10_000) {
      outliers++;
      continue;
    }
    if (q < 0) returns++;
    if (!r.c) {
      noCustomer++;
      continue;
    }
    const id = String(Math.trunc(Number(r.c)));
    const f = byCustomer.get(id) ?? { invoices: new Set<string>(), revenue: 0 };
    if (!r.inv.startsWith('C')) f.invoices.add(r.inv);
    f.revenue += q * r.p;
    byCustomer.set(id, f);
  }
  return {
    byCustomer: new Map([...byCustomer].map(([k, v]) => [k, { orders: v.invoices.size, revenue: round2(v.revenue) }])),
    rows: rows.length,
    noCustomer,
    returns,
    outliers,
  };
}

async function lakeFigures(lake: string, ids: string[]): Promise<Map<string, CustomerFigures>> {
  const rows = await sql<{ member_id: string; orders: number; revenue: string }>(
    lake,
    `SELECT member_id, count(DISTINCT order_id) FILTER (WHERE NOT is_return) AS orders, sum(line_amount) AS revenue
     FROM curated_order_lines WHERE source = 'import' AND member_id IN (${ids.map((i) => `'${i}'`).join(', ')}) GROUP BY 1`,
  );
  return new Map(rows.map((r) => [r.member_id, { orders: Number(r.orders), revenue: round2(Number(r.revenue)) }]));
}

describe('import-orders: UCI Online Retail export', () => {
  const lake = path.join(tmp, 'uci');

  it('imports every row once: clean, or quarantined with its reason (the 74,215-jar order and its cancellation)', async () => {
    const expected = await uciExpected();
    const counts = await importOrders([UCI], { lakeDir: lake, map: UCI_MAP, currency: 'GBP', timeZone: 'Europe/London' });
    expect(counts).toEqual({
      received: expected.rows,
      clean: expected.rows - expected.outliers,
      quarantined: expected.outliers,
      duplicates: 0,
      suppressed: 0,
      byReason: { 'value.out_of_range': expected.outliers },
    });
    const [q] = await sql<{ n: number; fields: string }>(lake, `SELECT count(*)::INT AS n, string_agg(DISTINCT field_path) AS fields FROM quarantine_events`);
    expect(q).toEqual({ n: 2, fields: 'quantity' });
    const [t] = await sql<{ lines: number; anonymous: number; returns: number; members: number }>(
      lake,
      `SELECT count(*)::INT AS lines, count(*) FILTER (WHERE member_id IS NULL)::INT AS anonymous, count(*) FILTER (WHERE is_return)::INT AS returns,
              count(DISTINCT member_id) FILTER (WHERE member_id LIKE '%.%')::INT AS members
       FROM curated_order_lines`,
    );
    expect(t).toEqual({ lines: expected.rows - expected.outliers, anonymous: expected.noCustomer, returns: expected.returns, members: 0 });
  });

  it("matches several customers' order counts and revenue computed from the raw file", async () => {
    const expected = await uciExpected();
    const ids = ['17850', '17968', '17920', '12433', '14527', '15311'];
    const got = await lakeFigures(lake, ids);
    for (const id of ids) expect(got.get(id), `customer ${id}`).toEqual(expected.byCustomer.get(id));
    expect([...expected.byCustomer.values()].some((f) => f.orders > 1)).toBe(true);
  });

  it('turns a cancellation invoice into returned lines with negative quantity and amount', async () => {
    const rows = await sql(lake, `SELECT order_id, order_status, is_return, quantity, line_amount, member_id, currency, channel, store_id
                                  FROM curated_order_lines WHERE order_id = 'C536379'`);
    expect(rows).toEqual([{ order_id: 'C536379', order_status: 'returned', is_return: true, quantity: -1, line_amount: '-27.50', member_id: '14527', currency: 'GBP', channel: 'online', store_id: 'ONLINE' }]);
  });

  it('reads local times in the export time zone (GMT in December)', async () => {
    const [r] = await sql<{ t: string }>(lake, `SELECT strftime(min(occurred_at), '%Y-%m-%dT%H:%M:%S') AS t FROM curated_order_lines`);
    expect(r!.t).toBe('2010-12-01T08:26:00');
  });

  it('counts the same file imported again as duplicates, the quarantined rows included', async () => {
    const counts = await importOrders([UCI], { lakeDir: lake, map: UCI_MAP, currency: 'GBP', timeZone: 'Europe/London' });
    expect(counts).toMatchObject({ clean: 0, quarantined: 0, duplicates: counts.received });
  });

  it('counts a renamed copy (an overlapping export) as duplicates too', async () => {
    const copy = path.join(tmp, 'renamed-export.csv');
    fs.writeFileSync(copy, zlib.gunzipSync(fs.readFileSync(UCI)));
    const counts = await importOrders([copy], { lakeDir: lake, map: UCI_MAP, currency: 'GBP', timeZone: 'Europe/London' });
    expect(counts).toMatchObject({ clean: 0, quarantined: 0, duplicates: counts.received });
    const [n] = await sql<{ n: number }>(lake, 'SELECT count(*) AS n FROM curated_order_lines');
    expect(Number(n!.n)).toBe(counts.received - 2);
  });

  it('keeps byte-identical lines of one invoice as separate lines (two scans of one item)', async () => {
    const text = zlib.gunzipSync(fs.readFileSync(UCI)).toString('utf8').split('\n');
    const repeated = text.filter((l, i) => l && text.indexOf(l) !== i);
    expect(repeated.length).toBeGreaterThan(0);
    const [inv, sku] = repeated[0]!.split(',');
    const inFile = text.filter((l) => l.startsWith(`${inv},${sku},`)).length;
    expect(text.filter((l) => l === repeated[0]).length).toBeGreaterThan(1);
    const [n] = await sql<{ n: number }>(lake, `SELECT count(*)::INT AS n FROM curated_order_lines WHERE order_id = '${inv}' AND sku = '${sku}'`);
    expect(n!.n).toBe(inFile);
  });
});

describe('import-orders: CDNOW logs', () => {
  const lake = path.join(tmp, 'cdnow');

  /** Independent read: trim, split on blanks; an order is a customer's day. */
  function cdnowExpected(file: string, header: boolean, cols: { c: number; d: number; q: number; a: number }) {
    const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l.trim());
    const data = header ? lines.slice(1) : lines;
    const by = new Map<string, { days: Set<string>; revenue: number; cds: number }>();
    for (const l of data) {
      const f = l.trim().split(/\s+/);
      const c = by.get(f[cols.c]!) ?? { days: new Set<string>(), revenue: 0, cds: 0 };
      c.days.add(f[cols.d]!);
      c.revenue += Number(f[cols.a]);
      c.cds += Number(f[cols.q]);
      by.set(f[cols.c]!, c);
    }
    return { rows: data.length, orders: [...by.values()].reduce((s, c) => s + c.days.size, 0), by };
  }

  it('imports the master log (header, blanks, CRLF, YYYYMMDD, amount = line total) with one order per customer per day', async () => {
    const exp = cdnowExpected(CDNOW_MASTER, true, { c: 0, d: 1, q: 2, a: 3 });
    const counts = await importOrders([CDNOW_MASTER], {
      lakeDir: lake,
      map: parseColumnMap('customer_id=customer_id,ordered_at=date,quantity=number_of_cds,amount=dollar_value'),
      delimiter: 'whitespace',
      dateFormat: 'YYYYMMDD',
      currency: 'USD',
      timeZone: 'America/New_York',
    });
    expect(counts).toEqual({ received: exp.rows, clean: exp.rows, quarantined: 0, duplicates: 0, suppressed: 0, byReason: {} });
    const [t] = await sql<{ orders: number; dts: number }>(lake, `SELECT count(DISTINCT order_id) AS orders, count(*) FILTER (WHERE strftime(occurred_at, '%Y%m%d') <> regexp_extract(order_id, '-(\\d{8})$', 1)) AS dts FROM curated_order_lines`);
    expect(Number(t!.orders)).toBe(exp.orders);
    expect(Number(t!.dts)).toBe(0);
    const ids = [...exp.by.keys()].filter((k) => exp.by.get(k)!.days.size > 1).slice(0, 4);
    expect(ids.length).toBe(4);
    const got = await lakeFigures(lake, ids);
    for (const id of ids) expect(got.get(id), `customer ${id}`).toEqual({ orders: exp.by.get(id)!.days.size, revenue: round2(exp.by.get(id)!.revenue) });
    const [u] = await sql<{ cds: number }>(lake, `SELECT sum(quantity) AS cds FROM curated_order_lines WHERE member_id = '${ids[0]}'`);
    expect(Number(u!.cds)).toBe(exp.by.get(ids[0]!)!.cds);
  });

  it('imports the headerless sample by column position', async () => {
    const sampleLake = path.join(tmp, 'cdnow-sample');
    const exp = cdnowExpected(CDNOW_SAMPLE, false, { c: 0, d: 2, q: 3, a: 4 });
    const counts = await importOrders([CDNOW_SAMPLE], {
      lakeDir: sampleLake,
      map: parseColumnMap('customer_id=1,ordered_at=3,quantity=4,amount=5'),
      header: false,
      delimiter: 'whitespace',
      dateFormat: 'YYYYMMDD',
      currency: 'USD',
      timeZone: 'America/New_York',
    });
    expect(counts).toMatchObject({ received: exp.rows, clean: exp.rows, quarantined: 0 });
    const [t] = await sql<{ orders: number; customers: number; revenue: string }>(sampleLake, `SELECT count(DISTINCT order_id) AS orders, count(DISTINCT member_id) AS customers, sum(line_amount) AS revenue FROM curated_order_lines`);
    expect(Number(t!.orders)).toBe(exp.orders);
    expect(Number(t!.customers)).toBe(exp.by.size);
    expect(round2(Number(t!.revenue))).toBe(round2([...exp.by.values()].reduce((s, c) => s + c.revenue, 0)));
  });
});

describe('import-orders options', () => {
  const csv = path.join(tmp, 'small.csv');
  fs.writeFileSync(csv, 'Datum;Bon;Kunde;Artikel;Menge;Preis;Filiale;Kanal\n01/03/24 14:05;B1;K1;A-1;2;3.50;B01;store\n02/03/24 09:00;B2;;A-2;1;10;ONLINE;web\n');

  it('reads another layout: ; delimiter, DD/MM/YY HH:mm, store and channel columns', async () => {
    const lake = path.join(tmp, 'options');
    const counts = await importOrders([csv], {
      lakeDir: lake,
      map: parseColumnMap('ordered_at=Datum,order_id=Bon,customer_id=Kunde,sku=Artikel,quantity=Menge,unit_price=Preis,store_id=Filiale,channel=Kanal'),
      delimiter: ';',
      dateFormat: 'DD/MM/YY HH:mm',
      currency: 'EUR',
      timeZone: 'Europe/Berlin',
    });
    expect(counts).toMatchObject({ received: 2, clean: 2 });
    const rows = await sql(lake, `SELECT order_id, strftime(occurred_at, '%Y-%m-%d %H:%M') AS t, store_id, channel, member_id, line_amount FROM curated_order_lines ORDER BY 1`);
    expect(rows).toEqual([
      { order_id: 'B1', t: '2024-03-01 13:05', store_id: 'B01', channel: 'store', member_id: 'K1', line_amount: '7.00' },
      { order_id: 'B2', t: '2024-03-02 08:00', store_id: 'ONLINE', channel: 'online', member_id: null, line_amount: '10.00' },
    ]);
  });

  it.each([
    ['an unknown field', 'customer=1,ordered_at=2,amount=3', /unknown field "customer"/],
    ['no order time', 'customer_id=1,amount=3', /ordered_at=COLUMN/],
    ['neither price nor amount', 'customer_id=1,ordered_at=2', /unit_price=COLUMN or amount=COLUMN/],
    ['a field mapped twice', 'ordered_at=1,ordered_at=2,amount=3', /mapped twice/],
  ])('rejects a --map with %s', (_what, spec, msg) => {
    expect(() => parseColumnMap(spec)).toThrow(msg);
  });

  it('keeps two lines of one invoice that differ only in their description; a re-import of the file adds nothing', async () => {
    const lake = path.join(tmp, 'descriptions');
    const file = path.join(tmp, 'descriptions.csv');
    // Same invoice, SKU, quantity, price, time and customer; only the description differs: two lines, 2 x 3.00 each.
    fs.writeFileSync(
      file,
      'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID\n' +
        '900001,ABC,RED MUG,2,2011-01-05 10:00:00,3.00,17850\n' +
        '900001,ABC,BLUE MUG,2,2011-01-05 10:00:00,3.00,17850\n',
    );
    const map = parseColumnMap('order_id=InvoiceNo,sku=StockCode,description=Description,quantity=Quantity,ordered_at=InvoiceDate,unit_price=UnitPrice,customer_id=CustomerID');
    const opts = { lakeDir: lake, map, currency: 'GBP', timeZone: 'Europe/London' };
    expect(await importOrders([file], opts)).toMatchObject({ received: 2, clean: 2, duplicates: 0 });
    expect(await importOrders([file], opts)).toMatchObject({ received: 2, clean: 0, duplicates: 2 });
    const rows = await sql(lake, 'SELECT description, line_amount FROM curated_order_lines ORDER BY description');
    expect(rows).toEqual([
      { description: 'BLUE MUG', line_amount: '6.00' },
      { description: 'RED MUG', line_amount: '6.00' },
    ]);
  });

  it('fails before writing anything when a mapped column is not in the header, naming the columns it has', async () => {
    const lake = path.join(tmp, 'bad-map');
    await expect(importOrders([csv], { lakeDir: lake, map: parseColumnMap('ordered_at=Date,amount=Preis'), delimiter: ';' })).rejects.toThrow(/no column "Date".*"Datum"/);
    expect(fs.existsSync(path.join(lake, 'curated'))).toBe(false);
  });

  it('rejects an unknown currency, time zone, position or date format', async () => {
    const map = parseColumnMap('ordered_at=1,amount=2');
    await expect(importOrders([csv], { lakeDir: tmp, map, currency: 'XYZ' })).rejects.toThrow(ImportError);
    await expect(importOrders([csv], { lakeDir: tmp, map, timeZone: 'Europe/Atlantis' })).rejects.toThrow(/Europe\/Atlantis/);
    await expect(importOrders([csv], { lakeDir: tmp, map: parseColumnMap('ordered_at=0,amount=2'), header: false })).rejects.toThrow(/1-based/);
    await expect(importOrders([csv], { lakeDir: tmp, map, dateFormat: 'HH:mm' })).rejects.toThrow(/needs a year/);
  });
});
