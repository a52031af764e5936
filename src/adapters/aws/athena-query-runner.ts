/**
 * Runs SQL on Athena and waits for it: StartQueryExecution in the lake's workgroup and database, then
 * GetQueryExecution with backoff until the query succeeds, fails or the deadline passes.
 */
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, GetTableMetadataCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { clientConfig, type ClientOptions } from './clients.ts';
import { AthenaQueryError } from './errors.ts';
import { sleep as realSleep } from './retry.ts';

export interface AthenaQueryRunnerOptions extends ClientOptions {
  readonly workgroup: string;
  readonly database: string;
  /** Longest wait for one query. @default 600_000 ms */
  readonly timeoutMs?: number;
  /** @default a client built from the options */
  readonly client?: AthenaClient;
  /** Injectable for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface QueryOutcome {
  readonly queryExecutionId: string;
  readonly dataScannedBytes: number;
}

export class AthenaQueryRunner {
  private readonly client: AthenaClient;

  constructor(private readonly options: AthenaQueryRunnerOptions) {
    this.client = options.client ?? new AthenaClient(clientConfig(options));
  }

  /** Runs a query and returns the first column of its first row (null when it returned no row). */
  async scalar(sql: string): Promise<string | null> {
    const { queryExecutionId } = await this.run(sql);
    const res = await this.client.send(new GetQueryResultsCommand({ QueryExecutionId: queryExecutionId, MaxResults: 2 }));
    // Row 0 is the header row.
    return res.ResultSet?.Rows?.[1]?.Data?.[0]?.VarCharValue ?? null;
  }

  /** Column names of a table or view in the lake database, or null when it does not exist. */
  async columns(table: string): Promise<string[] | null> {
    const t = await this.metadata(table);
    return t ? [...(t.Columns ?? []), ...(t.PartitionKeys ?? [])].map((c) => c.Name!) : null;
  }

  /** VIRTUAL_VIEW, EXTERNAL_TABLE, ... of a table or view in the lake database, or null when it does not exist. */
  async tableType(table: string): Promise<string | null> {
    const t = await this.metadata(table);
    return t ? (t.TableType ?? 'EXTERNAL_TABLE') : null;
  }

  private async metadata(table: string) {
    try {
      const res = await this.client.send(new GetTableMetadataCommand({ CatalogName: 'AwsDataCatalog', DatabaseName: this.options.database, TableName: table }));
      return res.TableMetadata ?? null;
    } catch (e) {
      if ((e as { name?: string }).name === 'MetadataException' && /not found|EntityNotFound/i.test((e as Error).message)) return null;
      throw new AthenaQueryError(`cannot read the metadata of ${this.options.database}.${table}: ${(e as Error).message}`, undefined, { cause: e });
    }
  }

  /** Runs one statement to completion; throws AthenaQueryError naming the statement's first line and Athena's reason. */
  async run(sql: string): Promise<QueryOutcome> {
    const head = sql.trim().split('\n')[0]!.slice(0, 120);
    const start = await this.client.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        WorkGroup: this.options.workgroup,
        QueryExecutionContext: { Database: this.options.database },
      }),
    );
    const id = start.QueryExecutionId;
    if (!id) throw new AthenaQueryError(`Athena returned no query id for: ${head}`);
    const deadline = Date.now() + (this.options.timeoutMs ?? 600_000);
    const wait = this.options.sleep ?? realSleep;
    for (let delay = 200; ; delay = Math.min(delay * 2, 5000)) {
      const res = await this.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const status = res.QueryExecution?.Status;
      switch (status?.State) {
        case 'SUCCEEDED':
          return { queryExecutionId: id, dataScannedBytes: res.QueryExecution?.Statistics?.DataScannedInBytes ?? 0 };
        case 'FAILED':
        case 'CANCELLED':
          throw new AthenaQueryError(`query ${id} ${status.State.toLowerCase()}: ${status.StateChangeReason ?? 'no reason given'} (statement: ${head})`, id);
      }
      if (Date.now() > deadline) throw new AthenaQueryError(`query ${id} still ${status?.State ?? 'unknown'} after ${this.options.timeoutMs ?? 600_000} ms (statement: ${head})`, id);
      await wait(delay);
    }
  }
}
