/**
 * The tag refresh behind `retail-lake tags [--as-of D]`: resolves identities with the data up to D, computes the
 * tag library with the views in sql/ (the same SQL Athena runs) as of D, and writes the snapshot to
 * curated/customer_tags/dt=D/. The current identity map (all data) is written to curated/identity_map/ and its
 * over-merge report to curated/identity_hubs/ by a refresh of the newest day (or a back-dated one on a lake that has
 * none yet); a back-dated refresh otherwise leaves them as they are (src/identity/as-of.ts).
 *
 * Inside its DuckDB session the refresh points some names elsewhere before reading the views: `tag_as_of` at the
 * date D, `identity_map` at the map resolved as of D, and `int_order_lines`, `tag_orders` and `tag_purchases` at
 * tables computed once from their views (several tag views read each; DuckDB would otherwise recompute them per
 * use). The SQL of every view is unchanged.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { listSqlViews, openLakeCatalog, stripComments, type SqlView } from '../lake/local-catalog.ts';
import { sqlString } from '../adapters/local/duckdb.ts';
import {
  replaceParquetDir,
  resolveIdentities,
  writeIdentityTables,
  RESOLVED_HUBS_TABLE,
  RESOLVED_MAP_TABLE,
  resolveIdentitiesAsOf,
  STORED_HUBS_TABLE,
  type IdentityResolution,
} from '../identity/index.ts';
import type { IdentityType } from '../contract/index.ts';
import { latestDataDate, parseAsOf } from './as-of.ts';
import { TagsError } from './errors.ts';
import { withLakeCommit } from '../lake/commit.ts';
import { localTagInputs, putLocalTagInputsRecord } from '../adapters/local/tag-inputs.ts';
import { tagInputsRecord } from './restate.ts';

export interface TagsOptions {
  readonly lakeDir: string;
  /** Snapshot date (YYYY-MM-DD); only data up to the end of this UTC day is used. @default the newest data's date */
  readonly asOf?: string;
  /** Over-merge guard limits per kind of linked identifier. @default DEFAULT_MAX_LINKS */
  readonly maxLinks?: Partial<Record<IdentityType, number>>;
}

export interface TagsSummary {
  readonly asOf: string;
  /** Date of the newest event or order line in the lake. */
  readonly latestDataDate: string;
  /** Rows of the snapshot: customers first seen on or before asOf. */
  readonly customers: number;
  /** Customers with at least one purchase. */
  readonly purchasers: number;
  /** Customers per RFM segment (purchasers only). */
  readonly rfmSegments: Record<string, number>;
  /** Customers per lifecycle stage. */
  readonly lifecycleStages: Record<string, number>;
  /** Identity resolution used by the snapshot (data up to asOf). */
  readonly identity: IdentityResolution;
  /** Directory of the snapshot's Parquet file. */
  readonly output: string;
  readonly seconds: number;
  readonly timings: Record<string, number>;
}

/** Session table of the hubs of all the data, when a back-dated refresh finds none stored in the lake. */
const ALL_DATA_HUBS = 'identity_hubs_all_data';

/** Views computed once into session tables, in dependency order (see the module comment). */
const SESSION_MATERIALISED = ['int_order_lines', 'tag_orders', 'tag_purchases'];

/** Runs in one lake commit (src/lake/commit.ts): everything it writes lands together, or nothing does. */
export function refreshTags(opts: TagsOptions): Promise<TagsSummary> {
  return withLakeCommit(opts.lakeDir, 'tags', () => refreshTagsIn(opts));
}

