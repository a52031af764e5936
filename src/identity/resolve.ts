/**
 * Identity resolution: stitches the identifiers that co-occur on events and order lines (member id, hashed phone,
 * hashed e-mail, device id, hashed openid, guest id) into customers, the connected components of the identity graph.
 *
 * The heavy lifting is DuckDB SQL (distinct identity tuples, node numbering, co-occurrence pairs, the over-merge
 * guard) plus one pass of union-find over typed arrays; 10 million identities take well under a minute on two
 * cores (bench/identity.ts).
 *
 * Stable keys. Nodes are numbered by (first_seen_at, kind, value), and union-find keeps the smallest node of a
 * component as its root, so every customer is anchored on its earliest-seen identifier and
 * customer_key = 'ck_' + the first 20 hex digits of sha256('<kind>:<value>') of that anchor. An identifier that joins
 * later is seen later, so it never moves the anchor: the customer keeps its key. When two customers merge, the
 * one seen first keeps its key and the other key retires. Only a backfill of history older than a customer's first
 * sighting, or the anchor itself being set aside by the guard, re-anchors a customer.
 *
 * Over-merge guard. An identifier linked to more distinct identifiers of one kind than that kind's limit is shared
 * (a store tablet, a till's default phone): none of its links is used, it is left out of identity_map, and it is
 * reported, with its link counts, in identity_hubs.
 */
import { DuckDBDataChunk, INTEGER, type DuckDBConnection, type DuckDBIntegerVector } from '@duckdb/node-api';
import { IDENTITY_TYPES, identityColumn, type IdentityType } from '../contract/index.ts';
import { sqlString } from '../adapters/local/duckdb.ts';
import { IdentityError } from './errors.ts';
import { knownHubsRelation, linkPairsSql, PSEUDONYM_LINKS, resolveOptions, type IdentityOptions } from './options.ts';
import { UnionFind } from './union-find.ts';

/** Session table holding the resolved map: identity_type, identity_value, customer_key, first_seen_at. */
export const RESOLVED_MAP_TABLE = 'identity_map_resolved';
/** Session table of the identifiers set aside by the over-merge guard. */
export const RESOLVED_HUBS_TABLE = 'identity_hubs_resolved';

import { IDENTITY_SOURCES } from './options.ts';

export { IDENTITY_SOURCES };

export interface IdentityResolution {
  /** Data used: up to the end of this UTC day (undefined = all data). */
  readonly asOf?: string;
  /** Identifiers in identity_map (hubs excluded). */
  readonly identities: number;
  /** Stitched customers (distinct customer_key). */
  readonly customers: number;
  /** Distinct co-occurring identifier pairs used as links. */
  readonly links: number;
  /** Pairs not used because one end is an identifier over the limit. */
  readonly droppedEdges: number;
  /** Identifiers set aside by the over-merge guard. */
  readonly hubs: number;
  /** Identifiers of the largest customer. */
  readonly largestCustomer: number;
  /** Customers per number of identifiers: {"1": n, "2": n, ..., "10+": n}. */
  readonly customersBySize: Record<string, number>;
  readonly maxLinks: Readonly<Record<IdentityType, number>>;
  readonly seconds: number;
  /** Seconds per phase: graph (tuples, nodes, pairs), guard, components (union-find), map. */
  readonly timings: Record<string, number>;
}

const KINDS = IDENTITY_TYPES.map((type, rank) => ({ type, column: identityColumn(type), rank }));
const WORK_TABLES = ['identity_rows', 'identity_link_pairs', 'identity_occurrences', 'identity_nodes', 'identity_edges', 'identity_links', 'identity_components'];

function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

async function scalar(conn: DuckDBConnection, sql: string): Promise<number> {
  const v = (await conn.runAndReadAll(sql)).getRows()[0]?.[0];
  return v === null || v === undefined ? 0 : Number(v);
}

/**
 * Resolves identities over `sources` (relations with the identity columns and occurred_at) into the session tables
 * RESOLVED_MAP_TABLE and RESOLVED_HUBS_TABLE, and returns the figures.
 */
