/** Glue catalog operations Athena SQL cannot express: registering an existing table's definition under a new name. */
import { BatchCreatePartitionCommand, CreateTableCommand, GetPartitionsCommand, GetTableCommand, GlueClient, type PartitionInput, type TableInput } from '@aws-sdk/client-glue';
import { clientConfig, type ClientOptions } from './clients.ts';
import { AwsAdapterError } from './errors.ts';

export interface GlueTablesOptions extends ClientOptions {
  readonly database: string;
  /** @default a client built from the options */
  readonly client?: GlueClient;
}

/**
 * Creates table `to` with the definition of `from` (location, format, columns, partition keys, parameters) and the
 * same partitions. The files are not touched: both names read the same objects until `from` is dropped.
 */
export async function copyGlueTable(from: string, to: string, o: GlueTablesOptions): Promise<{ partitions: number }> {
  const glue = o.client ?? new GlueClient(clientConfig(o));
  const { Table: t } = await glue.send(new GetTableCommand({ DatabaseName: o.database, Name: from }));
  if (!t) throw new AwsAdapterError(`Glue table ${o.database}.${from} not found`);
  const input: TableInput = {
    Name: to,
    Description: t.Description,
    TableType: t.TableType,
    Parameters: t.Parameters,
    PartitionKeys: t.PartitionKeys,
    StorageDescriptor: t.StorageDescriptor,
  };
  await glue.send(new CreateTableCommand({ DatabaseName: o.database, TableInput: input }));
  let partitions = 0;
  let token: string | undefined;
  do {
    const page = await glue.send(new GetPartitionsCommand({ DatabaseName: o.database, TableName: from, NextToken: token }));
    const inputs: PartitionInput[] = (page.Partitions ?? []).map((p) => ({ Values: p.Values, StorageDescriptor: p.StorageDescriptor, Parameters: p.Parameters }));
    for (let i = 0; i < inputs.length; i += 100) {
      const res = await glue.send(new BatchCreatePartitionCommand({ DatabaseName: o.database, TableName: to, PartitionInputList: inputs.slice(i, i + 100) }));
      const failed = (res.Errors ?? []).filter((e) => e.ErrorDetail?.ErrorCode !== 'AlreadyExistsException');
      if (failed.length) throw new AwsAdapterError(`could not copy ${failed.length} partition(s) of ${from} to ${to}: ${failed[0]!.ErrorDetail?.ErrorMessage ?? 'unknown'}`);
      partitions += inputs.slice(i, i + 100).length;
    }
    token = page.NextToken;
  } while (token);
  return { partitions };
}
