// Every reader of the local lake lists committed files (src/lake/table-files.ts), so a killed run's leftovers never
// change what it sees: an uncommitted `_staging` folder, a commit recorded but not yet published (seen whole), and a
// zero-byte or temporary file in a live partition. Each case here failed while the reader globbed the folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDuckDB, sqlString } from '../../src/adapters/local/duckdb.ts';
import { DuckDbSqlEngine } from '../../src/adapters/local/duckdb-sql-engine.ts';
import { previousCheckDate } from '../../src/events/replenishment.ts';
import { withLakeCommit } from '../../src/lake/commit.ts';
import { openLakeCatalog } from '../../src/lake/local-catalog.ts';
import { zoneCounts } from '../../src/lake/zone-counts.ts';
import { collectReportData } from '../../src/report/data.ts';
import { isMaterialised, rawRecordsPerDay } from '../../src/report/lake-read.ts';
import { previousScoringDate } from '../../src/score/score.ts';
import { loadCustomer360 } from '../../src/serve/customer.ts';
import { readDemandSeries } from '../../src/train/lake-models.ts';
import { pendingCommit, stagingLeftover, tornFiles } from '../helpers/lake-leftovers.ts';

let lake: string;
beforeEach(() => {
  lake = fs.mkdtempSync(path.join(os.tmpdir(), 'readers-'));
});
afterEach(() => fs.rmSync(lake, { recursive: true, force: true }));

/** Bytes of a real Parquet file holding `select`'s rows. */
async function parquet(select: string): Promise<Buffer> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'readers-pq-')), 'x.parquet');
  const conn = await openDuckDB();
  try {
    await conn.run(`copy (${select}) to ${sqlString(file)} (format parquet)`);
  } finally {
    conn.closeSync();
  }
  const bytes = fs.readFileSync(file);
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  return bytes;
}

function put(rel: string, content: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(path.join(lake, rel)), { recursive: true });
  fs.writeFileSync(path.join(lake, rel), content);
}

let onePq: Buffer;
beforeAll(async () => {
  onePq = await parquet('select 1 as x');
});

describe.each([
  ['previousScoringDate (score: the scores to compare with for change-only events)', previousScoringDate, 'curated/customer_scores'],
  ['previousCheckDate (events: the replenishment check before this one)', previousCheckDate, 'curated/replenishment_checks'],
])('%s', (_name, previous, table) => {
  it('is the newest committed partition before as-of: a pending commit counts, torn files and staging leftovers do not', () => {
    put(`${table}/dt=2025-03-01/part-0.parquet`, onePq);
    pendingCommit(lake, { puts: { [`${table}/dt=2025-03-02/part-0.parquet`]: onePq } });
    tornFiles(path.join(lake, `${table}/dt=2025-03-03`)); // a killed older-version write: no rows
    stagingLeftover(lake, { [`${table}/dt=2025-03-04/part-0.parquet`]: onePq }); // never committed
    expect(previous(lake, '2025-03-05')).toBe('2025-03-02');
    expect(previous(lake, '2025-03-02')).toBe('2025-03-01');
    expect(previous(lake, '2025-03-01')).toBeUndefined();
  });

  it('forgets a partition a pending commit deletes', () => {
    put(`${table}/dt=2025-03-01/part-0.parquet`, onePq);
    put(`${table}/dt=2025-03-02/part-0.parquet`, onePq);
    pendingCommit(lake, { deletes: [`${table}/dt=2025-03-02/part-0.parquet`] });
    expect(previous(lake, '2025-03-05')).toBe('2025-03-01');
  });
});

describe('isMaterialised (report and web app: which derived tables exist)', () => {
  it('agrees with the views: a table only in a pending commit exists, one of torn files only does not', () => {
    pendingCommit(lake, { puts: { 'curated/customer_tags/dt=2025-03-01/part-0.parquet': onePq } });
    tornFiles(path.join(lake, 'curated/customer_scores/dt=2025-03-01'));
    stagingLeftover(lake, { 'curated/demand_forecasts/as_of=2025-03-01/part-0.parquet': onePq });
    expect(isMaterialised(lake, 'customer_tags')).toBe(true);
    expect(isMaterialised(lake, 'customer_scores')).toBe(false);
    expect(isMaterialised(lake, 'demand_forecasts')).toBe(false);
  });

  it('is false once a pending commit deletes every file of the table', () => {
    put('curated/coupons/part-0.parquet', onePq);
    pendingCommit(lake, { deletes: ['curated/coupons/part-0.parquet'] });
    expect(isMaterialised(lake, 'coupons')).toBe(false);
  });
});

