/**
 * The local "Glue catalog + Athena": an embedded DuckDB session where every lake table is a view over its Parquet
 * files (typed empty views where nothing was written yet) and every file in sql/ becomes a view, created in
 * dependency order after the dialect shim (sql/_dialect/duckdb.sql) that makes Trino spellings work on DuckDB.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import { columnsOf, DERIVED_TABLES, duckdbType, TABLES, type TableDef } from '../contract/index.ts';
import { openDuckDB, sandbox, sqlString } from '../adapters/local/duckdb.ts';
import { tablePrefix } from './layout.ts';
import { lakeFiles, lakeRel } from './commit.ts';
import { CAMPAIGN_TABLES } from '../campaigns/tables.ts';

export const SQL_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../sql');

export interface SqlView {
  readonly name: string;
  readonly file: string;
  readonly sql: string;
}

/** Every view file under sql/ (one view per file, named after the file), excluding the dialect folder. */
export function listSqlViews(dir = SQL_DIR): SqlView[] {
  const out: SqlView[] = [];
  const walk = (d: string) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory() && !e.name.startsWith('_')) walk(p);
      else if (e.isFile() && e.name.endsWith('.sql')) out.push({ name: e.name.slice(0, -4), file: p, sql: fs.readFileSync(p, 'utf8') });
    }
  };
  walk(dir);
  return orderByDependencies(out);
}

/**
 * The views the Analytics stack deploys to Athena: every view under sql/. campaign_outcomes included: in AWS the
 * coupon issuer's decisions reach the curated zone through the decision export (src/campaigns/decision-export.ts)
 * and the lake catalog has the campaign tables (docs/campaigns.md, "In AWS").
 */
export function cloudSqlViews(dir = SQL_DIR): SqlView[] {
  return listSqlViews(dir);
}

/** Topological order: a view comes after every other view its SQL names. */
export function orderByDependencies(views: SqlView[]): SqlView[] {
  const byName = new Map(views.map((v) => [v.name, v]));
  const deps = new Map(
    views.map((v) => [v.name, views.filter((o) => o.name !== v.name && new RegExp(`\\b${o.name}\\b`).test(stripComments(v.sql))).map((o) => o.name)]),
  );
  const done = new Set<string>();
  const out: SqlView[] = [];
  const visit = (n: string, stack: string[]) => {
    if (done.has(n)) return;
    if (stack.includes(n)) throw new Error(`views depend on each other in a cycle: ${[...stack, n].join(' -> ')}`);
    for (const d of deps.get(n) ?? []) visit(d, [...stack, n]);
    done.add(n);
    out.push(byName.get(n)!);
  };
  for (const v of views) visit(v.name, []);
  return out;
}

export function stripComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
}

/**
 * Every committed Parquet file under `dir`, sorted: readers never see a file of an unfinished commit, nor one a
 * committed batch removed (src/lake/commit.ts).
 */
function parquetFiles(lakeDir: string, rel: string): string[] {
  return lakeFiles(lakeDir, rel, '.parquet');
}

/**
 * The files as a list literal. DuckDB re-binds a view's tree each time another view names it; an explicit list
 * saves the directory glob on every bind (8x faster to register the views of a year of daily partitions).
 */
function parquetList(files: string[]): string {
  return `[${files.map(sqlString).join(', ')}]`;
}

/** SQL that reads a contract table from the lake, or a typed empty relation when it has no files yet. */
export function tableRelation(lakeDir: string, t: TableDef): string {
  const cols = columnsOf(t.schema);
  const files = parquetFiles(lakeDir, tablePrefix(t));
  if (!files.length) {
    return `SELECT ${cols.map((c) => `CAST(NULL AS ${duckdbType(c.type)}) AS "${c.name}"`).join(', ')} WHERE false`;
  }
  const hiveTypes = t.partitionKeys.map((k) => `'${k}': ${duckdbType(cols.find((c) => c.name === k)!.type)}`).join(', ');
  const opts = t.partitionKeys.length ? `, hive_partitioning = true, hive_types = {${hiveTypes}}` : '';
  return `SELECT ${cols.map((c) => `"${c.name}"`).join(', ')} FROM read_parquet(${parquetList(files)}${opts})`;
}

