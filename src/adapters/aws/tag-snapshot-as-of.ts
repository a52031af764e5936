/**
 * A tag snapshot as of a past day in Athena (`{"as_of": "YYYY-MM-DD"}` to the tag refresh: a backfill), the same
 * snapshot `retail-lake tags --as-of D` writes locally. Locally the refresh points `tag_as_of` and `identity_map` at
 * the day inside its DuckDB session; Athena's views are shared by every user of the database, so instead the one
 * statement that writes the partition carries its own copies: every view customer_tags_live reads (from the manifest
 * the views were deployed from, unchanged) as a CTE of the INSERT, with `tag_as_of` the day and `identity_map` the
 * identities resolved as of the day. Nothing shared changes while it runs.
 *
 * The identities as of the day are resolved into work tables of this run (resolveIdentitiesSql, data up to the day),
 * then dropped, as src/identity/as-of.ts defines for the local back-dated refresh too: setting aside the identifiers
 * the lake's stored `identity_hubs` (the nightly identity refresh's) knows to be shared.
 */
import { nothingToDo, type NothingToDo } from '../../ops/nothing-to-do.ts';
import { AthenaQueryError } from './errors.ts';
import { LIVE_TAGS_VIEW, TAG_SNAPSHOTS_TABLE, type TagSnapshotRunner } from './tag-snapshot.ts';

/** One entry of the views manifest (lib/constructs/athena-views.ts): the Athena name and the SQL of sql/. */
export interface ManifestView {
  readonly name: string;
  readonly sql: string;
}

/** Names the statement substitutes instead of inlining. */
const AS_OF_VIEW = 'tag_as_of';
const IDENTITY_MAP = 'identity_map';

const stripComments = (sql: string) => sql.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
const body = (sql: string) => stripComments(sql).trim().replace(/;\s*$/, '');

/** The views `view` reads, directly or not, in manifest (dependency) order, itself last. */
export function viewClosure(views: readonly ManifestView[], view: string): ManifestView[] {
  const byName = new Map(views.map((v) => [v.name, v]));
  if (!byName.has(view)) throw new AthenaQueryError(`view ${view} is not in the views manifest (${views.length} views)`);
  const needed = new Set<string>();
  const visit = (name: string) => {
    if (needed.has(name)) return;
    needed.add(name);
    const sql = stripComments(byName.get(name)!.sql);
    for (const other of views) if (other.name !== name && new RegExp(`\\b${other.name}\\b`).test(sql)) visit(other.name);
  };
  visit(view);
  return views.filter((v) => needed.has(v.name));
}

/**
 * The SELECT of customer_tags_live as of `asOf`, self-contained: `tag_as_of` is the day, `identity_map` reads
 * `identityMap`, every other view it needs is a CTE of the same name (shadowing the shared view).
 */
export function tagsAsOfSelect(views: readonly ManifestView[], o: { readonly asOf: string; readonly identityMap: string; readonly columns: readonly string[] }): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(o.asOf)) throw new AthenaQueryError(`as_of must be a date YYYY-MM-DD, received ${JSON.stringify(o.asOf)}`);
  const ctes = [
    `${AS_OF_VIEW} as (select date '${o.asOf}' as as_of_date)`,
    `${IDENTITY_MAP} as (select identity_type, identity_value, customer_key, first_seen_at from ${o.identityMap})`,
    ...viewClosure(views, LIVE_TAGS_VIEW)
      .filter((v) => v.name !== AS_OF_VIEW && v.name !== IDENTITY_MAP)
      .map((v) => `${v.name} as (\n${body(v.sql)}\n)`),
  ];
  return `with\n${ctes.join(',\n')}\nselect ${o.columns.map((c) => `"${c}"`).join(', ')}, '${o.asOf}' as dt from ${LIVE_TAGS_VIEW}`;
}

export interface TagSnapshotAsOfOptions {
  readonly asOf: string;
  /** s3://bucket/customer_tags/ */
  readonly location: string;
  readonly clearPrefix: (s3Prefix: string) => Promise<number>;
  /** The views manifest the views were deployed from. */
  readonly views: readonly ManifestView[];
  /**
   * Resolves identities as of the day into a table of the run (resolveIdentitiesAsOf, src/identity/as-of.ts: the day
   * is back-dated when before `latestDataDate`), and returns its name and how to drop what the run created.
   */
  readonly resolveIdentities: (o: { asOf: string; latestDataDate: string }) => Promise<{ table: string; drop: () => Promise<void> }>;
}

export interface TagSnapshotAsOfResult {
  readonly asOf: string;
  /** The newest data's day: a back-dated snapshot sets aside the hubs all of the data shows. */
  readonly latestDataDate: string;
  readonly replacedObjects: number;
}

export async function snapshotTagsAsOf(runner: TagSnapshotRunner, o: TagSnapshotAsOfOptions): Promise<TagSnapshotAsOfResult | (NothingToDo & { readonly asOf: string })> {
  const latest = await runner.scalar(`select cast(as_of_date as varchar) from ${AS_OF_VIEW}`);
  if (latest === null) return { asOf: o.asOf, ...nothingToDo('no events or order lines in the lake yet') };
  const viewColumns = await runner.columns(LIVE_TAGS_VIEW);
  const tableColumns = await runner.columns(TAG_SNAPSHOTS_TABLE);
  if (!viewColumns || !tableColumns) throw new AthenaQueryError(`${!viewColumns ? `view ${LIVE_TAGS_VIEW}` : `table ${TAG_SNAPSHOTS_TABLE}`} does not exist; deploy the analytics stack first`);
  if (tableColumns.join(',') !== [...viewColumns, 'dt'].join(',')) {
    throw new AthenaQueryError(`${TAG_SNAPSHOTS_TABLE} has columns ${tableColumns.join(', ')} but ${LIVE_TAGS_VIEW} now gives ${[...viewColumns, 'dt'].join(', ')}; migrate it, then rerun`);
  }
  const identity = await o.resolveIdentities({ asOf: o.asOf, latestDataDate: latest });
  try {
    const select = tagsAsOfSelect(o.views, { asOf: o.asOf, identityMap: identity.table, columns: viewColumns });
    const location = o.location.endsWith('/') ? o.location : `${o.location}/`;
    const replacedObjects = await o.clearPrefix(`${location}dt=${o.asOf}/`);
    await runner.run(`insert into ${TAG_SNAPSHOTS_TABLE} ${select}`);
    return { asOf: o.asOf, latestDataDate: latest, replacedObjects };
  } finally {
    await identity.drop();
  }
}
