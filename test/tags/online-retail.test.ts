/**
 * The Online Retail slice end to end, as a user would run it: import-orders, tags --as-of, then customer_tags by
 * member id. Each customer's orders, revenue and recency are recomputed here from the raw file, independently of the
 * pipeline. import-orders runs as a child process (the one smoke test of the real entry point); tags and its error
 * path run the CLI's main in this process, and the checks read the lake through the catalog directly.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundRows } from '../../src/report/lake-read.ts';
import { openLakeCatalog, type LakeCatalog } from '../../src/lake/local-catalog.ts';
import { runCli, runCliInProcess } from '../helpers/cli.ts';

const FILE = path.join(import.meta.dirname, 'fixtures', 'online-retail', 'online_retail_customers_mod50_7.csv.gz');
const MAP = 'order_id=InvoiceNo,sku=StockCode,description=Description,quantity=Quantity,ordered_at=InvoiceDate,unit_price=UnitPrice,customer_id=CustomerID,country=Country';
const AS_OF = '2011-02-28';

interface Expected {
  orders: number;
  revenue: number;
  lastOrderDate: string;
  /** null for a customer whose only lines in the slice are a cancellation (a return of an older purchase). */
  recencyDays: number | null;
}

/** RFC 4180 fields of one line (quoted fields may hold commas and doubled quotes). */
function fields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Per customer, from the raw export: invoices with a bought line, sum of quantity x price, last purchase day. */
function expectedFromRawFile(): Map<string, Expected> {
  const [header, ...lines] = zlib.gunzipSync(fs.readFileSync(FILE)).toString('utf8').trim().split('\n');
  const col = Object.fromEntries(fields(header!).map((h, i) => [h, i]));
  const acc = new Map<string, { invoices: Set<string>; cents: number; last: string }>();
  for (const line of lines) {
    const f = fields(line);
    const id = f[col.CustomerID!]!;
    if (!id) continue;
    const member = String(Math.round(Number(id)));
    const a = acc.get(member) ?? { invoices: new Set<string>(), cents: 0, last: '' };
    const qty = Number(f[col.Quantity!]);
    a.cents += Math.round(qty * Number(f[col.UnitPrice!]) * 100);
    if (qty > 0) {
      a.invoices.add(f[col.InvoiceNo!]!);
      const day = f[col.InvoiceDate!]!.slice(0, 10); // London winter time is UTC
      if (day > a.last) a.last = day;
    }
    acc.set(member, a);
  }
  const days = (a: string, b: string) => Math.round((Date.parse(b) - Date.parse(a)) / 86_400_000);
  return new Map(
    [...acc].map(([m, a]) => [m, { orders: a.invoices.size, revenue: a.cents / 100, lastOrderDate: a.last, recencyDays: a.last ? days(a.last, AS_OF) : null }]),
  );
}

let lakeDir: string;
let expected: Map<string, Expected>;
let tagsRun: Awaited<ReturnType<typeof runCliInProcess>>;
let cat: LakeCatalog;

beforeAll(async () => {
  lakeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-uci-'));
  expected = expectedFromRawFile();
  const imported = runCli(['import-orders', FILE, '--currency', 'GBP', '--timezone', 'Europe/London', '--map', MAP, '--lake', lakeDir, '--json']);
  expect(imported.status, imported.stderr).toBe(0);
  expect(imported.json()).toMatchObject({ received: expect.any(Number) });
  tagsRun = await runCliInProcess(['tags', '--as-of', AS_OF, '--lake', lakeDir, '--json']);
  cat = await openLakeCatalog(lakeDir);
}, 120_000);

afterAll(() => {
  cat?.close();
  fs.rmSync(lakeDir, { recursive: true, force: true });
});

describe('tags on the imported Online Retail slice', () => {
  it('materialises customer_tags as of a date and answers a query by member id with independently computed figures', async () => {
    expect(tagsRun.status, tagsRun.stderr).toBe(0);
    const purchasers = [...expected.values()].filter((e) => e.orders > 0).length;
    expect(tagsRun.json()).toMatchObject({ asOf: AS_OF, customers: expected.size, purchasers });

    // The customer with most invoices, looked up by member id.
    const [member, e] = [...expected].sort((a, b) => b[1].orders - a[1].orders || a[0].localeCompare(b[0]))[0]!;
    const rows = await boundRows(cat.conn, 'select * from customer_tags where member_id = $1', [member]);
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect({
      orders: Number(row.orders_total),
      revenue: Number(row.net_revenue_total),
      last: String(row.last_order_at).slice(0, 10),
      recency: row.recency_days,
    }).toEqual({ orders: e.orders, revenue: e.revenue, last: e.lastOrderDate, recency: e.recencyDays });
    expect(row).toMatchObject({ as_of_date: AS_OF, customer_key: expect.stringMatching(/^ck_[0-9a-f]{20}$/) });
  });

  it('agrees with the raw file for every customer, and leaves lines without a customer id to no one', async () => {
    const all = await boundRows(cat.conn, 'select member_id, orders_total, net_revenue_total, recency_days from customer_tags');
    expect(all).toHaveLength(expected.size);
    const actual = new Map(all.map((r) => [String(r.member_id), r]));
    for (const [member, e] of expected) {
      const r = actual.get(member);
      expect([member, Number(r?.orders_total), Number(r?.net_revenue_total), r?.recency_days]).toEqual([member, e.orders, e.revenue, e.recencyDays]);
    }
    const anon = await boundRows(cat.conn, 'select count(*) as n from int_order_lines where customer_key is null');
    expect(Number(anon[0]!.n)).toBe(60);
  });

  it('rejects an --as-of that is not a calendar day, naming what it received', async () => {
    const r = await runCliInProcess(['tags', '--as-of', '2011-02-30', '--lake', lakeDir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--as-of expects a calendar day as YYYY-MM-DD, received "2011-02-30"');
    expect(r.stderr).not.toContain('    at ');
  });
});