async function refreshTagsIn(opts: TagsOptions): Promise<TagsSummary> {
  const started = Date.now();
  const timings: Record<string, number> = {};
  const lap = (name: string, t0: number) => (timings[name] = Math.round((Date.now() - t0) / 100) / 10);
  const requested = opts.asOf === undefined ? undefined : parseAsOf(opts.asOf);
  const definition = listSqlViews().find((v) => v.name === 'customer_tags');
  if (!definition) throw new TagsError('sql/marts/customer_tags.sql is missing: the tag library has no definition to run');

  // What the snapshot reads, listed before anything is read: data landing meanwhile makes the record older, never newer.
  const inputs = localTagInputs(opts.lakeDir);
  const cat = await openLakeCatalog(opts.lakeDir);
  try {
    const conn = cat.conn;
    const latest = await latestDataDate(conn);
    if (!latest) {
      throw new TagsError(`the lake at ${opts.lakeDir} has no events or order lines yet; run ingest or import-orders first`);
    }
    const asOf = requested ?? latest;

    let t0 = Date.now();
    // Identities as of the day (src/identity/as-of.ts, as the tag refresh in AWS): a back-dated snapshot sets aside
    // the hubs of the lake's stored identity resolution over all its data (curated/identity_hubs), and leaves
    // identity_map as it is. Locally `tags` is also the identity refresh: on a lake with none stored yet, it resolves
    // all the data and writes identity_map and identity_hubs first, as the newest day's refresh would.
    const identity = await resolveIdentitiesAsOf(
      {
        hasStoredHubs: async () => cat.views.includes(STORED_HUBS_TABLE),
        resolveAllData: async (o) => {
          await resolveIdentities(conn, o);
          await writeIdentityTables(conn, opts.lakeDir);
          await conn.run(`create or replace table ${ALL_DATA_HUBS} as select identity_type, identity_value, over_limit from ${RESOLVED_HUBS_TABLE}`);
          return ALL_DATA_HUBS;
        },
        resolve: (o) => resolveIdentities(conn, o),
      },
      { asOf, latestDataDate: latest, maxLinks: opts.maxLinks },
    );
    if (asOf >= latest) await writeIdentityTables(conn, opts.lakeDir);
    lap('identity', t0);

    t0 = Date.now();
    await conn.run('set preserve_insertion_order = false');
    await pointSessionViews(conn, asOf, definition, timings);
    await conn.run(`create or replace table customer_tags_snapshot as ${stripSemicolon(definition.sql)}`);
    lap('tags', t0);

    t0 = Date.now();
    const output = await replaceParquetDir(conn, opts.lakeDir, `customer_tags/dt=${asOf}`, 'select * from customer_tags_snapshot order by customer_key');
    putLocalTagInputsRecord(opts.lakeDir, tagInputsRecord(inputs, asOf));
    lap('write', t0);

    const counts = async (sql: string) => Object.fromEntries((await conn.runAndReadAll(sql)).getRows().map(([k, n]) => [String(k), Number(n)]));
    const totals = (await conn.runAndReadAll('select count(*), count(case when orders_total > 0 then 1 end) from customer_tags_snapshot')).getRows()[0]!;
    return {
      asOf,
      latestDataDate: latest,
      customers: Number(totals[0]),
      purchasers: Number(totals[1]),
      rfmSegments: await counts('select rfm_segment, count(*) from customer_tags_snapshot where rfm_segment is not null group by 1 order by 2 desc, 1'),
      lifecycleStages: await counts('select lifecycle_stage, count(*) from customer_tags_snapshot group by 1 order by 2 desc, 1'),
      identity,
      output,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      timings,
    };
  } finally {
    cat.close();
  }
}

/**
 * Points tag_as_of, identity_map and the session-materialised views at this refresh's inputs. A session table keeps
 * only the columns the tag library's views name (see usedColumns): int_order_lines has a row per order line, and its
 * unused columns (event ids, discounts, currencies...) were most of the refresh's memory and a good part of its reads.
 */
async function pointSessionViews(conn: DuckDBConnection, asOf: string, definition: SqlView, timings: Record<string, number>): Promise<void> {
  await conn.run(`create or replace view tag_as_of as select cast(${sqlString(asOf)} as date) as as_of_date`);
  await conn.run(
    `create or replace view identity_map as select identity_type, identity_value, customer_key, first_seen_at from ${RESOLVED_MAP_TABLE}`,
  );
  const readers = viewsReadBy(definition);
  for (const view of SESSION_MATERIALISED) {
    const t0 = Date.now();
    const all = (await conn.runAndReadAll(`select column_name from (describe ${view})`)).getRows().map(([c]) => String(c));
    const cols = usedColumns(view, all, readers);
    await conn.run(`create or replace table ${view}_session as select ${cols.map((c) => `"${c}"`).join(', ')} from ${view}`);
    await conn.run(`create or replace view ${view} as select * from ${view}_session`);
    timings[view] = Math.round((Date.now() - t0) / 100) / 10;
  }
}

/** The views under sql/ that `root` reads, directly or through others (root included). */
function viewsReadBy(root: SqlView): SqlView[] {
  const views = listSqlViews();
  const out = new Map<string, SqlView>();
  const visit = (v: SqlView) => {
    if (out.has(v.name)) return;
    out.set(v.name, v);
    const text = stripComments(v.sql);
    for (const o of views) if (o.name !== v.name && new RegExp(`\\b${o.name}\\b`).test(text)) visit(o);
  };
  visit(root);
  return [...out.values()];
}

/**
 * The columns of `view` that the views reading it can use: those whose name appears as a word in the SQL of a view
 * that names `view` (a superset: a name may appear for another relation's column). Every column if one of them
 * selects `alias.*` or `* from view`, as a reader could then pass any column on (`select * from final` over the
 * reader's own named columns is fine). A column a reader needs is never dropped, so
 * the snapshot is the same (test/tags/refresh-snapshot.test.ts compares it with the views' own answer).
 */
export function usedColumns(view: string, columns: readonly string[], readers: readonly SqlView[]): string[] {
  const texts = readers.filter((r) => r.name !== view && new RegExp(`\\b${view}\\b`).test(stripComments(r.sql))).map((r) => stripComments(r.sql));
  const passesAll = new RegExp(`\\w\\.\\*|\\*\\s+from\\s+${view}\\b`, 'i');
  if (texts.some((t) => passesAll.test(t))) return [...columns];
  const kept = columns.filter((c) => texts.some((t) => new RegExp(`\\b${c.replace(/[^\w]/g, '')}\\b`, 'i').test(t)));
  return kept.length ? kept : [...columns];
}

function stripSemicolon(sql: string): string {
  return sql.trim().replace(/;\s*$/, '');
}
