/**
 * Bulk reads and writes through Athena without a Parquet library in the Lambda:
 * - `AthenaUnloadReader.rows(sql)` runs `UNLOAD (sql) TO <scratch>/<uuid>/ WITH (format = 'JSON')` and reads the
 *   gzip JSON lines back from S3. Values keep their types (numbers, booleans, maps as objects, dates and
 *   timestamps as text), unlike GetQueryResults, which returns every value as text a page of 1,000 rows at a time.
 * - `unloadParquet(runner, sql, location)` writes a query's rows as Parquet under an (empty) S3 prefix: how the
 *   scheduled scorer writes a customer_scores partition.
 *
 * @example
 *   const reader = new AthenaUnloadReader({ runner, scratch: 's3://athena-results/results/unload/' });
 *   const tags = await reader.rows("select * from customer_tags where dt = '2025-12-31'");
 */
import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { s3ClientConfig, type ClientOptions } from './clients.ts';
import { AthenaQueryError } from './errors.ts';
import { deletePrefix } from './s3-json.ts';

export interface StatementRunner {
  run(sql: string): Promise<unknown>;
}

/** s3://bucket/prefix/ split into its parts; throws on anything else. */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(url);
  if (!m) throw new AthenaQueryError(`expected an s3://bucket/prefix/ URL, received ${JSON.stringify(url)}`);
  return { bucket: m[1]!, prefix: m[2]! };
}

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;

/**
 * The UNLOAD statement that writes a query's rows to a prefix. A query that opens with a WITH clause is wrapped in
 * `select * from (...)`: the Presto-era grammar rejected WITH directly inside parentheses, and Athena's UNLOAD
 * documentation shows only a plain SELECT there, while a subquery relation takes a full query in Trino.
 */
export function unloadStatement(sql: string, location: string, format: 'JSON' | 'PARQUET'): string {
  const compression = format === 'JSON' ? 'GZIP' : 'SNAPPY';
  const query = sql.trim().replace(/;\s*$/, '');
  const body = /^with\b/i.test(query.replace(/^(\s|--[^\n]*\n)*/, '')) ? `select * from (${query})` : query;
  return `unload (${body}) to ${quote(location)} with (format = '${format}', compression = '${compression}')`;
}

/** Writes the rows of `sql` as Parquet under `location` (which UNLOAD requires to be empty). */
export async function unloadParquet(runner: StatementRunner, sql: string, location: string): Promise<void> {
  await runner.run(unloadStatement(sql, location.endsWith('/') ? location : `${location}/`, 'PARQUET'));
}

export interface AthenaUnloadReaderOptions extends ClientOptions {
  readonly runner: StatementRunner;
  /** s3://bucket/prefix/ the reader may write and read (e.g. the workgroup's results prefix). */
  readonly scratch: string;
  /** @default a client built from the options */
  readonly client?: S3Client;
  /** Keep the unloaded files (for debugging). @default false: deleted once read */
  readonly keep?: boolean;
}

export class AthenaUnloadReader {
  private readonly client: S3Client;

  constructor(private readonly options: AthenaUnloadReaderOptions) {
    this.client = options.client ?? new S3Client(s3ClientConfig(options));
  }

  /** Every row of the query, one object per row, column names as keys (row order is not kept). */
  async rows(sql: string): Promise<Record<string, unknown>[]> {
    const base = this.options.scratch.endsWith('/') ? this.options.scratch : `${this.options.scratch}/`;
    const location = `${base}${randomUUID()}/`;
    await this.options.runner.run(unloadStatement(sql, location, 'JSON'));
    const { bucket, prefix } = parseS3Url(location);
    const out: Record<string, unknown>[] = [];
    let token: string | undefined;
    do {
      const list = await this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of list.Contents ?? []) {
        const res = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }));
        const bytes = Buffer.from(await res.Body!.transformToByteArray());
        const text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
        for (const line of text.split('\n')) if (line.trim()) out.push(JSON.parse(line) as Record<string, unknown>);
      }
      token = list.IsTruncated ? list.NextContinuationToken : undefined;
    } while (token);
    if (!this.options.keep) await deletePrefix(location, { client: this.client });
    return out;
  }
}
