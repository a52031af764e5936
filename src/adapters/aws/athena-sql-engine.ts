/**
 * Athena as the SqlEngine port (src/ports): every work table is a CTAS to Parquet under its own prefix of the work
 * location (dropped with its files at the end), and replaceTable() rewrites a lake table under
 * <curated>/<name>/: it clears the prefix, then INSERTs (or, on the first run, CTASes) the SELECT's rows. A view of
 * the same name (the placeholder of sql/identity/identity_map.sql, deployed by earlier versions) is dropped first.
 *
 * Statements sent, per call:
 * - createTable: `drop table if exists <t>`, `create table <t> with (format = 'PARQUET', write_compression =
 *   'SNAPPY', external_location = '<work><t>/') as <select>` (after deleting <work><t>/);
 * - dropTable: `drop table if exists <t>` (then deletes <work><t>/);
 * - replaceTable: `insert into <t> <select>` after deleting <curated><t>/, or the CTAS above at <curated><t>/ when the
 *   table does not exist yet (after `drop view if exists <t>` when it is a view);
 * - scalar: the query as given.
 */
import type { SqlEngine } from '../../ports/index.ts';
import { AthenaQueryError } from './errors.ts';

export interface AthenaSqlEngineRunner {
  run(sql: string): Promise<{ readonly dataScannedBytes?: number } | unknown>;
  scalar(sql: string): Promise<string | null>;
  tableType(table: string): Promise<string | null>;
}

export interface AthenaSqlEngineOptions {
  readonly runner: AthenaSqlEngineRunner;
  /** s3://bucket/prefix/ under which work tables live while a run lasts. */
  readonly workLocation: string;
  /** s3://bucket/ of the curated zone: lake table <name> lives under <curatedLocation><name>/. */
  readonly curatedLocation: string;
  /** Deletes every object under an s3:// prefix; returns how many. */
  readonly clearPrefix: (s3Prefix: string) => Promise<number>;
}

const NAME = /^[a-z_][a-z0-9_]*$/;
const withSlash = (s: string) => (s.endsWith('/') ? s : `${s}/`);

function checked(name: string): string {
  if (!NAME.test(name)) throw new AthenaQueryError(`table name ${JSON.stringify(name)} is not a snake_case identifier`);
  return name;
}

/** CTAS to Parquet at `location` (which must be empty). */
export function ctasStatement(table: string, location: string, select: string): string {
  return `create table ${checked(table)} with (format = 'PARQUET', write_compression = 'SNAPPY', external_location = '${withSlash(location)}') as\n${select}`;
}

export class AthenaSqlEngine implements SqlEngine {
  /** Statements sent and bytes Athena scanned for them (DataScannedInBytes), for the run's log line. */
  readonly stats = { statements: 0, scannedBytes: 0 };

  constructor(private readonly options: AthenaSqlEngineOptions) {
    for (const [k, v] of [['workLocation', options.workLocation], ['curatedLocation', options.curatedLocation]] as const) {
      if (!/^s3:\/\/[^/]+\//.test(withSlash(v))) throw new AthenaQueryError(`${k} must be an s3://bucket/ URL, received ${JSON.stringify(v)}`);
    }
  }

  private async run(sql: string): Promise<void> {
    const outcome = (await this.options.runner.run(sql)) as { dataScannedBytes?: number } | undefined;
    this.stats.statements += 1;
    this.stats.scannedBytes += outcome?.dataScannedBytes ?? 0;
  }

  private workPrefix(name: string): string {
    return `${withSlash(this.options.workLocation)}${checked(name)}/`;
  }

  scalar(sql: string): Promise<string | null> {
    this.stats.statements += 1;
    return this.options.runner.scalar(sql);
  }

  async createTable(name: string, select: string): Promise<void> {
    await this.run(`drop table if exists ${checked(name)}`);
    await this.options.clearPrefix(this.workPrefix(name));
    await this.run(ctasStatement(name, this.workPrefix(name), select));
  }

  async dropTable(name: string): Promise<void> {
    await this.run(`drop table if exists ${checked(name)}`);
    await this.options.clearPrefix(this.workPrefix(name));
  }

  async replaceTable(name: string, select: string): Promise<void> {
    const location = `${withSlash(this.options.curatedLocation)}${checked(name)}/`;
    let type = await this.options.runner.tableType(name);
    if (type === 'VIRTUAL_VIEW') {
      await this.run(`drop view if exists ${name}`);
      type = null;
    }
    await this.options.clearPrefix(location);
    if (type) await this.run(`insert into ${name}\n${select}`);
    else await this.run(ctasStatement(name, location, select));
  }
}
