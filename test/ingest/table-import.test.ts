/** import-series and import-reviews: reconciled counts, idempotent re-import, bad rows counted by reason, TSV read per line. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ImportError } from '../../src/ingest/errors.ts';
import { DEMAND_SERIES_COLUMNS, IMPORTED_REVIEW_COLUMNS, importReviews, importSeries, parseFieldMap, REVIEW_FIELDS, SERIES_FIELDS } from '../../src/ingest/table-import.ts';
import { readRows } from '../../src/score/parquet.ts';
import { tempDir } from './lake.ts';

const tmp = tempDir('table-import');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
};
const reconciles = (c: { received: number; clean: number; quarantined: number; duplicates: number }) =>
  expect(c.received).toBe(c.clean + c.quarantined + c.duplicates);

describe('import-series', () => {
  const map = parseFieldMap('series_id=Store,date=Date,value=Weekly_Sales,holiday=Holiday_Flag', SERIES_FIELDS, ['series_id', 'date', 'value']);
  it('writes demand_series with dd/mm/yy dates, counts bad rows, and adds nothing on a second import', async () => {
    const lake = path.join(tmp, 'lake-series');
    const csv = file('w.csv', 'Store,Date,Weekly_Sales,Holiday_Flag\n1,05/02/10,100.5,0\n1,12/02/10,200,1\n2,05/02/10,7,0\n2,31/02/10,7,0\n3,05/02/10,abc,0\n1,05/02/10,999,0\n');
    const c = await importSeries([csv], { lakeDir: lake, map, dateFormat: 'DD/MM/YY' });
    expect(c).toEqual({ received: 6, clean: 3, quarantined: 2, duplicates: 1, suppressed: 0, byReason: { INVALID_DATE: 1, INVALID_VALUE: 1 } });
    const rows = (await readRows(lake, 'demand_series', DEMAND_SERIES_COLUMNS)).sort((a, b) => `${a.series_id}${a.period_start}`.localeCompare(`${b.series_id}${b.period_start}`));
    expect(rows.map((r) => [r.series_id, String(r.period_start).slice(0, 10), r.value, r.is_holiday])).toEqual([
      ['1', '2010-02-05', 100.5, false],
      ['1', '2010-02-12', 200, true],
      ['2', '2010-02-05', 7, false],
    ]);
    const again = await importSeries([csv], { lakeDir: lake, map, dateFormat: 'DD/MM/YY' });
    reconciles(again);
    expect(again.clean).toBe(0);
    expect(again.duplicates).toBe(4);
  });
  it('requires series_id, date and value in --map', () => {
    expect(() => parseFieldMap('series_id=a,value=b', SERIES_FIELDS, ['series_id', 'date', 'value'])).toThrow(ImportError);
  });
});

describe('import-reviews', () => {
  it('reads tab-separated label files line by line (bare quotes do not merge lines)', async () => {
    const lake = path.join(tmp, 'lake-reviews');
    const tsv = file('r.txt', 'Great "phone.\t1\nTerrible, broke in a day.\t0\nWorks "as" expected\t1\nmeh\tmaybe\nTerrible, broke in a day.\t0\n');
    const map = parseFieldMap('text=1,label=2', REVIEW_FIELDS, ['text', 'rating|label']);
    const c = await importReviews([tsv], { lakeDir: lake, map, delimiter: '\t', header: false });
    expect(c).toEqual({ received: 5, clean: 3, quarantined: 1, duplicates: 1, suppressed: 0, byReason: { INVALID_LABEL: 1 } });
    const rows = await readRows(lake, 'imported_reviews', IMPORTED_REVIEW_COLUMNS);
    expect(rows.map((r) => r.review_text).sort()).toEqual(['Great "phone.', 'Terrible, broke in a day.', 'Works "as" expected']);
  });
  it('takes ratings, ids and dates from a CSV export', async () => {
    const lake = path.join(tmp, 'lake-reviews-csv');
    const csv = file('r.csv', 'id,stars,body,product,when\nr1,5,"Love it, really",SKU1,2024-03-01\nr2,9,bad stars,SKU1,2024-03-02\nr3,1,awful,SKU2,2024-03-03\n');
    const map = parseFieldMap('review_id=id,rating=stars,text=body,sku=product,reviewed_at=when', REVIEW_FIELDS, ['text', 'rating|label']);
    const c = await importReviews([csv], { lakeDir: lake, map });
    expect(c).toEqual({ received: 3, clean: 2, quarantined: 1, duplicates: 0, suppressed: 0, byReason: { INVALID_RATING: 1 } });
    const rows = await readRows(lake, 'imported_reviews', IMPORTED_REVIEW_COLUMNS);
    expect(rows.find((r) => r.review_id === 'r1')).toMatchObject({ rating: 5, sku: 'SKU1', review_text: 'Love it, really' });
    expect(() => parseFieldMap('text=a', REVIEW_FIELDS, ['text', 'rating|label'])).toThrow(/rating=COLUMN or label=COLUMN/);
  });
});