export async function resolveIdentities(
  conn: DuckDBConnection,
  options: IdentityOptions = {},
  sources: readonly string[] = IDENTITY_SOURCES,
  diagnostics: { keepGraph?: boolean } = {},
): Promise<IdentityResolution> {
  const started = Date.now();
  const timings: Record<string, number> = {};
  let phase = Date.now();
  const lap = (name: string) => {
    timings[name] = Math.round((Date.now() - phase) / 100) / 10;
    phase = Date.now();
  };
  const opts = resolveOptions(options);
  const cols = KINDS.map((k) => k.column).join(', ');
  const cutoff = opts.asOf ? `where occurred_at < timestamp ${sqlString(`${nextDay(opts.asOf)} 00:00:00`)}` : '';
  const union = sources.map((s) => `select ${cols}, occurred_at from ${s} ${cutoff}`).join('\nunion all\n');

  try {
    // 1. Distinct identity tuples (an event's set of identifiers) with the first time each was seen.
    await conn.run(`
      create or replace table identity_rows as
      select row_number() over () as row_id, ${cols}, first_seen_at
      from (
        select ${cols}, min(occurred_at) as first_seen_at
        from (${union})
        where coalesce(${cols}) is not null
        group by ${cols}
      )`);
    // 1b. During and after a PII key rotation: each identifier's previous-key and current-key hashes, as one more
    // tuple per pair (row ids after the tuples'), so that the two pseudonyms of one phone end up one customer.
    const links = (await relationExists(conn, PSEUDONYM_LINKS)) ? PSEUDONYM_LINKS : undefined;
    if (links) {
      const linkCutoff = opts.asOf ? `occurred_at < timestamp ${sqlString(`${nextDay(opts.asOf)} 00:00:00`)}` : '';
      await conn.run(`
        create or replace table identity_link_pairs as
        select (select coalesce(max(row_id), 0) from identity_rows) + row_number() over (order by identity_type, previous_hash, current_hash) as row_id,
          identity_type, previous_hash, current_hash, kind_rank, first_seen_at
        from (${linkPairsSql(links, linkCutoff, (t) => KINDS.find((k) => k.type === t)!.rank)})`);
    }
    // 2. One row per identifier per tuple.
    await conn.run(`
      create or replace table identity_occurrences as
      ${KINDS.map((k) => `select row_id, '${k.type}' as identity_type, ${k.column} as identity_value, first_seen_at, ${k.rank} as kind_rank
        from identity_rows where ${k.column} is not null`).join('\nunion all\n')}
      ${
        links
          ? `union all select row_id, identity_type, previous_hash as identity_value, first_seen_at, kind_rank from identity_link_pairs
             union all select row_id, identity_type, current_hash as identity_value, first_seen_at, kind_rank from identity_link_pairs`
          : ''
      }`);
    // 3. Nodes numbered by first sighting, so the smallest node of a component is its anchor.
    await conn.run(`
      create or replace table identity_nodes as
      select
        cast(row_number() over (order by first_seen_at, kind_rank, identity_value) - 1 as integer) as node,
        identity_type, identity_value, first_seen_at
      from (
        select identity_type, identity_value, min(first_seen_at) as first_seen_at, min(kind_rank) as kind_rank
        from identity_occurrences
        group by identity_type, identity_value
      )`);
    // 4. Co-occurrence pairs: every two identifiers on one tuple.
    await conn.run(`
      create or replace table identity_edges as
      with row_nodes as (
        select o.row_id, n.node, n.identity_type
        from identity_occurrences as o
        join identity_nodes as n on n.identity_type = o.identity_type and n.identity_value = o.identity_value
      )
      select distinct a.node as a, b.node as b, a.identity_type as a_type, b.identity_type as b_type
      from row_nodes as a
      join row_nodes as b on a.row_id = b.row_id and a.node < b.node`);
    lap('graph');
    // 5. The over-merge guard: identifiers linked to too many identifiers of one kind.
    const limitCase = `case other_type ${KINDS.map((k) => `when '${k.type}' then ${opts.maxLinks[k.type]}`).join(' ')} end`;
    await conn.run(`
      create or replace table ${RESOLVED_HUBS_TABLE} as
      with link_counts as (
        select node, other_type, count(*) as links
        from (
          select a as node, b_type as other_type from identity_edges
          union all
          select b as node, a_type as other_type from identity_edges
        )
        group by node, other_type
      ),
      over_limit as (
        select node, other_type, links from link_counts where links > ${limitCase}
      ),
      over_limit_nodes as (
        select node, string_agg(other_type || '=' || links, ',' order by other_type) as over_limit
        from over_limit
        group by node
      ),
      known_nodes as (
        select n.node, k.over_limit
        from (${knownHubsRelation(opts.knownHubs)}) as k
        join identity_nodes as n on n.identity_type = k.identity_type and n.identity_value = k.identity_value
      ),
      hub_nodes as (
        select coalesce(o.node, k.node) as node, coalesce(o.over_limit, k.over_limit) as over_limit
        from over_limit_nodes as o
        full outer join known_nodes as k on k.node = o.node
      ),
      hub_links as (
        select h.node, coalesce(sum(c.links), 0) as linked_identities
        from hub_nodes as h
        left join link_counts as c on c.node = h.node
        group by h.node
      )
      select n.identity_type, n.identity_value, l.linked_identities, h.over_limit, n.first_seen_at, h.node
      from hub_nodes as h
      join hub_links as l on l.node = h.node
      join identity_nodes as n on n.node = h.node`);
    await conn.run(`
      create or replace table identity_links as
      select e.a, e.b
      from identity_edges as e
      left join ${RESOLVED_HUBS_TABLE} as ha on ha.node = e.a
      left join ${RESOLVED_HUBS_TABLE} as hb on hb.node = e.b
      where ha.node is null and hb.node is null`);
    lap('guard');

    // 6. Connected components in typed arrays.
    const nodeCount = await scalar(conn, 'select count(*) from identity_nodes');
    const uf = new UnionFind(nodeCount);
    const result = await conn.stream('select a, b from identity_links');
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const va = chunk.getColumnVector(0) as DuckDBIntegerVector;
      const vb = chunk.getColumnVector(1) as DuckDBIntegerVector;
      for (let i = 0; i < chunk.rowCount; i++) uf.union(va.getItem(i)!, vb.getItem(i)!);
    }
    await writeComponents(conn, uf.roots());
    lap('components');

    // 7. The map: every identifier (hubs excluded) with its anchor's key.
    await conn.run(`
      create or replace table ${RESOLVED_MAP_TABLE} as
      select
        n.identity_type,
        n.identity_value,
        -- system.main.sha256: DuckDB's hex digest, also where sql/_dialect/duckdb.sql gives sha256 Trino's meaning.
        'ck_' || substr(system.main.sha256(a.identity_type || ':' || a.identity_value), 1, 20) as customer_key,
        n.first_seen_at
      from identity_nodes as n
      left join identity_components as c on c.node = n.node
      join identity_nodes as a on a.node = coalesce(c.anchor, n.node)
      left join ${RESOLVED_HUBS_TABLE} as h on h.node = n.node
      where h.node is null`);
    lap('map');

    const sizes = (
      await conn.runAndReadAll(`
        select case when size >= 10 then '10+' else cast(size as varchar) end as size_class, count(*) as customers, max(size) as largest
        from (select customer_key, count(*) as size from ${RESOLVED_MAP_TABLE} group by customer_key)
        group by size_class`)
    ).getRows();
    const customersBySize: Record<string, number> = {};
    let customers = 0;
    let largestCustomer = 0;
    for (const [sizeClass, n, largest] of sizes) {
      customersBySize[String(sizeClass)] = Number(n);
      customers += Number(n);
      largestCustomer = Math.max(largestCustomer, Number(largest));
    }
    const orderedSizes = Object.fromEntries(Object.entries(customersBySize).sort((x, y) => (parseInt(x[0]) || 99) - (parseInt(y[0]) || 99)));
    return {
      asOf: opts.asOf,
      identities: await scalar(conn, `select count(*) from ${RESOLVED_MAP_TABLE}`),
      customers,
      links: await scalar(conn, 'select count(*) from identity_links'),
      droppedEdges: (await scalar(conn, 'select count(*) from identity_edges')) - (await scalar(conn, 'select count(*) from identity_links')),
      hubs: await scalar(conn, `select count(*) from ${RESOLVED_HUBS_TABLE}`),
      largestCustomer,
      customersBySize: orderedSizes,
      maxLinks: opts.maxLinks,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      timings,
    };
  } catch (e) {
    if (e instanceof IdentityError) throw e;
    throw new IdentityError(`identity resolution failed over ${sources.join(', ')}: ${(e as Error).message}`, { cause: e });
  } finally {
    // keepGraph leaves identity_nodes (node, identity_type, identity_value) and identity_edges (a, b) for evaluation.
    for (const t of WORK_TABLES) {
      if (diagnostics.keepGraph && (t === 'identity_nodes' || t === 'identity_edges')) continue;
      await conn.run(`drop table if exists ${t}`);
    }
  }
}

