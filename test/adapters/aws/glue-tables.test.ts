// copyGlueTable (how the views deployer adopts the legacy tag snapshot table under its new name) against the Glue
// catalogue on moto_server. moto returns every partition in one GetPartitions page; Glue pages them, so a FaultProxy
// between the SDK and moto serves moto's answer in pages of 100 with a NextToken, as Glue does.
import { CreateDatabaseCommand, CreateTableCommand, GetPartitionsCommand, GetTableCommand, GlueClient, BatchCreatePartitionCommand } from '@aws-sdk/client-glue';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { copyGlueTable } from '../../../src/adapters/aws/glue-tables.ts';
import { hasMoto, useMoto } from '../../helpers/moto.ts';
import { awsConfig, editJson } from '../../helpers/moto-aws.ts';

const DB = 'lake';
const PAGE = 100;
const days = (n: number) => Array.from({ length: n }, (_, i) => new Date(Date.UTC(2025, 0, 1 + i)).toISOString().slice(0, 10));
const storage = (location: string) => ({
  Location: location,
  InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
  Columns: [
    { Name: 'customer_key', Type: 'string' },
    { Name: 'monetary', Type: 'double' },
  ],
});

describe.skipIf(!hasMoto)('copyGlueTable on moto', () => {
  const aws = useMoto();
  let glue: GlueClient;
  /** Partitions in each BatchCreatePartition request, and GetPartitions pages served. */
  let batches: number[];
  let pages: number;

  async function legacyTable(partitions: number): Promise<void> {
    await glue.send(
      new CreateTableCommand({
        DatabaseName: DB,
        TableInput: {
          Name: 'customer_tag_snapshots',
          Description: 'daily tag snapshots',
          TableType: 'EXTERNAL_TABLE',
          Parameters: { classification: 'parquet', EXTERNAL: 'TRUE' },
          PartitionKeys: [{ Name: 'dt', Type: 'string' }],
          StorageDescriptor: storage('s3://curated/customer_tags/'),
        },
      }),
    );
    const inputs = days(partitions).map((d) => ({ Values: [d], StorageDescriptor: storage(`s3://curated/customer_tags/dt=${d}/`) }));
    for (let i = 0; i < inputs.length; i += PAGE) await glue.send(new BatchCreatePartitionCommand({ DatabaseName: DB, TableName: 'customer_tag_snapshots', PartitionInputList: inputs.slice(i, i + PAGE) }));
  }

  async function partitionsOf(table: string): Promise<{ values: string[]; location: string }[]> {
    const { Partitions = [] } = await glue.send(new GetPartitionsCommand({ DatabaseName: DB, TableName: table }));
    return Partitions.map((p) => ({ values: p.Values!, location: p.StorageDescriptor!.Location! })).sort((a, b) => a.values[0]!.localeCompare(b.values[0]!));
  }

  beforeAll(async () => {
    glue = new GlueClient(awsConfig(aws.moto.endpoint));
  });
  beforeEach(async () => {
    await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: DB } }));
    batches = [];
    pages = 0;
    aws.proxy.rule = async (req, forward) => {
      const body = req.body.length ? (JSON.parse(req.body.toString()) as { NextToken?: string; PartitionInputList?: unknown[] }) : {};
      if (req.operation === 'BatchCreatePartition') batches.push(body.PartitionInputList!.length);
      if (req.operation !== 'GetPartitions') return forward();
      pages++;
      const from = Number(body.NextToken ?? 0);
      return editJson(await forward(), (r) => {
        const all = (r as { Partitions: unknown[] }).Partitions;
        return { Partitions: all.slice(from, from + PAGE), ...(from + PAGE < all.length ? { NextToken: String(from + PAGE) } : {}) };
      });
    };
  });

  const copy = (from = 'customer_tag_snapshots', to = 'customer_tags') => copyGlueTable(from, to, { database: DB, client: new GlueClient(awsConfig(aws.proxy.endpoint)) });

  it('registers the table under the new name with the same definition and every partition, read page by page', async () => {
    await legacyTable(250);
    expect(await copy()).toEqual({ partitions: 250 });
    const { Table: t } = await glue.send(new GetTableCommand({ DatabaseName: DB, Name: 'customer_tags' }));
    expect(t).toMatchObject({
      Name: 'customer_tags',
      Description: 'daily tag snapshots',
      TableType: 'EXTERNAL_TABLE',
      Parameters: { classification: 'parquet', EXTERNAL: 'TRUE' },
      PartitionKeys: [{ Name: 'dt', Type: 'string' }],
      StorageDescriptor: { Location: 's3://curated/customer_tags/', Columns: storage('').Columns },
    });
    const expected = days(250).map((d) => ({ values: [d], location: `s3://curated/customer_tags/dt=${d}/` }));
    expect(await partitionsOf('customer_tags')).toEqual(expected);
    // The legacy table is left as it was (the deployer drops it afterwards, keeping the files).
    expect(await partitionsOf('customer_tag_snapshots')).toEqual(expected);
    expect(pages).toBe(3);
    expect(batches).toEqual([100, 100, 50]);
  });

  it('copies a table without partitions', async () => {
    await legacyTable(0);
    expect(await copy()).toEqual({ partitions: 0 });
    expect(await partitionsOf('customer_tags')).toEqual([]);
  });

  it('fails naming the table when the source does not exist, and creates nothing', async () => {
    await expect(copy('no_such_table')).rejects.toThrow(/no_such_table/);
    await expect(glue.send(new GetTableCommand({ DatabaseName: DB, Name: 'customer_tags' }))).rejects.toThrow(/customer_tags/);
  });
});
