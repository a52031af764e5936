import { describe, expect, it } from 'vitest';
import { snapshotTags, type TagSnapshotRunner } from '../../../src/adapters/aws/tag-snapshot.ts';
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
  it('creates the snapshot table with CTAS on the first run, partitioned by the as-of date', async () => {
    const { runner, statements } = fakeAthena({ customer_tags: ['customer_key', 'r_score'] });
    expect(await snapshotTags(runner, options)).toEqual({ asOf: '2025-03-01', created: true, replacedObjects: 0 });
    expect(statements).toEqual([
      "create table customer_tag_snapshots with (format = 'PARQUET', write_compression = 'SNAPPY', external_location = 's3://curated/customer_tags/', partitioned_by = array['dt']) as select \"customer_key\", \"r_score\", '2025-03-01' as dt from customer_tags",
    ]);
  });

  it('replaces the day on later runs: clears dt=<date>/ then inserts', async () => {
    cleared.length = 0;
    const { runner, statements } = fakeAthena({ customer_tags: ['customer_key', 'r_score'], customer_tag_snapshots: ['customer_key', 'r_score', 'dt'] });
    expect(await snapshotTags(runner, options)).toEqual({ asOf: '2025-03-01', created: false, replacedObjects: 3 });
    expect(cleared).toEqual(['s3://curated/customer_tags/dt=2025-03-01/']);
    expect(statements).toEqual(["insert into customer_tag_snapshots select \"customer_key\", \"r_score\", '2025-03-01' as dt from customer_tags"]);
  });

  it('fails naming both column lists when the view gained a column the table lacks', async () => {
    const { runner, statements } = fakeAthena({ customer_tags: ['customer_key', 'r_score', 'm_score'], customer_tag_snapshots: ['customer_key', 'r_score', 'dt'] });
    await expect(snapshotTags(runner, options)).rejects.toThrow(/has columns customer_key, r_score, dt but customer_tags now gives customer_key, r_score, m_score, dt/);
    expect(statements).toEqual([]);
  });

  it('fails on an empty lake instead of writing a partition without a date', async () => {
    const { runner } = fakeAthena({ customer_tags: ['customer_key'] }, null);
    await expect(snapshotTags(runner, options)).rejects.toBeInstanceOf(AthenaQueryError);
  });
});
