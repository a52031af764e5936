/**
 * Identity resolution in SQL, for engines where the graph does not fit in one process (Athena): the same algorithm,
 * over-merge guard, anchors and customer keys as resolveIdentities() (src/identity/resolve.ts), with the connected
 * components computed by min-label propagation with hooking and pointer jumping instead of an in-memory union-find.
 * Each step is one SELECT in sql/identity/_resolve/, materialised through the SqlEngine port; the component rounds
 * run one statement each until a round changes no label (see 08_identity_parents_round.sql).
 *
 * @example await resolveIdentitiesSql(new AthenaSqlEngine({...}), { asOf: '2025-03-01' })
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IDENTITY_TYPES, identityColumn } from '../contract/index.ts';
import type { SqlEngine } from '../ports/index.ts';
import { IdentityError } from './errors.ts';
import { IDENTITY_SOURCES, knownHubsRelation, linkPairsSql, resolveOptions, type IdentityOptions } from './options.ts';

/**
 * Where the step files live in the repository. A Lambda bundle carries them elsewhere and passes `sqlDir`. (This
 * module imports nothing that loads DuckDB, so the Athena-backed Lambda can bundle it.)
 */
export const IDENTITY_SQL_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../sql/identity/_resolve');

/** The lake tables the SQL path writes (same names and columns as src/identity/materialise.ts). */
export const IDENTITY_MAP_TABLE = 'identity_map';
export const IDENTITY_HUBS_TABLE = 'identity_hubs';

/** Work tables, dropped at the end of a run; the parents table of round k is `${PARENTS}_<k>`. */
export const IDENTITY_WORK_TABLES = {
  rows: 'identity_work_rows',
  occurrences: 'identity_work_occurrences',
  nodes: 'identity_work_nodes',
  edges: 'identity_work_edges',
  hubs: 'identity_work_hubs',
  links: 'identity_work_links',
  parents: 'identity_work_parents',
} as const;

/** A round limit far above what any real graph needs (rounds grow with log2 of the longest path: 2^40 nodes). */
export const DEFAULT_MAX_ROUNDS = 40;

export interface SqlIdentityOptions extends IdentityOptions {
  /** Relations read (identity columns + occurred_at). @default IDENTITY_SOURCES */
  readonly sources?: readonly string[];
  /**
   * The pseudonym_links relation (PSEUDONYM_LINKS), whose previous-key / current-key pairs are linked as one
   * identifier after a PII key rotation. @default none (the lake has never rotated its key, or the engine lacks it)
   */
  readonly pseudonymLinks?: string;
  /** Tables written. @default { map: 'identity_map', hubs: 'identity_hubs' } */
  readonly targets?: { readonly map: string; readonly hubs: string };
  /** Stop with an error after this many rounds. @default DEFAULT_MAX_ROUNDS */
  readonly maxRounds?: number;
  /** Folder of the step files. @default IDENTITY_SQL_DIR */
  readonly sqlDir?: string;
  /** Keep the work tables (tests read them). @default false */
  readonly keepWorkTables?: boolean;
  /**
   * Prefix of the work tables' names, so that two runs in one database (the nightly refresh and a back-dated tag
   * refresh) never share them. @default 'identity_work'
   */
  readonly workTablePrefix?: string;
}

export interface SqlIdentityResolution {
  readonly asOf?: string;
  /** Identifiers in identity_map (hubs excluded). */
  readonly identities: number;
  readonly customers: number;
  readonly hubs: number;
  /** Directed kept links / 2: distinct co-occurring pairs used. */
  readonly links: number;
  /** Label-propagation rounds run, the last one being the round that changed nothing. */
  readonly rounds: number;
  /** Labels changed per round. */
  readonly changedPerRound: readonly number[];
  readonly seconds: number;
}

/** The step files, in the order a run uses them. */
export const IDENTITY_STEPS = [
  '01_identity_rows',
  '02_identity_occurrences',
  '03_identity_nodes',
  '04_identity_edges',
  '05_identity_hubs',
  '06_identity_links',
  '07_identity_parents_init',
  '08_identity_parents_round',
  '09_identity_parents_changed',
  '10_identity_map',
  '11_identity_hubs',
] as const;
export type IdentityStep = (typeof IDENTITY_STEPS)[number];

const stepCache = new Map<string, string>();

