/** import-series and import-reviews route bad rows to the quarantine zone: reason, field, value; stored once; counts reconcile. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importReviews, importSeries, parseFieldMap, REVIEW_FIELDS, SERIES_FIELDS } from '../../src/ingest/table-import.ts';
import { replayQuarantine } from '../../src/ingest/replay.ts';
import { sql, tempDir } from './lake.ts';

const tmp = tempDir('review-series-quarantine');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
};
const now = new Date('2026-02-01T10:00:00Z');
type Q = { reason_code: string; field_path: string | null; message: string; raw_payload: string; origin: string; source: string; event_type: string };
const quarantined = (lake: string, source: string) =>
  sql<Q>(lake, `select reason_code, field_path, message, raw_payload, origin, source, event_type from quarantine_events where source = '${source}' order by origin`);

describe('import-series quarantine', () => {
  const map = parseFieldMap('series_id=Store,date=Date,value=Weekly_Sales,holiday=Holiday_Flag', SERIES_FIELDS, ['series_id', 'date', 'value']);

  it('writes each bad row to quarantine_events naming the field, column and value, and reconciles', async () => {
    const lake = path.join(tmp, 'series');
    const csv = file('w.csv', 'Store,Date,Weekly_Sales,Holiday_Flag\n1,05/02/10,100.5,0\n2,31/02/10,7,0\n3,05/02/10,abc,0\n,05/02/10,1,0\n4,05/02/10,1,maybe\n1,05/02/10,999,0\n');
    const c = await importSeries([csv], { lakeDir: lake, map, dateFormat: 'DD/MM/YY', now });
    expect(c).toEqual({ received: 6, clean: 1, quarantined: 4, duplicates: 1, suppressed: 0, byReason: { INVALID_DATE: 1, INVALID_VALUE: 1, MISSING_SERIES_ID: 1, INVALID_HOLIDAY: 1 } });
    expect(c.received).toBe(c.clean + c.quarantined + c.duplicates);
    const q = await quarantined(lake, 'batch_demand_series');
    expect(q.map((r) => [r.origin, r.reason_code, r.field_path, r.message, r.raw_payload])).toEqual([
      ['file:w.csv:3', 'INVALID_DATE', 'date', `INVALID_DATE: field 'date' (column Date): "31/02/10" is not a date in format DD/MM/YY`, '2,31/02/10,7,0'],
      ['file:w.csv:4', 'INVALID_VALUE', 'value', `INVALID_VALUE: field 'value' (column Weekly_Sales): "abc" is not a number`, '3,05/02/10,abc,0'],
      ['file:w.csv:5', 'MISSING_SERIES_ID', 'series_id', `MISSING_SERIES_ID: field 'series_id' (column Store) is empty`, ',05/02/10,1,0'],
      ['file:w.csv:6', 'INVALID_HOLIDAY', 'holiday', `INVALID_HOLIDAY: field 'holiday' (column Holiday_Flag): "maybe" is not a flag (1/0, true/false, yes/no)`, '4,05/02/10,1,maybe'],
    ]);
    expect(q.every((r) => r.event_type === 'import.demand_series')).toBe(true);

    // The same file again: every row counted again, no bad row stored twice.
    const again = await importSeries([csv], { lakeDir: lake, map, dateFormat: 'DD/MM/YY', now });
    expect(again).toMatchObject({ received: 6, clean: 0, quarantined: 4, duplicates: 2 });
    expect(await quarantined(lake, 'batch_demand_series')).toHaveLength(4);
  });

  it('is not replayed through the event cleanser (fix the file and import it again)', async () => {
    const lake = path.join(tmp, 'series');
    const r = await replayQuarantine({ lakeDir: lake });
    expect(r.received).toBe(0);
    expect(await quarantined(lake, 'batch_demand_series')).toHaveLength(4);
  });
});

describe('import-reviews quarantine', () => {
  it('quarantines bad ratings, labels, dates and empty texts, byte-identical bad rows once each', async () => {
    const lake = path.join(tmp, 'reviews');
    const csv = file('r.csv', 'id,stars,body,when\nr1,5,"Love it, really",2024-03-01\nr2,9,bad stars,2024-03-02\nr3,4,,2024-03-03\nr4,2,late,yesterday\nr2,9,bad stars,2024-03-02\n');
    const map = parseFieldMap('review_id=id,rating=stars,text=body,reviewed_at=when', REVIEW_FIELDS, ['text', 'rating|label']);
    const c = await importReviews([csv], { lakeDir: lake, map, now });
    expect(c).toEqual({ received: 5, clean: 1, quarantined: 4, duplicates: 0, suppressed: 0, byReason: { INVALID_RATING: 2, MISSING_TEXT: 1, INVALID_DATE: 1 } });
    const q = await quarantined(lake, 'batch_imported_reviews');
    expect(q.map((r) => [r.reason_code, r.field_path, r.message])).toEqual([
      ['INVALID_RATING', 'rating', `INVALID_RATING: field 'rating' (column stars): "9" is not a whole number of stars 1..5`],
      ['MISSING_TEXT', 'text', `MISSING_TEXT: field 'text' (column body) is empty`],
      ['INVALID_DATE', 'reviewed_at', `INVALID_DATE: field 'reviewed_at' (column when): "yesterday" is not a date (ISO 8601 / YYYY-MM-DD)`],
      ['INVALID_RATING', 'rating', `INVALID_RATING: field 'rating' (column stars): "9" is not a whole number of stars 1..5`],
    ]);
    // The repeated r2 row is a second row of the file (its own quarantine row); a re-import stores neither again.
    await importReviews([csv], { lakeDir: lake, map, now });
    expect(await quarantined(lake, 'batch_imported_reviews')).toHaveLength(4);
  });

  it('quarantines a malformed TSV label file row with the raw line', async () => {
    const lake = path.join(tmp, 'reviews-tsv');
    const tsv = file('r.txt', 'Great phone.\t1\nmeh\tmaybe\n');
    const c = await importReviews([tsv], { lakeDir: lake, map: parseFieldMap('text=1,label=2', REVIEW_FIELDS, ['text', 'rating|label']), delimiter: '\t', header: false, now });
    expect(c).toMatchObject({ received: 2, clean: 1, quarantined: 1 });
    expect(await quarantined(lake, 'batch_imported_reviews')).toEqual([
      expect.objectContaining({ origin: 'file:r.txt:2', raw_payload: 'meh\tmaybe', message: `INVALID_LABEL: field 'label' (column 2): "maybe" is not a label (1/0, positive/negative)` }),
    ]);
  });
});
