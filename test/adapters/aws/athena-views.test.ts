// The views deployer's Athena calls (CREATE OR REPLACE VIEW, DROP VIEW, failures named per view).
//
// Why Athena is mocked (aws-sdk-client-mock): moto's Athena runs no SQL; every query SUCCEEDS at once with one
// canned result set, so it can neither fail a view with Athena's reason nor keep a query RUNNING for the poller.
// The statements' Trino grammar is checked in athena-sql-grammar.test.ts; the views themselves run on DuckDB in
// test/sql/.
import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AthenaQueryRunner } from '../../../src/adapters/aws/athena-query-runner.ts';
import { createViewStatement, deployViews, dropViews } from '../../../src/adapters/aws/athena-views.ts';
import { AthenaQueryError } from '../../../src/adapters/aws/errors.ts';

const athena = mockClient(AthenaClient);
const runner = () =>
  new AthenaQueryRunner({ workgroup: 'wg', database: 'db', client: new AthenaClient({ region: 'us-east-1' }), sleep: async () => {} });

describe('deployViews', () => {
  it('creates every view in the order given, then drops views that disappeared (dependents first)', async () => {
    const statements: string[] = [];
    const rec = { run: async (sql: string) => (statements.push(sql), { queryExecutionId: 'q', dataScannedBytes: 0 }) };
    await deployViews(rec, [{ name: 'stg_pos', sql: 'select 1 as x;' }, { name: 'customer_360', sql: 'select x from stg_pos' }], ['stg_pos', 'int_old', 'mart_old']);
    expect(statements).toEqual([
      'create or replace view stg_pos as\nselect 1 as x',
      'create or replace view customer_360 as\nselect x from stg_pos',
      'drop view if exists mart_old',
      'drop view if exists int_old',
    ]);
  });

  it('runs the afterView hook before the next view, and never drops as a view a name that is a table now', async () => {
    const statements: string[] = [];
    const rec = { run: async (sql: string) => (statements.push(sql), { queryExecutionId: 'q', dataScannedBytes: 0 }) };
    await deployViews(rec, [{ name: 'customer_tags_live', sql: 'select 1 as x' }, { name: 'customer_360', sql: 'select x from customer_tags' }], ['customer_tags', 'customer_360'], {
      tables: ['customer_tags'],
      afterView: async (name) => void (name === 'customer_tags_live' && statements.push('-- snapshot table checked')),
    });
    expect(statements).toEqual([
      'create or replace view customer_tags_live as\nselect 1 as x',
      '-- snapshot table checked',
      'create or replace view customer_360 as\nselect x from customer_tags',
    ]);
  });

  it('drops views in reverse order on delete', async () => {
    const statements: string[] = [];
    await dropViews({ run: async (sql) => (statements.push(sql), { queryExecutionId: 'q', dataScannedBytes: 0 }) }, ['a', 'b']);
    expect(statements).toEqual(['drop view if exists b', 'drop view if exists a']);
  });

  it('rejects a view name that is not a snake_case identifier', () => {
    expect(() => createViewStatement({ name: 'x; drop table y', sql: 'select 1' })).toThrow(/not a snake_case identifier/);
  });
});

describe('AthenaQueryRunner', () => {
  beforeEach(() => athena.reset());

  it('starts the query in the workgroup and database and waits until it succeeds', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 42 } } });
    expect(await runner().run('select 1')).toEqual({ queryExecutionId: 'q1', dataScannedBytes: 42 });
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input).toMatchObject({
      QueryString: 'select 1',
      WorkGroup: 'wg',
      QueryExecutionContext: { Database: 'db' },
    });
  });

  it('fails with AthenaQueryError carrying Athena’s reason and the statement', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q2' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'FAILED', StateChangeReason: 'line 1:8: Column x cannot be resolved' } } });
    const err = await runner().run('create or replace view v as select x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AthenaQueryError);
    expect((err as Error).message).toMatch(/q2 failed: line 1:8: Column x cannot be resolved \(statement: create or replace view v/);
  });
});