/** The SELECT of one step with its placeholders filled; fails naming a placeholder left unfilled. */
export function identityStepSql(step: IdentityStep, values: Record<string, string>, sqlDir = IDENTITY_SQL_DIR): string {
  const file = path.join(sqlDir, `${step}.sql`);
  let sql = stepCache.get(file);
  if (sql === undefined) {
    if (!fs.existsSync(file)) throw new IdentityError(`identity step ${step}: no file ${file} (is sql/identity/_resolve/ in the bundle?)`);
    sql = fs.readFileSync(file, 'utf8');
    stepCache.set(file, sql);
  }
  // Header comments document the step; the engines get the statement only.
  const body = sql
    .split('\n')
    .filter((l) => !l.startsWith('--'))
    .join('\n')
    .trim();
  return body.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new IdentityError(`sql/identity/_resolve/${step}.sql uses {{${name}}}, which the driver does not fill`);
    return v;
  });
}

const KINDS = IDENTITY_TYPES.map((type, rank) => ({ type, column: identityColumn(type), rank }));
const SOURCE_NAME = /^[a-z_][a-z0-9_]*$/;

function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

async function count(engine: SqlEngine, sql: string): Promise<number> {
  const v = await engine.scalar(sql);
  return v === null ? 0 : Number(v);
}

/**
 * Whether any source has a row to resolve (up to the end of `asOf`): one cheap statement (each branch stops at its
 * first row) that spares an empty lake the ~30 statements of a run that could only write an empty map.
 */
export async function hasIdentitySightings(engine: SqlEngine, o: { readonly asOf?: string; readonly sources?: readonly string[] } = {}): Promise<boolean> {
  const sources = o.sources ?? IDENTITY_SOURCES;
  const bad = sources.find((s) => !SOURCE_NAME.test(s));
  if (bad !== undefined) throw new IdentityError(`identity source ${JSON.stringify(bad)} is not a snake_case table name`);
  if (o.asOf !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(o.asOf)) throw new IdentityError(`as-of must be a date YYYY-MM-DD, received ${JSON.stringify(o.asOf)}`);
  const cutoff = o.asOf ? ` where occurred_at < timestamp '${nextDay(o.asOf)} 00:00:00'` : '';
  const branches = sources.map((s) => `(select 1 as seen from ${s}${cutoff} limit 1)`).join(' union all ');
  return (await count(engine, `select count(*) from (${branches}) as sightings`)) > 0;
}

/**
 * Resolves identities over `sources` with SQL only and writes identity_map and identity_hubs through `engine`.
 * Same result as resolveIdentities() + writeIdentityTables() on the same data (test/identity/resolve-sql.test.ts).
 */
