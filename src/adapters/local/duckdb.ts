/** Embedded DuckDB: plays Athena locally. One small helper so every caller opens it the same way. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBConnection, DuckDBInstance, type DuckDBResultReader } from '@duckdb/node-api';

/** DuckDB's memory limit for every session the project opens, unless RETAIL_LAKE_DUCKDB_MEMORY says otherwise. */
export const DEFAULT_DUCKDB_MEMORY_LIMIT = '2GB';

const MEMORY_LIMIT = /^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;
let spillDirs = 0;

/**
 * The memory limit and spill folder of a session. DuckDB's own default limit is 80% of the machine's memory, which a
 * tag refresh over 10 million order lines fills (12 GB) although its joins, aggregates, sorts and tables can spill to
 * disk. Every session gets RETAIL_LAKE_DUCKDB_MEMORY (default DEFAULT_DUCKDB_MEMORY_LIMIT; DuckDB's syntax: 512MB,
 * 4GB) and spills to a folder of its own under RETAIL_LAKE_DUCKDB_TEMP (default the OS temp folder), which DuckDB
 * creates on the first spill and removes when the session closes. The process's peak also holds Node's heap and
 * what DuckDB keeps outside its buffer pool: docs/performance.md, "Memory".
 */
export function duckdbResourceOptions(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const limit = (env.RETAIL_LAKE_DUCKDB_MEMORY ?? '').trim() || DEFAULT_DUCKDB_MEMORY_LIMIT;
  if (!MEMORY_LIMIT.test(limit)) {
    throw new Error(`RETAIL_LAKE_DUCKDB_MEMORY must be an amount of memory such as 2GB or 512MB, received ${JSON.stringify(env.RETAIL_LAKE_DUCKDB_MEMORY)}`);
  }
  const root = path.resolve((env.RETAIL_LAKE_DUCKDB_TEMP ?? '').trim() || path.join(os.tmpdir(), 'retail-lake-duckdb'));
  fs.mkdirSync(root, { recursive: true });
  return { memory_limit: limit, temp_directory: path.join(root, `${process.pid}-${++spillDirs}`) };
}

export async function openDuckDB(file = ':memory:', options: Record<string, string> = {}): Promise<DuckDBConnection> {
  const instance = await DuckDBInstance.create(file, { threads: '2', ...duckdbResourceOptions(), ...options });
  const conn = await instance.connect();
  // The session is the instance's only connection: closing it closes the instance too, so its memory and spill
  // folder go now rather than whenever the garbage collector finds the instance.
  const closeConnection = conn.closeSync.bind(conn);
  conn.closeSync = () => {
    closeConnection();
    instance.closeSync();
  };
  return conn;
}

/**
 * Closes a session around the given directories: no file outside them (read_text('/etc/passwd'), glob, read_blob,
 * ATTACH, a symlink pointing out), no network (an https:// URL is a file outside), no extension install or load (so
 * nothing is downloaded and ~/.duckdb is never written), and the configuration locked so no SET can undo it. Call it
 * after the views are created: a view is checked when it is read, so views over the lake keep answering.
 * DuckDB 1.5 settings: allowed_directories (prefixes, matched per path component), enable_external_access,
 * autoinstall_known_extensions / autoload_known_extensions, lock_configuration.
 */
export async function sandbox(conn: DuckDBConnection, allowedDirectories: readonly string[]): Promise<void> {
  const dirs = [...new Set(allowedDirectories.flatMap((d) => realAndResolved(d)))];
  await conn.run(`SET allowed_directories = [${dirs.map(sqlString).join(', ')}]`);
  await conn.run('SET enable_external_access = false');
  await conn.run('SET autoinstall_known_extensions = false');
  await conn.run('SET autoload_known_extensions = false');
  await conn.run('SET allow_community_extensions = false');
  await conn.run('SET lock_configuration = true');
}

/** A directory as given (absolute) and with symlinks resolved: DuckDB compares the path a query names. */
function realAndResolved(dir: string): string[] {
  const abs = path.resolve(dir);
  try {
    return [abs, fs.realpathSync(abs)];
  } catch {
    return [abs];
  }
}

/** Raised when a sandboxed query reaches for a file, URL, extension or setting outside the lake. */
export class QueryRefusedError extends Error {
  constructor(
    message: string,
    readonly target: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'QueryRefusedError';
  }
}

/**
 * The refusal behind a DuckDB error raised by the sandbox, or undefined for any other error. `where` names what the
 * session may read, for the message.
 */
export function sandboxRefusal(e: unknown, where: string): QueryRefusedError | undefined {
  const msg = (e as Error)?.message ?? '';
  const file = /Permission Error: Cannot access (?:file|directory) "([^"]*)"/.exec(msg);
  if (file) {
    const target = file[1]!;
    const what = /^[a-z][a-z0-9+.-]*:\/\//i.test(target) && !target.startsWith('file://') ? 'a network location' : 'a path outside the lake';
    return new QueryRefusedError(`query refused: ${JSON.stringify(target)} is ${what}; queries may read only ${where}`, target, { cause: e });
  }
  if (/Permission Error: .*extensions? .*disabled/i.test(msg)) {
    return new QueryRefusedError(`query refused: installing or loading DuckDB extensions is disabled; queries may read only ${where}`, 'extension', { cause: e });
  }
  if (/configuration has been locked/.test(msg)) {
    return new QueryRefusedError(`query refused: the session's settings are locked (${msg.split('\n')[0]!.replace(/^.*Error: /, '')})`, 'configuration', { cause: e });
  }
  return undefined;
}

/** SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

const NUMERIC = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT', 'DECIMAL', 'FLOAT', 'DOUBLE']);

/**
 * Rows as plain JSON objects for people and scripts: integers, decimals and doubles become JSON numbers (DuckDB's
 * own JSON form keeps 64-bit integers and decimals as strings); an integer beyond 2^53 stays a string.
 */
export function readerRows(reader: DuckDBResultReader): Record<string, unknown>[] {
  const rows = reader.getRowObjectsJson() as Record<string, unknown>[];
  const names = reader.columnNames();
  const numeric = reader.columnTypes().map((t) => NUMERIC.has(String(t).replace(/\(.*$/, '')));
  for (const row of rows) {
    names.forEach((n, i) => {
      const v = row[n];
      if (numeric[i] && typeof v === 'string') {
        const num = Number(v);
        if (Number.isFinite(num) && (!/^-?\d+$/.test(v) || Number.isSafeInteger(num))) row[n] = num;
      }
    });
  }
  return rows;
}

/** Runs a query and returns its rows as JSON-friendly objects (see readerRows). */
export async function queryRows(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return readerRows(await conn.runAndReadAll(sql));
}
