/**
 * DuckDB as the SqlEngine port (src/ports): work tables are session tables, and replaceTable either writes
 * <lake>/curated/<name>/ as Parquet (with `lakeDir`) or keeps a session table of that name (tests). The Trino
 * dialect shim (sql/_dialect/duckdb.sql) is loaded once, so the identity SQL runs here as written for Athena.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { replaceParquetDir } from '../../identity/lake-output.ts';
import { lakeFiles } from '../../lake/commit.ts';
import { SQL_DIR } from '../../lake/local-catalog.ts';
import { sqlString } from './duckdb.ts';
import type { SqlEngine } from '../../ports/index.ts';

const NAME = /^[a-z_][a-z0-9_]*$/;

function checked(name: string): string {
  if (!NAME.test(name)) throw new RangeError(`table name ${JSON.stringify(name)} is not a snake_case identifier`);
  return name;
}

export interface DuckDbSqlEngineOptions {
  /** Write replaceTable() results under <lakeDir>/curated/<name>/ as Parquet. @default - session tables */
  readonly lakeDir?: string;
  /** Every statement run, in order (tests count rounds and parse them). */
  readonly log?: string[];
}

export class DuckDbSqlEngine implements SqlEngine {
  private constructor(
    private readonly conn: DuckDBConnection,
    private readonly options: DuckDbSqlEngineOptions,
  ) {}

  /** Wraps a connection and loads the Trino dialect shim into it. */
  static async create(conn: DuckDBConnection, options: DuckDbSqlEngineOptions = {}): Promise<DuckDbSqlEngine> {
    await conn.run(fs.readFileSync(path.join(SQL_DIR, '_dialect', 'duckdb.sql'), 'utf8'));
    return new DuckDbSqlEngine(conn, options);
  }

  private async run(sql: string): Promise<void> {
    this.options.log?.push(sql);
    await this.conn.run(sql);
  }

  async scalar(sql: string): Promise<string | null> {
    this.options.log?.push(sql);
    const v = (await this.conn.runAndReadAll(sql)).getRows()[0]?.[0];
    return v === null || v === undefined ? null : String(v);
  }

  async createTable(name: string, select: string): Promise<void> {
    await this.run(`create or replace table ${checked(name)} as\n${select}`);
  }

  async dropTable(name: string): Promise<void> {
    await this.run(`drop table if exists ${checked(name)}`);
  }

  async replaceTable(name: string, select: string): Promise<void> {
    if (!this.options.lakeDir) return this.createTable(name, select);
    this.options.log?.push(select);
    await replaceParquetDir(this.conn, this.options.lakeDir, checked(name), select);
    // Later statements of the run (counts) read what was written.
    // Through the lake's file list: inside a command's commit the new file is still staged, not yet in curated/.
    await this.conn.run(`create or replace view ${name} as select * from read_parquet([${lakeFiles(this.options.lakeDir, `curated/${name}`, '.parquet').map(sqlString).join(', ')}])`);
  }
}
