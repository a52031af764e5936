import { describe, expect, it } from 'vitest';
import { ensureSnapshotTable, snapshotTags, type EnsureSnapshotTableRunner, type TagSnapshotRunner } from '../../../src/adapters/aws/tag-snapshot.ts';
import { AthenaQueryError } from '../../../src/adapters/aws/errors.ts';

function fakeAthena(tables: Record<string, string[]>, asOf: string | null = '2025-03-01') {
  const statements: string[] = [];
  const runner: TagSnapshotRunner = {
    run: async (sql) => statements.push(sql),
    scalar: async () => asOf,
    columns: async (t) => tables[t] ?? null,
  };
  return { runner, statements };
}
const cleared: string[] = [];
const options = { location: 's3://curated/customer_tags/', clearPrefix: async (p: string) => (cleared.push(p), 3) };

describe('snapshotTags', () => {
  it('creates the snapshot table customer_tags with CTAS on the first run, from the live view, partitioned by the as-of date', async () => {
    const { runner, statements } = fakeAthena({ customer_tags_live: ['customer_key', 'r_score'] });
    expect(await snapshotTags(runner, options)).toEqual({ asOf: '2025-03-01', created: true, replacedObjects: 0 });
    expect(statements).toEqual([
      "create table customer_tags with (format = 'PARQUET', write_compression = 'SNAPPY', external_location = 's3://curated/customer_tags/', partitioned_by = array['dt']) as select \"customer_key\", \"r_score\", '2025-03-01' as dt from customer_tags_live",
    ]);
  });

  it('replaces the day on later runs: clears dt=<date>/ then inserts', async () => {
    cleared.length = 0;
    const { runner, statements } = fakeAthena({ customer_tags_live: ['customer_key', 'r_score'], customer_tags: ['customer_key', 'r_score', 'dt'] });
    expect(await snapshotTags(runner, options)).toEqual({ asOf: '2025-03-01', created: false, replacedObjects: 3 });
    expect(cleared).toEqual(['s3://curated/customer_tags/dt=2025-03-01/']);
    expect(statements).toEqual(["insert into customer_tags select \"customer_key\", \"r_score\", '2025-03-01' as dt from customer_tags_live"]);
  });

  it('fails naming both column lists when the view gained a column the table lacks', async () => {
    const { runner, statements } = fakeAthena({ customer_tags_live: ['customer_key', 'r_score', 'm_score'], customer_tags: ['customer_key', 'r_score', 'dt'] });
    await expect(snapshotTags(runner, options)).rejects.toThrow(/has columns customer_key, r_score, dt but customer_tags_live now gives customer_key, r_score, m_score, dt/);
    expect(statements).toEqual([]);
  });

  // A first night in AWS (issue 20): the schedule fires before any data arrived; failing would fill the DLQ and alarm.
  it('has nothing to do on an empty lake, says so, and writes no partition', async () => {
    const { runner, statements } = fakeAthena({ customer_tags_live: ['customer_key'] }, null);
    expect(await snapshotTags(runner, options)).toEqual({ asOf: null, nothingToDo: expect.stringMatching(/no events or order lines/) });
    expect(statements).toEqual([]);
  });

  it('fails when the as-of is not a date, instead of writing a partition named after it', async () => {
    const { runner } = fakeAthena({ customer_tags_live: ['customer_key'] }, 'yesterday');
    await expect(snapshotTags(runner, options)).rejects.toBeInstanceOf(AthenaQueryError);
  });
});

describe('ensureSnapshotTable', () => {
  function fakeCatalog(tables: Record<string, { type: string; columns: string[] }>) {
    const statements: string[] = [];
    const copies: string[] = [];
    const runner: EnsureSnapshotTableRunner = {
      run: async (sql) => statements.push(sql),
      scalar: async () => null,
      columns: async (t) => tables[t]?.columns ?? null,
      tableType: async (t) => tables[t]?.type ?? null,
    };
    return { runner, statements, copies, copyTable: async (from: string, to: string) => void copies.push(`${from} -> ${to}`) };
  }
  const live = { type: 'VIRTUAL_VIEW', columns: ['customer_key', 'r_score'] };

  it('creates the empty table from the live view’s columns on a fresh lake, so views over customer_tags can be created', async () => {
    const c = fakeCatalog({ customer_tags_live: live });
    expect(await ensureSnapshotTable(c.runner, { location: 's3://curated/customer_tags/', copyTable: c.copyTable })).toBe('created');
    expect(c.statements).toEqual([
      "create table customer_tags with (format = 'PARQUET', write_compression = 'SNAPPY', external_location = 's3://curated/customer_tags/', partitioned_by = array['dt']) as select \"customer_key\", \"r_score\", cast(null as varchar) as dt from customer_tags_live with no data",
    ]);
  });

  it('leaves an existing snapshot table alone', async () => {
    const c = fakeCatalog({ customer_tags_live: live, customer_tags: { type: 'EXTERNAL_TABLE', columns: ['customer_key', 'r_score', 'dt'] } });
    expect(await ensureSnapshotTable(c.runner, { location: 's3://curated/customer_tags/', copyTable: c.copyTable })).toBe('exists');
    expect(c.statements).toEqual([]);
  });

  it('replaces the view that carried the name before, and adopts the snapshots of the old customer_tag_snapshots table', async () => {
    const c = fakeCatalog({ customer_tags_live: live, customer_tags: { type: 'VIRTUAL_VIEW', columns: ['customer_key'] }, customer_tag_snapshots: { type: 'EXTERNAL_TABLE', columns: ['customer_key', 'r_score', 'dt'] } });
    expect(await ensureSnapshotTable(c.runner, { location: 's3://curated/customer_tags/', copyTable: c.copyTable })).toBe('adopted');
    expect(c.statements).toEqual(['drop view if exists customer_tags', 'drop table if exists customer_tag_snapshots']);
    expect(c.copies).toEqual(['customer_tag_snapshots -> customer_tags']);
  });
});