export async function resolveIdentitiesSql(engine: SqlEngine, options: SqlIdentityOptions = {}): Promise<SqlIdentityResolution> {
  const started = Date.now();
  const opts = resolveOptions({ asOf: options.asOf, maxLinks: options.maxLinks, knownHubs: options.knownHubs });
  const sources = options.sources ?? IDENTITY_SOURCES;
  const bad = sources.find((s) => !SOURCE_NAME.test(s));
  if (bad !== undefined) throw new IdentityError(`identity source ${JSON.stringify(bad)} is not a snake_case table name`);
  const targets = options.targets ?? { map: IDENTITY_MAP_TABLE, hubs: IDENTITY_HUBS_TABLE };
  const maxRounds = options.maxRounds ?? DEFAULT_MAX_ROUNDS;
  const prefix = options.workTablePrefix ?? 'identity_work';
  if (!SOURCE_NAME.test(prefix)) throw new IdentityError(`work table prefix ${JSON.stringify(prefix)} is not a snake_case table name`);
  const w = Object.fromEntries(Object.entries(IDENTITY_WORK_TABLES).map(([k, v]) => [k, v.replace(/^identity_work/, prefix)])) as Record<keyof typeof IDENTITY_WORK_TABLES, string>;
  const cols = KINDS.map((k) => k.column).join(', ');
  const cutoff = opts.asOf ? ` where occurred_at < timestamp '${nextDay(opts.asOf)} 00:00:00'` : '';
  if (options.pseudonymLinks !== undefined && !SOURCE_NAME.test(options.pseudonymLinks)) {
    throw new IdentityError(`pseudonym links relation ${JSON.stringify(options.pseudonymLinks)} is not a snake_case table name`);
  }
  // Pairs of one identifier's hashes under the previous and the current PII key: one more tuple each, numbered after
  // the tuples (the same numbering in both branches: the pairs are distinct and ordered by all their columns).
  const linkPairs = options.pseudonymLinks
    ? `(select (select coalesce(max(row_id), 0) from ${w.rows}) + row_number() over (order by identity_type, previous_hash, current_hash) as row_id, identity_type, previous_hash, current_hash, kind_rank, first_seen_at
      from (${linkPairsSql(options.pseudonymLinks, opts.asOf ? `occurred_at < timestamp '${nextDay(opts.asOf)} 00:00:00'` : '', (t) => KINDS.find((k) => k.type === t)!.rank)}) as pairs)`
    : undefined;
  const values: Record<string, string> = {
    identity_columns: cols,
    sightings: sources.map((s) => `select ${cols}, occurred_at from ${s}${cutoff}`).join('\n    union all\n    '),
    occurrences: [
      ...KINDS.map(
        (k) => `select row_id, '${k.type}' as identity_type, ${k.column} as identity_value, first_seen_at, ${k.rank} as kind_rank from ${w.rows} where ${k.column} is not null`,
      ),
      ...(linkPairs
        ? [
            `select row_id, identity_type, previous_hash as identity_value, first_seen_at, kind_rank from ${linkPairs} as previous_side`,
            `select row_id, identity_type, current_hash as identity_value, first_seen_at, kind_rank from ${linkPairs} as current_side`,
          ]
        : []),
    ].join('\n    union all\n    '),
    known_hubs: knownHubsRelation(opts.knownHubs),
    limit_case: `case other_type ${KINDS.map((k) => `when '${k.type}' then ${opts.maxLinks[k.type]}`).join(' ')} end`,
    occurrences_table: w.occurrences,
    nodes_table: w.nodes,
    edges_table: w.edges,
    hubs_table: w.hubs,
    links_table: w.links,
  };
  const parentsTable = (round: number) => `${w.parents}_${round}`;
  const created: string[] = [];
  const create = async (name: string, step: IdentityStep, extra: Record<string, string> = {}) => {
    created.push(name);
    await engine.createTable(name, identityStepSql(step, { ...values, ...extra }, options.sqlDir));
  };
  const drop = async (name: string) => {
    await engine.dropTable(name);
    created.splice(created.indexOf(name), 1);
  };

  try {
    await create(w.rows, '01_identity_rows');
    await create(w.occurrences, '02_identity_occurrences');
    await create(w.nodes, '03_identity_nodes');
    await create(w.edges, '04_identity_edges');
    await create(w.hubs, '05_identity_hubs');
    await create(w.links, '06_identity_links');
    await create(parentsTable(0), '07_identity_parents_init');

    const changedPerRound: number[] = [];
    let round = 0;
    for (;;) {
      if (round >= maxRounds) {
        throw new IdentityError(`connected components did not settle within ${maxRounds} rounds (${changedPerRound.join(', ')} labels changed per round); raise maxRounds`);
      }
      const current = parentsTable(round);
      const next = parentsTable(round + 1);
      await create(next, '08_identity_parents_round', { parents_table: current });
      const changed = await count(engine, identityStepSql('09_identity_parents_changed', { parents_table: current, next_parents_table: next }, options.sqlDir));
      changedPerRound.push(changed);
      round += 1;
      await drop(current);
      if (changed === 0) break;
    }
    const parents = parentsTable(round);

    await engine.replaceTable(targets.map, identityStepSql('10_identity_map', { ...values, parents_table: parents }, options.sqlDir));
    await engine.replaceTable(targets.hubs, identityStepSql('11_identity_hubs', values, options.sqlDir));
    const links = (await count(engine, `select count(*) from ${w.links}`)) / 2;
    return {
      asOf: opts.asOf,
      identities: await count(engine, `select count(*) from ${targets.map}`),
      customers: await count(engine, `select count(distinct customer_key) from ${targets.map}`),
      hubs: await count(engine, `select count(*) from ${targets.hubs}`),
      links,
      rounds: round,
      changedPerRound,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
  } catch (e) {
    // Clean up what can be cleaned, but report the failure that stopped the run, not a failed drop after it.
    if (!options.keepWorkTables) for (const t of [...created].reverse()) await engine.dropTable(t).catch(() => {});
    created.length = 0;
    if (e instanceof IdentityError) throw e;
    throw new IdentityError(`identity resolution (SQL) failed over ${sources.join(', ')}: ${(e as Error).message}`, { cause: e });
  } finally {
    if (!options.keepWorkTables) for (const t of [...created].reverse()) await engine.dropTable(t);
  }
}