/** Tables the pipeline derives (tags, scores, forecasts...) stored under curated/<name>/; named after the folder. */
function derivedTables(lakeDir: string): string[] {
  const contractPaths = new Set([...TABLES, ...DERIVED_TABLES, ...CAMPAIGN_TABLES].filter((t) => t.zone === 'curated').map((t) => t.path));
  const names = new Set(parquetFiles(lakeDir, 'curated').map((f) => lakeRel(lakeDir, f).split('/')[1]!));
  return [...names].filter((n) => !contractPaths.has(n) && /^[a-z][a-z0-9_]*$/.test(n)).sort();
}

export interface LakeCatalog {
  readonly conn: DuckDBConnection;
  readonly views: string[];
  close(): void;
}

export interface LakeCatalogOptions {
  /** Where the views under sql/ come from. @default SQL_DIR */
  readonly sqlDir?: string;
  /**
   * Close the session around the lake once the views exist (see sandbox()): for sessions that run SQL a user typed
   * (`query`) or that serve pages (`serve`). @default false
   */
  readonly sandboxed?: boolean;
  /** Create every view at open rather than when a statement first names it. @default false */
  readonly eager?: boolean;
}

/**
 * Opens an in-memory DuckDB over the lake with every table and view registered.
 *
 * Each view is created when a statement first names it (with the views it reads, in dependency order), not at
 * open: DuckDB binds a view's whole tree at CREATE, and a base table over a year of daily partitions lists thousands
 * of files, so creating all of sql/ took about 5 s of CPU per open, and a command that reads one view opened the
 * catalog several times (issue 19, docs/performance.md). A name counts as named when it appears as a word in the
 * statement's text (the rule `orderByDependencies` uses), so a statement sees exactly the session it would have seen
 * with every view created up front. `views` still lists every name. Sandboxed sessions (SQL a user typed) create
 * everything up front, before the lock, and so does `eager`.
 */
