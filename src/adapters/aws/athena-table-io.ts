/**
 * Athena as the insights refresh's reader and writer:
 * - `AthenaRowReader` runs a query and pages through GetQueryResults (1,000 rows a page), returning rows as text
 *   keyed by column name (the header row skipped);
 * - `AthenaPartitionWriter` replaces one date partition of a Parquet table: it deletes the partition's objects, then
 *   INSERTs the rows as VALUES in statements under Athena's 256 KiB query limit. Athena writes the Parquet and
 *   registers the partition in Glue, so the Lambda bundles no Parquet writer. Fit for thousands to a few hundred
 *   thousand rows a run (each statement takes a few seconds); beyond that, stage files and INSERT ... SELECT.
 */
import { AthenaClient, GetQueryResultsCommand } from '@aws-sdk/client-athena';
import type { Column } from '../../contract/columns.ts';
import type { InsightsTable } from '../../insights/tables.ts';
import type { PartitionWriter, RowReader, TextRow } from '../../insights/refresh.ts';
import { AthenaQueryRunner, type AthenaQueryRunnerOptions } from './athena-query-runner.ts';
import { clientConfig } from './clients.ts';
import { AthenaQueryError } from './errors.ts';

export class AthenaRowReader implements RowReader {
  private readonly client: AthenaClient;
  private readonly runner: AthenaQueryRunner;

  constructor(options: AthenaQueryRunnerOptions) {
    this.client = options.client ?? new AthenaClient(clientConfig(options));
    this.runner = new AthenaQueryRunner({ ...options, client: this.client });
  }

  async rows(sql: string): Promise<TextRow[]> {
    const { queryExecutionId } = await this.runner.run(sql);
    const out: TextRow[] = [];
    let names: string[] | undefined;
    let token: string | undefined;
    let first = true;
    do {
      const res = await this.client.send(new GetQueryResultsCommand({ QueryExecutionId: queryExecutionId, NextToken: token, MaxResults: 1000 }));
      names ??= (res.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Name!);
      const rows = res.ResultSet?.Rows ?? [];
      // The first row of the first page repeats the column names.
      for (const r of first ? rows.slice(1) : rows) {
        const data = r.Data ?? [];
        out.push(Object.fromEntries(names.map((n, i) => [n, data[i]?.VarCharValue ?? null])));
      }
      first = false;
      token = res.NextToken;
    } while (token);
    return out;
  }

  columns(table: string): Promise<string[] | null> {
    return this.runner.columns(table);
  }

  run(sql: string): Promise<unknown> {
    return this.runner.run(sql);
  }
}

/** Trino type of a column in a CAST (VALUES rows are typed by their first row; casts keep NULLs typed). */
function trinoType(c: Column): string {
  switch (c.type) {
    case 'string':
    case 'json':
      return 'varchar';
    case 'int':
      return 'integer';
    case 'decimal':
      return 'decimal(18,2)';
    default:
      return c.type;
  }
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** One value as a SQL literal that Athena (Trino) and DuckDB read the same way; throws on a value the column cannot hold. */
export function sqlLiteral(c: Column, v: unknown): string {
  if (v === null || v === undefined) return `cast(null as ${trinoType(c)})`;
  const bad = () => new AthenaQueryError(`column ${c.name} (${c.type}): cannot write ${typeof v === 'number' ? String(v) : JSON.stringify(v)}`);
  switch (c.type) {
    case 'string':
      return quote(String(v));
    case 'json':
      return quote(typeof v === 'string' ? v : JSON.stringify(v));
    case 'boolean':
      if (typeof v !== 'boolean') throw bad();
      return v ? 'true' : 'false';
    case 'int':
    case 'bigint':
      if (typeof v !== 'number' || !Number.isInteger(v)) throw bad();
      return String(v);
    case 'double':
      if (typeof v !== 'number' || !Number.isFinite(v)) throw bad();
      // Exponent notation is a DOUBLE literal in both engines (a plain 1.5 would be a DECIMAL in Trino).
      return v.toExponential().toUpperCase();
    case 'decimal':
      if (typeof v !== 'number' && typeof v !== 'string') throw bad();
      return `cast(${quote(String(v))} as decimal(18,2))`;
    case 'date':
      if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) throw bad();
      return `date ${quote(v)}`;
    case 'timestamp': {
      const ms = Date.parse(String(v));
      if (Number.isNaN(ms)) throw bad();
      return `timestamp ${quote(new Date(ms).toISOString().replace('T', ' ').replace('Z', ''))}`;
    }
  }
}

/** Athena's query-string limit is 262,144 bytes; stay well under it. */
export const MAX_STATEMENT_BYTES = 200_000;

/** INSERT statements for the rows, each under `maxBytes`, columns in Glue order (data columns, then the partition). */
export function insertStatements(table: InsightsTable, rows: readonly Record<string, unknown>[], maxBytes = MAX_STATEMENT_BYTES): string[] {
  const cols = [...table.dataColumns, table.partition];
  const head = `insert into ${table.name} (${cols.map((c) => `"${c.name}"`).join(', ')}) values\n`;
  const out: string[] = [];
  let tuples: string[] = [];
  let bytes = Buffer.byteLength(head);
  for (const r of rows) {
    const t = `(${cols.map((c) => sqlLiteral(c, r[c.name])).join(', ')})`;
    const size = Buffer.byteLength(t) + 2;
    if (Buffer.byteLength(head) + size > maxBytes) throw new AthenaQueryError(`a row of ${table.name} needs ${size} bytes of SQL, more than one statement holds (${maxBytes})`);
    if (tuples.length && bytes + size > maxBytes) {
      out.push(head + tuples.join(',\n'));
      tuples = [];
      bytes = Buffer.byteLength(head);
    }
    tuples.push(t);
    bytes += size;
  }
  if (tuples.length) out.push(head + tuples.join(',\n'));
  return out;
}

export interface AthenaPartitionWriterOptions {
  readonly runner: { run(sql: string): Promise<unknown> };
  /** s3://bucket/ of the curated zone (the tables live under <path>/). */
  readonly curatedLocation: string;
  /** Deletes every object under an s3:// prefix; returns how many. */
  readonly clearPrefix: (s3Prefix: string) => Promise<number>;
}

export class AthenaPartitionWriter implements PartitionWriter {
  constructor(private readonly options: AthenaPartitionWriterOptions) {}

  async replacePartition(table: InsightsTable, value: string, rows: readonly Record<string, unknown>[]): Promise<void> {
    const mismatch = rows.find((r) => r[table.partition.name] !== value);
    if (mismatch) throw new AthenaQueryError(`${table.name}: every row must have ${table.partition.name} = ${value}, one has ${JSON.stringify(mismatch[table.partition.name])}`);
    const base = this.options.curatedLocation.endsWith('/') ? this.options.curatedLocation : `${this.options.curatedLocation}/`;
    await this.options.clearPrefix(`${base}${table.path}/${table.partition.name}=${value}/`);
    for (const sql of insertStatements(table, rows)) await this.options.runner.run(sql);
  }
}
