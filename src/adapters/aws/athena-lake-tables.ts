/**
 * LakeTables over Athena and Glue: the catalogued tables of the lake database (Glue GetTables), every row of a query
 * (UNLOAD as JSON to a scratch prefix, read back and deleted: query results naming people do not linger in the
 * results bucket) and Parquet writes (UNLOAD as Parquet).
 */
import { GetTablesCommand, GlueClient, type Table } from '@aws-sdk/client-glue';
import type { CatalogTable, LakeTables } from '../../ports/index.ts';
import { AthenaUnloadReader, unloadParquet, type StatementRunner } from './athena-unload.ts';
import { clientConfig, type ClientOptions } from './clients.ts';
import { AwsAdapterError } from './errors.ts';

export interface AthenaLakeTablesOptions extends ClientOptions {
  readonly runner: StatementRunner;
  readonly database: string;
  /** s3://bucket/prefix/ for UNLOAD scratch (the workgroup's results bucket). */
  readonly scratch: string;
  readonly glue?: GlueClient;
}

function formatOf(t: Table): CatalogTable['format'] {
  const s = `${t.Parameters?.classification ?? ''} ${t.StorageDescriptor?.SerdeInfo?.SerializationLibrary ?? ''} ${t.StorageDescriptor?.InputFormat ?? ''}`.toLowerCase();
  if (s.includes('parquet')) return 'parquet';
  if (s.includes('json')) return 'json';
  return 'other';
}

export class AthenaLakeTables implements LakeTables {
  private readonly glue: GlueClient;
  private readonly reader: AthenaUnloadReader;

  constructor(private readonly o: AthenaLakeTablesOptions) {
    this.glue = o.glue ?? new GlueClient(clientConfig(o));
    this.reader = new AthenaUnloadReader({ runner: o.runner, scratch: o.scratch });
  }

  async tables(): Promise<CatalogTable[]> {
    const out: CatalogTable[] = [];
    let token: string | undefined;
    try {
      do {
        const r = await this.glue.send(new GetTablesCommand({ DatabaseName: this.o.database, NextToken: token }));
        for (const t of r.TableList ?? []) {
          if (t.TableType === 'VIRTUAL_VIEW' || !t.StorageDescriptor?.Location?.startsWith('s3://')) continue;
          out.push({
            name: t.Name!,
            location: t.StorageDescriptor.Location,
            format: formatOf(t),
            columns: (t.StorageDescriptor.Columns ?? []).map((c) => c.Name!),
            partitionKeys: (t.PartitionKeys ?? []).map((c) => c.Name!),
          });
        }
        token = r.NextToken;
      } while (token);
    } catch (e) {
      throw new AwsAdapterError(`cannot list the tables of ${this.o.database}: ${(e as Error).message}`, { cause: e });
    }
    return out;
  }

  rows(sql: string): Promise<Record<string, unknown>[]> {
    return this.reader.rows(sql);
  }

  writeParquet(sql: string, location: string): Promise<void> {
    return unloadParquet(this.o.runner, sql, location);
  }
}
