/**
 * The dated customer tag snapshots in Athena, named as locally: `customer_tags` is the Parquet table of snapshots
 * (one `dt` partition per as-of date under `<curated>/customer_tags/dt=<date>/`, the local layout), so
 * `select * from customer_tags` means the same on Athena and DuckDB. The view defined by sql/marts/customer_tags.sql
 * (the tags as of the newest data) is deployed under the name `customer_tags_live`; a view and a table cannot share
 * a name in Athena, and locally the snapshots replace the view of the same name.
 *
 * - `ensureSnapshotTable` (views deployer, on every deploy, right after customer_tags_live): creates the empty
 *   table from the live view's columns (CTAS WITH NO DATA), so views over customer_tags (customer_360) can be
 *   created before the first refresh; it replaces a pre-rename view called customer_tags and adopts the files of a
 *   pre-rename `customer_tag_snapshots` table.
 * - `snapshotTags` (daily refresh): copies the live view into the day's partition; later runs INSERT INTO after
 *   clearing that day's files, so a rerun replaces the day. The table's schema is the view's, never retyped.
 */
import { nothingToDo, type NothingToDo } from '../../ops/nothing-to-do.ts';
import { AthenaQueryError } from './errors.ts';

/** The table of dated snapshots: what users query, on Athena as locally. */
export const TAG_SNAPSHOTS_TABLE = 'customer_tags';
/** The Athena name of sql/marts/customer_tags.sql: the tags as of the newest data. */
export const LIVE_TAGS_VIEW = 'customer_tags_live';
/** What the snapshot table was called before it took the name users query. */
export const LEGACY_SNAPSHOTS_TABLE = 'customer_tag_snapshots';

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
  /** @default LIVE_TAGS_VIEW */
  readonly view?: string;
  /** @default TAG_SNAPSHOTS_TABLE */
  readonly table?: string;
  /** @default 'tag_as_of' */
  readonly asOfView?: string;
}

export interface TagSnapshotResult {
  readonly asOf: string;
  readonly created: boolean;
  readonly replacedObjects: number;
}

const withSlash = (s: string) => (s.endsWith('/') ? s : `${s}/`);

function ctas(table: string, location: string, select: string, noData = false): string {
  return `create table ${table} with (format = 'PARQUET', write_compression = 'SNAPPY', external_location = '${withSlash(location)}', partitioned_by = array['dt']) as ${select}${noData ? ' with no data' : ''}`;
}

/** Snapshots the live tags into the day of the newest data; on a lake without data yet there is nothing to do. */
export async function snapshotTags(runner: TagSnapshotRunner, o: TagSnapshotOptions): Promise<TagSnapshotResult | (NothingToDo & { readonly asOf: null })> {
  const view = o.view ?? LIVE_TAGS_VIEW;
  const table = o.table ?? TAG_SNAPSHOTS_TABLE;
  const location = withSlash(o.location);
  const asOf = await runner.scalar(`select cast(as_of_date as varchar) from ${o.asOfView ?? 'tag_as_of'}`);
  if (asOf === null) return { asOf: null, ...nothingToDo('no events or order lines in the lake yet: the first snapshot is written the night after the first data arrives') };
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new AthenaQueryError(`tag_as_of returned ${JSON.stringify(asOf)}; expected a date`);
  const viewColumns = await runner.columns(view);
  if (!viewColumns) throw new AthenaQueryError(`view ${view} does not exist; deploy the analytics stack first`);
  const tableColumns = await runner.columns(table);
  const select = `select ${viewColumns.map((c) => `"${c}"`).join(', ')}, '${asOf}' as dt from ${view}`;
  if (!tableColumns) {
    await runner.run(ctas(table, location, select));
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

export interface EnsureSnapshotTableRunner extends TagSnapshotRunner {
  tableType(table: string): Promise<string | null>;
}

export interface EnsureSnapshotTableOptions {
  /** s3://bucket/customer_tags/ */
  readonly location: string;
  /**
   * Registers the legacy table's definition (same location, columns, partitions) under the new name, e.g. Glue
   * GetTable + CreateTable; CTAS cannot, as it refuses a location that already holds files.
   */
  readonly copyTable: (from: string, to: string) => Promise<void>;
}

export type EnsureOutcome = 'exists' | 'created' | 'adopted';

/** Makes sure the snapshot table exists before views over it are created; see the module comment. */
export async function ensureSnapshotTable(runner: EnsureSnapshotTableRunner, o: EnsureSnapshotTableOptions): Promise<EnsureOutcome> {
  const type = await runner.tableType(TAG_SNAPSHOTS_TABLE);
  if (type === 'VIRTUAL_VIEW') await runner.run(`drop view if exists ${TAG_SNAPSHOTS_TABLE}`);
  else if (type) return 'exists';
  if (await runner.tableType(LEGACY_SNAPSHOTS_TABLE)) {
    await o.copyTable(LEGACY_SNAPSHOTS_TABLE, TAG_SNAPSHOTS_TABLE);
    // Dropping the legacy external table keeps its files, which the adopted table now reads.
    await runner.run(`drop table if exists ${LEGACY_SNAPSHOTS_TABLE}`);
    return 'adopted';
  }
  const viewColumns = await runner.columns(LIVE_TAGS_VIEW);
  if (!viewColumns) throw new AthenaQueryError(`view ${LIVE_TAGS_VIEW} does not exist; it is created from sql/marts/customer_tags.sql before the snapshot table`);
  await runner.run(ctas(TAG_SNAPSHOTS_TABLE, o.location, `select ${viewColumns.map((c) => `"${c}"`).join(', ')}, cast(null as varchar) as dt from ${LIVE_TAGS_VIEW}`, true));
  return 'created';
}
