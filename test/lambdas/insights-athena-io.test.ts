/**
 * Athena as the refresh's reader (paged results) and writer (partition replaced by INSERT ... VALUES).
 *
 * Why Athena is mocked (aws-sdk-client-mock): moto's Athena runs no SQL and answers every query with one canned
 * result set, so it cannot page real results or execute the INSERT; DuckDB executes the generated INSERT here
 * instead, standing in for Athena as the reader of what was written.
 */
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { TrinoSQL } from 'dt-sql-parser';
import { beforeEach, describe, expect, it } from 'vitest';
import { openDuckDB, queryRows } from '../../src/adapters/local/duckdb.ts';
import { AthenaPartitionWriter, AthenaRowReader, insertStatements, sqlLiteral } from '../../src/adapters/aws/athena-table-io.ts';
import { insightsTable } from '../../src/insights/tables.ts';

const athena = mockClient(AthenaClient);
beforeEach(() => athena.reset());

describe('AthenaRowReader', () => {
  it('pages through the results, skipping the header row, with NULL as null', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q1' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    const meta = { ColumnInfo: [{ Name: 'series_id', Type: 'varchar' }, { Name: 'units', Type: 'double' }] };
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q1', NextToken: undefined })
      .resolves({ ResultSet: { ResultSetMetadata: meta, Rows: [{ Data: [{ VarCharValue: 'series_id' }, { VarCharValue: 'units' }] }, { Data: [{ VarCharValue: 'Shoes|S1' }, { VarCharValue: '3.0' }] }] }, NextToken: 't2' })
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q1', NextToken: 't2' })
      .resolves({ ResultSet: { ResultSetMetadata: meta, Rows: [{ Data: [{ VarCharValue: 'Toys|S1' }, {}] }] } });
    const reader = new AthenaRowReader({ workgroup: 'wg', database: 'db', client: new AthenaClient({ region: 'eu-west-1' }), sleep: async () => {} });
    expect(await reader.rows('select 1')).toEqual([
      { series_id: 'Shoes|S1', units: '3.0' },
      { series_id: 'Toys|S1', units: null },
    ]);
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input).toMatchObject({ WorkGroup: 'wg', QueryExecutionContext: { Database: 'db' } });
  });
});

const forecasts = insightsTable('demand_forecasts');
const row = (i: number) => ({ series_id: `O'Neil|S${i}`, period_start: '2026-01-05', forecast: 1 / 3 + i, lower: 0, upper: 1.5e-7, model_version: 'forecast-x', as_of: '2026-01-04' });

describe('insertStatements', () => {
  it('writes values Athena and DuckDB read back exactly: quotes, doubles, dates, NULLs', async () => {
    const [sql] = insertStatements(forecasts, [row(1), { ...row(2), model_version: null }]);
    expect(new TrinoSQL().validate(sql!).map((e) => e.message)).toEqual([]);
    const conn = await openDuckDB();
    try {
      await conn.run('create table demand_forecasts (series_id varchar, period_start date, forecast double, lower double, upper double, model_version varchar, as_of date)');
      await conn.run(sql!);
      const back = await queryRows(conn, "select series_id, cast(period_start as varchar) as period_start, forecast, lower, upper, model_version, cast(as_of as varchar) as as_of from demand_forecasts order by series_id");
      expect(back).toEqual([row(1), { ...row(2), model_version: null }]);
    } finally {
      conn.closeSync();
    }
  });

  it('splits rows into statements under the size limit, each a complete INSERT', () => {
    const rows = Array.from({ length: 500 }, (_, i) => row(i));
    const sqls = insertStatements(forecasts, rows, 20_000);
    expect(sqls.length).toBeGreaterThan(2);
    for (const s of sqls) expect(Buffer.byteLength(s)).toBeLessThanOrEqual(20_000);
    expect(sqls.join('\n').match(/\('O''Neil\|S\d+'/g)).toHaveLength(500);
  });

  it('rejects values a column cannot hold', () => {
    expect(() => sqlLiteral({ name: 'forecast', type: 'double', nullable: false, description: '' }, Number.NaN)).toThrow(/column forecast \(double\): cannot write NaN/);
    expect(() => sqlLiteral({ name: 'as_of', type: 'date', nullable: false, description: '' }, '2026-1-4')).toThrow(/column as_of \(date\)/);
  });
});

describe('AthenaPartitionWriter', () => {
  it('clears the partition prefix, then inserts', async () => {
    const calls: string[] = [];
    const w = new AthenaPartitionWriter({ runner: { run: async (s) => void calls.push(s.split('\n')[0]!) }, curatedLocation: 's3://curated-bucket', clearPrefix: async (p) => (calls.push(`clear ${p}`), 3) });
    await w.replacePartition(forecasts, '2026-01-04', [row(1)]);
    expect(calls).toEqual(['clear s3://curated-bucket/demand_forecasts/as_of=2026-01-04/', 'insert into demand_forecasts ("series_id", "period_start", "forecast", "lower", "upper", "model_version", "as_of") values']);
  });

  it('rejects a row of another partition before touching anything', async () => {
    const calls: string[] = [];
    const w = new AthenaPartitionWriter({ runner: { run: async (s) => void calls.push(s) }, curatedLocation: 's3://c/', clearPrefix: async (p) => (calls.push(p), 0) });
    await expect(w.replacePartition(forecasts, '2026-01-05', [row(1)])).rejects.toThrow(/every row must have as_of = 2026-01-05, one has "2026-01-04"/);
    expect(calls).toEqual([]);
  });
});