export async function openLakeCatalog(lakeDir: string, options: LakeCatalogOptions = {}): Promise<LakeCatalog> {
  const conn = await openDuckDB();
  const sqlDir = options.sqlDir ?? SQL_DIR;
  const shim = path.join(sqlDir, '_dialect', 'duckdb.sql');
  if (fs.existsSync(shim)) await conn.run(fs.readFileSync(shim, 'utf8'));
  // Name -> the statement that creates it and the text its dependencies are read from.
  const defs = new Map<string, { create: string; deps: string; file?: string }>();
  for (const t of [...TABLES, ...DERIVED_TABLES, ...CAMPAIGN_TABLES]) {
    defs.set(t.name, { create: `CREATE OR REPLACE VIEW ${t.name} AS ${tableRelation(lakeDir, t)}`, deps: '' });
  }
  for (const name of derivedTables(lakeDir)) {
    const files = parquetFiles(lakeDir, `curated/${name}`);
    defs.set(name, { create: `CREATE OR REPLACE VIEW ${name} AS SELECT * FROM read_parquet(${parquetList(files)}, hive_partitioning = true, union_by_name = true)`, deps: '' });
  }
  for (const v of listSqlViews(sqlDir)) {
    if (defs.has(v.name)) continue; // a materialised snapshot of the same name wins over its defining view
    defs.set(v.name, { create: `CREATE OR REPLACE VIEW ${v.name} AS ${stripTrailingSemicolon(v.sql)}`, deps: stripComments(v.sql), file: v.file });
  }
  const views = [...defs.keys()];
  const pending = new Map([...defs].map(([name, d]) => [name, { ...d, pattern: new RegExp(`\\b${name}\\b`) }]));
  const create = async (name: string, stack: string[]): Promise<void> => {
    const d = pending.get(name);
    if (!d) return;
    pending.delete(name);
    for (const [other, o] of [...pending]) if (o.pattern.test(d.deps) && !stack.includes(other)) await create(other, [...stack, name]);
    try {
      await conn.run(d.create);
    } catch (e) {
      // A lake table whose listed files are gone (replaced in this commit since the open): left out, as if never
      // named. A statement that does read it fails on the missing table, as it failed on the missing files before.
      if (!d.file && /No files found/.test((e as Error).message)) return;
      const where = d.file ? ` (${path.relative(process.cwd(), d.file)})` : '';
      throw new Error(`view ${name}${where} failed on DuckDB: ${(e as Error).message}`, { cause: e });
    }
  };
  let queue: Promise<void> = Promise.resolve();
  const ensure = (sql: string): Promise<void> => {
    if (!pending.size) return queue;
    // A statement that starts by defining (or dropping) a pending name replaces it: ours is never created, as if it
    // had been created at open and replaced (its files may be gone by now, e.g. identity_map rewritten in this commit).
    // A name in a comment is not read (the identity SQL's headers name identity_map), nor one in a quoted path (a COPY
    // to curated/identity_map/...); a name quoted alone still counts (relationExists asks duckdb_views() by name).
    const code = withoutComments(sql).replace(/'[^'\n]*[/\\][^'\n]*'/g, "''");
    const target = DEFINES.exec(code)?.[1]?.toLowerCase();
    if (target !== undefined) pending.delete(target);
    const named = [...pending].filter(([, d]) => d.pattern.test(code)).map(([n]) => n);
    if (!named.length) return queue;
    const next = queue.then(async () => {
      for (const n of named) await create(n, []);
    });
    queue = next.catch(() => undefined);
    return next;
  };
  if (options.sandboxed || options.eager) {
    for (const name of views) await create(name, []);
    if (options.sandboxed) await sandbox(conn, [lakeDir]);
    return { conn, views, close: () => conn.closeSync() };
  }
  const lazy = new Proxy(conn, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      if (!SQL_METHODS.has(prop)) return value.bind(target);
      return async (sql: unknown, ...rest: unknown[]) => {
        if (typeof sql === 'string') await ensure(sql);
        return (value as (...a: unknown[]) => unknown).apply(target, [sql, ...rest]);
      };
    },
  });
  return { conn: lazy, views, close: () => conn.closeSync() };
}

/** SQL without its comments; quoted strings and identifiers are kept whole (a `--` inside one is not a comment). */
export function withoutComments(sql: string): string {
  let out = '';
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < n && !(sql[j] === c && sql[j + 1] !== c)) j += sql[j] === c ? 2 : 1;
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      out += ' ';
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The name a statement's first words create, replace or drop (`create or replace view x as ...`, `drop table if exists x`). */
const DEFINES = /^\s*(?:create\s+(?:or\s+replace\s+)?(?:temp(?:orary)?\s+)?(?:view|table)\s+(?:if\s+not\s+exists\s+)?|drop\s+(?:view|table)\s+(?:if\s+exists\s+)?)"?([A-Za-z_][A-Za-z0-9_]*)"?/i;

/** The connection's methods that take SQL (or a table name) first: each creates the views its text names. */
const SQL_METHODS = new Set<string | symbol>([
  'run',
  'runAndRead',
  'runAndReadAll',
  'runAndReadUntil',
  'stream',
  'streamAndRead',
  'streamAndReadAll',
  'streamAndReadUntil',
  'start',
  'startThenRead',
  'startThenReadAll',
  'startThenReadUntil',
  'startStream',
  'startStreamThenRead',
  'startStreamThenReadAll',
  'startStreamThenReadUntil',
  'prepare',
  'extractStatements',
  'createAppender',
]);

function stripTrailingSemicolon(sql: string): string {
  return sql.trim().replace(/;\s*$/, '');
}