/** Whether the session knows a table or view of that name (the lake catalog defines pseudonym_links, a bare session may not). */
async function relationExists(conn: DuckDBConnection, name: string): Promise<boolean> {
  return (await scalar(conn, `select count(*) from duckdb_tables() where table_name = ${sqlString(name)}`)) + (await scalar(conn, `select count(*) from duckdb_views() where view_name = ${sqlString(name)}`)) > 0;
}

/** Writes (node, anchor) for every node that is not its own anchor; singletons are implied. */
async function writeComponents(conn: DuckDBConnection, roots: Int32Array): Promise<void> {
  await conn.run('create or replace table identity_components (node integer, anchor integer)');
  const appender = await conn.createAppender('identity_components');
  const size = 2048;
  let nodes: number[] = [];
  let anchors: number[] = [];
  const flush = () => {
    if (!nodes.length) return;
    const chunk = DuckDBDataChunk.create([INTEGER, INTEGER]);
    chunk.setColumns([nodes, anchors]);
    appender.appendDataChunk(chunk);
    nodes = [];
    anchors = [];
  };
  for (let i = 0; i < roots.length; i++) {
    if (roots[i] === i) continue;
    nodes.push(i);
    anchors.push(roots[i]!);
    if (nodes.length === size) flush();
  }
  flush();
  appender.closeSync();
}
