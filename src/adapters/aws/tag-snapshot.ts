/**
 * Materialises the day's customer tag library in Athena: the `customer_tags` view (live, as of the newest data)
 * is copied into the Parquet table `customer_tag_snapshots`, partition `dt` = the view's as_of_date, under
 * `<curated>/customer_tags/dt=<date>/` (the local layout). The first run creates the table with CTAS, so its schema
 * is the view's, never retyped; later runs INSERT INTO after clearing that day's files, so a rerun replaces the day.
 */
import { AthenaQueryError } from './errors.ts';

export interface TagSnapshotRunner {
  run(sql: string): Promise<unknown>;
  scalar(sql: string): Promise<string | null>;
  columns(table: string): Promise<string[] | null>;
}

export interface TagSnapshotOptions {
  /** s3://bucket/customer_tags/ — where the snapshot partitions live. */
  readonly location: string;
  /** Deletes every object under an s3:// prefix (a rerun of the same day replaces it). */
  readonly clearPrefix: (s3Prefix: string) => Promise<number>;
  /** @default 'customer_tags' */
  readonly view?: string;
  /** @default 'customer_tag_snapshots' */
  readonly table?: string;
  /** @default 'tag_as_of' */
  readonly asOfView?: string;
}

export interface TagSnapshotResult {
  readonly asOf: string;
  readonly created: boolean;
  readonly replacedObjects: number;
}

export async function snapshotTags(runner: TagSnapshotRunner, o: TagSnapshotOptions): Promise<TagSnapshotResult> {
  const view = o.view ?? 'customer_tags';
  const table = o.table ?? 'customer_tag_snapshots';
  const location = o.location.endsWith('/') ? o.location : `${o.location}/`;
  const asOf = await runner.scalar(`select cast(as_of_date as varchar) from ${o.asOfView ?? 'tag_as_of'}`);
  if (!asOf || !/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new AthenaQueryError(`tag_as_of returned ${JSON.stringify(asOf)}; expected a date (is the lake empty?)`);
  const viewColumns = await runner.columns(view);
  if (!viewColumns) throw new AthenaQueryError(`view ${view} does not exist; deploy the analytics stack first`);
  const tableColumns = await runner.columns(table);
  const select = `select ${viewColumns.map((c) => `"${c}"`).join(', ')}, '${asOf}' as dt from ${view}`;
  if (!tableColumns) {
    await runner.run(
      `create table ${table} with (format = 'PARQUET', write_compression = 'SNAPPY', external_location = '${location}', partitioned_by = array['dt']) as ${select}`,
    );
    return { asOf, created: true, replacedObjects: 0 };
  }
  const expected = [...viewColumns, 'dt'];
  if (tableColumns.join(',') !== expected.join(',')) {
    throw new AthenaQueryError(
      `${table} has columns ${tableColumns.join(', ')} but ${view} now gives ${expected.join(', ')}; drop ${table} (its files stay in ${location}) or migrate it, then rerun`,
    );
  }
  const replacedObjects = await o.clearPrefix(`${location}dt=${asOf}/`);
  await runner.run(`insert into ${table} ${select}`);
  return { asOf, created: false, replacedObjects };
}