describe('the raw zone count (report pipeline chart, zone counts)', () => {
  const line = (id: string, day: string) => `{"event_id":"${id}","occurred_at":"${day}T10:00:00Z"}\n`;
  beforeEach(() => {
    put('raw/stream/dt=2025-03-01/a.jsonl', line('1', '2025-03-01') + line('2', '2025-03-01'));
    pendingCommit(lake, { puts: { 'raw/stream/dt=2025-03-02/b.jsonl.gz': zlib.gzipSync(line('3', '2025-03-02')) } });
    stagingLeftover(lake, { 'raw/stream/dt=2025-03-02/c.jsonl': line('4', '2025-03-02') });
    put('raw/stream/dt=2025-03-02/.d.jsonl', line('5', '2025-03-02') + line('6', '2025-03-02')); // an older writer's temporary
  });

  it('counts committed records per day: 2 on the 1st, the pending commit\'s 1 on the 2nd', () => {
    expect(Object.fromEntries(rawRecordsPerDay(lake))).toEqual({ '2025-03-01': 2, '2025-03-02': 1 });
  });

  it('zone counts say 3 raw records', async () => {
    const cat = await openLakeCatalog(lake);
    try {
      expect((await zoneCounts(cat.conn, lake)).raw).toBe(3);
    } finally {
      cat.close();
    }
  });
});

describe('readDemandSeries (train forecast: imported series or order lines)', () => {
  it('trains on imported series that are only in a pending commit', async () => {
    const rows = await parquet(
      `select * from (values ('s1', date '2025-03-01', 4.0, false), ('s1', date '2025-03-08', 6.0, false)) v(series_id, period_start, value, is_holiday)`,
    );
    pendingCommit(lake, { puts: { 'curated/demand_series/part-0.parquet': rows } });
    const got = await readDemandSeries(lake, '2025-03-10');
    expect(got.source).toBe('demand_series');
    expect(got.series).toEqual([{ series_id: 's1', period_start: ['2025-03-01', '2025-03-08'], value: [4, 6], holiday: [false, false] }]);
  });

  it('falls back to order lines when demand_series holds only torn files', async () => {
    tornFiles(path.join(lake, 'curated/demand_series'));
    const got = await readDemandSeries(lake, '2025-03-10');
    expect(got).toEqual({ series: [], grain: 'week', source: 'order_lines' });
  });
});

describe('the events the report and the customer page count', () => {
  const entry = (type: string, key: string) =>
    `${JSON.stringify({ Source: 'retail-lake', DetailType: type, Detail: JSON.stringify({ customer_key: key, as_of: '2025-03-01' }), EventBusName: 'default', Time: '2025-03-02T00:00:00Z' })}\n`;

  it('count a day file of a pending commit, not a staging leftover nor a temporary', async () => {
    put('events/2025-03-01.jsonl', entry('CustomerChurnRiskRaised', 'c1'));
    pendingCommit(lake, { puts: { 'events/2025-03-02.jsonl': entry('CustomerChurnRiskRaised', 'c2') + entry('CustomerSegmentChanged', 'c2') } });
    stagingLeftover(lake, { 'events/2025-03-03.jsonl': entry('CustomerSegmentChanged', 'c3') });
    put('events/.2025-03-04.jsonl', entry('CustomerSegmentChanged', 'c4'));
    const cat = await openLakeCatalog(lake);
    try {
      const events = (await collectReportData(cat.conn, { lakeDir: lake })).events;
      expect(events).toMatchObject({
        available: true,
        total: 3,
        byType: [
          { type: 'CustomerChurnRiskRaised', count: 2 },
          { type: 'CustomerSegmentChanged', count: 1 },
        ],
      });
      // The customer page's timeline: c2's two events are committed (pending), c3's and c4's are not.
      const titles = async (key: string) => (await loadCustomer360(cat.conn, lake, key)).timeline.filter((t) => t.kind === 'event').map((t) => t.title);
      expect(await titles('c2')).toEqual(['CustomerChurnRiskRaised', 'CustomerSegmentChanged']);
      expect(await titles('c3')).toEqual([]);
      expect(await titles('c4')).toEqual([]);
    } finally {
      cat.close();
    }
  });
});

describe('DuckDbSqlEngine.replaceTable (identity SQL writing to a lake)', () => {
  it('reads back the table it wrote inside a command\'s commit, before the commit publishes', async () => {
    const conn = await openDuckDB();
    try {
      const engine = await DuckDbSqlEngine.create(conn, { lakeDir: lake });
      put('curated/work_t/part-0.parquet', await parquet('select 99 as n')); // the previous version
      const seen = await withLakeCommit(lake, 'test', async () => {
        await engine.replaceTable('work_t', 'select * from range(3) t(n)');
        return engine.scalar('select sum(n) from work_t');
      });
      expect(seen).toBe('3'); // 0 + 1 + 2, not the old 99
    } finally {
      conn.closeSync();
    }
  });
});
