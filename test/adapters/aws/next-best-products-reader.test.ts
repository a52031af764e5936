// The scheduled scorer's reader of next_best_products: the newest partition on or before as-of from the Glue
// partitions, then that partition's rows through the UNLOAD reader, lists in rank order. S3 is moto_server.
//
// aws-sdk-client-mock stays for Athena only (StartQueryExecution / GetQueryExecution / GetQueryResults): moto's
// Athena runs no SQL and answers every query with one canned result set, so it cannot answer the "$partitions"
// query, fail with TABLE_NOT_FOUND or write an UNLOAD's files. The mock does the last by putting them in moto's S3.
import { gzipSync } from 'node:zlib';
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AthenaQueryRunner } from '../../../src/adapters/aws/athena-query-runner.ts';
import { AthenaUnloadReader } from '../../../src/adapters/aws/athena-unload.ts';
import { AthenaQueryError } from '../../../src/adapters/aws/errors.ts';
import { AthenaNextBestProducts, latestPartitionSql, partitionListsSql } from '../../../src/adapters/aws/next-best-products-reader.ts';
import { insightsTable, NEXT_BEST_PRODUCTS_TABLE } from '../../../src/insights/tables.ts';
import { hasMoto, startMoto, type MotoServer } from '../../helpers/moto.ts';
import { createBuckets, s3Client } from '../../helpers/moto-aws.ts';

const athena = mockClient(AthenaClient);
const credentials = { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } };
let moto: MotoServer;
/** Objects left in the results bucket (the reader must delete what it read). */
const leftInResults = async () => (await s3Client(moto.endpoint).send(new ListObjectsV2Command({ Bucket: 'results' }))).KeyCount ?? 0;

/** Athena that answers the partition query with `partition` (or fails with `failure`) and UNLOADs `lines`. */
function athenaAnswering(o: { partition?: string | null; failure?: string; lines?: string }) {
  athena.reset();
  const sql: string[] = [];
  athena.on(StartQueryExecutionCommand).callsFake(async (i: { QueryString: string }) => {
    sql.push(i.QueryString);
    const unload = /to 's3:\/\/results\/(results\/unload\/[^']+)'/.exec(i.QueryString);
    if (unload && o.lines !== undefined) await s3Client(moto.endpoint).send(new PutObjectCommand({ Bucket: 'results', Key: `${unload[1]}20251231_0`, Body: gzipSync(o.lines) }));
    return { QueryExecutionId: `q${sql.length}` };
  });
  athena.on(GetQueryExecutionCommand).callsFake((i: { QueryExecutionId: string }) => ({
    QueryExecution: {
      QueryExecutionId: i.QueryExecutionId,
      Status: o.failure && i.QueryExecutionId === 'q1' ? { State: 'FAILED', StateChangeReason: o.failure } : { State: 'SUCCEEDED' },
      Statistics: { DataScannedInBytes: 0 },
    },
  }));
  athena.on(GetQueryResultsCommand).resolves({
    ResultSet: { Rows: [{ Data: [{ VarCharValue: '_col0' }] }, { Data: [o.partition === null || o.partition === undefined ? {} : { VarCharValue: o.partition }] }] },
  });
  const runner = new AthenaQueryRunner({ workgroup: 'wg', database: 'lake', client: new AthenaClient(credentials), sleep: async () => {} });
  const reader = new AthenaUnloadReader({ runner, scratch: 's3://results/results/unload/', client: s3Client(moto.endpoint) });
  return { sql, recs: new AthenaNextBestProducts({ runner, reader }) };
}

describe.skipIf(!hasMoto)('AthenaNextBestProducts', () => {
  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto?.close();
  });
  beforeEach(async () => {
    await moto.reset();
    await createBuckets(moto, 'results');
  });

  it('reads the newest partition on or before as-of, one list per customer in rank order', async () => {
    const lines = [
      { customer_id: 'C1', rank: 2, sku: 'SKU-B', score: 0.4, reason: 'similar', model_version: 'v1' },
      { customer_id: 'M-77', rank: 1, sku: 'SKU-C', score: 0.9, reason: 'similar', model_version: 'v1' },
      { customer_id: 'C1', rank: 10, sku: 'SKU-Z', score: 0, reason: 'popular', model_version: 'v1' },
      { customer_id: 'C1', rank: 1, sku: 'SKU-A', score: 0.7, reason: 'similar', model_version: 'v1' },
    ]
      .map((l) => JSON.stringify(l))
      .join('\n');
    const { sql, recs } = athenaAnswering({ partition: '2025-12-30', lines });
    const r = await recs.read('2025-12-31');
    expect(r.asOf).toBe('2025-12-30');
    expect(Object.fromEntries(r.lists)).toEqual({ C1: ['SKU-A', 'SKU-B', 'SKU-Z'], 'M-77': ['SKU-C'] });
    // Metadata for the date, then one partition's rows (pruned, not the table's history); the scratch files are gone.
    expect(sql[0]).toBe(`select cast(max("as_of") as varchar) from "next_best_products$partitions" where "as_of" <= date '2025-12-31'`);
    expect(sql[1]).toContain(`select customer_id, "rank", sku from next_best_products where "as_of" = date '2025-12-30'`);
    expect(sql[1]).toMatch(/^unload \(/);
    expect(sql).toHaveLength(2);
    expect(await leftInResults()).toBe(0);
  });

  it('takes the partition column and path of the table INSIGHTS_TABLES catalogues', () => {
    const t = insightsTable(NEXT_BEST_PRODUCTS_TABLE);
    expect(t.partition.name).toBe('as_of');
    expect(latestPartitionSql('2025-01-05')).toContain(`"${t.name}$partitions"`);
    expect(partitionListsSql('2025-01-05')).toContain(`"${t.partition.name}" = date '2025-01-05'`);
  });

  it('gives no lists when no partition is on or before as-of, without reading rows', async () => {
    const { sql, recs } = athenaAnswering({ partition: null });
    expect(await recs.read('2025-12-31')).toEqual({ asOf: null, lists: new Map() });
    expect(sql).toHaveLength(1);
  });

  it('gives no lists when the table does not exist yet (insights stack not deployed), and fails on other errors', async () => {
    const missing = athenaAnswering({ failure: "TABLE_NOT_FOUND: line 1:39: Table 'awsdatacatalog.lake.next_best_products$partitions' does not exist" });
    expect(await missing.recs.read('2025-12-31')).toEqual({ asOf: null, lists: new Map() });
    const denied = athenaAnswering({ failure: 'Access denied when writing output to url: s3://results/results/' });
    await expect(denied.recs.read('2025-12-31')).rejects.toThrow(/Access denied/);
  });

  it('rejects a malformed as-of before querying', async () => {
    const { sql, recs } = athenaAnswering({ partition: '2025-12-30' });
    await expect(recs.read("2025-12-31' or 1=1 --")).rejects.toBeInstanceOf(AthenaQueryError);
    expect(sql).toHaveLength(0);
  });

  it('accepts ranks as text (a GetQueryResults-style reader) and skips rows without a sku', async () => {
    const recs = new AthenaNextBestProducts({
      runner: { scalar: async () => '2025-12-31' },
      reader: {
        rows: async () => [
          { customer_id: 'C9', rank: '10', sku: 'SKU-10' },
          { customer_id: 'C9', rank: '2', sku: 'SKU-2' },
          { customer_id: 'C9', rank: '3', sku: null },
        ],
      },
    });
    expect((await recs.read('2025-12-31')).lists.get('C9')).toEqual(['SKU-2', 'SKU-10']);
  });
});
