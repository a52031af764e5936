/**
 * A header that names a column twice is refused by every CSV reader, naming the column, before anything is written:
 * otherwise `--map price=Price` (or load-table's fixed names) silently reads the first of the two.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importOrders, parseColumnMap } from '../../src/ingest/order-import.ts';
import { importReviews, importSeries, parseFieldMap, REVIEW_FIELDS, SERIES_FIELDS } from '../../src/ingest/table-import.ts';
import { loadBatchTable } from '../../src/ingest/batch-tables.ts';
import { IngestError } from '../../src/ingest/errors.ts';
import { tempDir } from './lake.ts';

const tmp = tempDir('dup-headers');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
};
/** Nothing of the lake was written (the refusal comes before the sink). */
const untouched = (lake: string) => expect(fs.existsSync(path.join(lake, 'curated'))).toBe(false);

describe('duplicate CSV headers', () => {
  it('rejects an order export with two UnitPrice columns', async () => {
    const lake = path.join(tmp, 'orders');
    // The second UnitPrice is the real one (0.85); reading the first (99) would inflate revenue.
    const csv = file('orders.csv', 'InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID,UnitPrice\n536365,85123A,6,2010-12-01 08:26:00,99,17850,0.85\n');
    const map = parseColumnMap('order_id=InvoiceNo,sku=StockCode,quantity=Quantity,ordered_at=InvoiceDate,unit_price=UnitPrice,customer_id=CustomerID');
    const err = await importOrders([csv], { lakeDir: lake, map, currency: 'GBP', timeZone: 'Europe/London' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IngestError);
    expect((err as Error).message).toBe(`${csv}: the header names column "UnitPrice" twice (columns 5 and 7); rename one so it is clear which to read`);
    untouched(lake);
  });

  it('rejects names that differ only in case or spaces, as --map matches them', async () => {
    const lake = path.join(tmp, 'orders-case');
    const csv = file('orders-case.csv', 'InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID, unitprice \n536365,85123A,6,2010-12-01 08:26:00,99,17850,0.85\n');
    const map = parseColumnMap('order_id=InvoiceNo,sku=StockCode,quantity=Quantity,ordered_at=InvoiceDate,unit_price=UnitPrice,customer_id=CustomerID');
    await expect(importOrders([csv], { lakeDir: lake, map, currency: 'GBP' })).rejects.toThrow(/names column "unitprice" twice \(columns 5 and 7\)/);
    untouched(lake);
  });

  it('accepts several blank header cells (trailing delimiters)', async () => {
    const lake = path.join(tmp, 'orders-blank');
    const csv = file('orders-blank.csv', 'InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID,,\n536365,85123A,6,2010-12-01 08:26:00,2.55,17850,,\n');
    const map = parseColumnMap('order_id=InvoiceNo,sku=StockCode,quantity=Quantity,ordered_at=InvoiceDate,unit_price=UnitPrice,customer_id=CustomerID');
    expect(await importOrders([csv], { lakeDir: lake, map, currency: 'GBP' })).toMatchObject({ received: 1, clean: 1 });
  });

  it('rejects a review export with two text columns', async () => {
    const lake = path.join(tmp, 'reviews');
    const csv = file('reviews.csv', 'id,stars,body,body\nr1,5,placeholder,Love it\n');
    const map = parseFieldMap('review_id=id,rating=stars,text=body', REVIEW_FIELDS, ['text', 'rating|label']);
    await expect(importReviews([csv], { lakeDir: lake, map })).rejects.toThrow(`${csv}: the header names column "body" twice (columns 3 and 4)`);
    untouched(lake);
  });

  it('rejects a series export with two value columns', async () => {
    const lake = path.join(tmp, 'series');
    const csv = file('series.csv', 'Store,Date,Weekly_Sales,Weekly_Sales\n1,05/02/10,100.5,7\n');
    const map = parseFieldMap('series_id=Store,date=Date,value=Weekly_Sales', SERIES_FIELDS, ['series_id', 'date', 'value']);
    await expect(importSeries([csv], { lakeDir: lake, map, dateFormat: 'DD/MM/YY' })).rejects.toThrow(`${csv}: the header names column "Weekly_Sales" twice (columns 3 and 4)`);
    untouched(lake);
  });

  it('rejects a load-table file with two sku columns', async () => {
    const lake = path.join(tmp, 'products');
    const csv = file('products.csv', 'sku,name,category,list_price,currency,is_active,sku\nOLD-1,Mug,Home,1.00,CNY,true,SKU-1\n');
    await expect(loadBatchTable('products', csv, { lakeDir: lake })).rejects.toThrow(`${csv}: the header names column "sku" twice (columns 1 and 7)`);
    untouched(lake);
  });
});
