/**
 * LakeSink over S3: each append writes one gzip NDJSON object per Hive partition under the table's prefix
 * (`<path>/source=<s>/dt=<d>/part-<time>-<uuid>.json.gz`) in the bucket of the table's zone. Writing at append
 * time (not at flush) matters: the cleanser remembers dedup keys right after append returns, so an append that
 * returned must already be durable. Used for the quarantine zone in AWS and for emulator tests (s3rver).
 */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { tableDef, type TableDef } from '../../contract/index.ts';
import type { LakeSink } from '../../ports/index.ts';
import { s3ClientConfig, type ClientOptions } from './clients.ts';
import { S3WriteError } from './errors.ts';
import { partitionValue } from './partition-values.ts';

export interface S3LakeSinkOptions extends ClientOptions {
  /** Bucket of each zone this sink writes to. */
  readonly buckets: Readonly<Partial<Record<TableDef['zone'], string>>>;
  /** @default a client built from the options */
  readonly client?: S3Client;
  /** Clock, for object names. @default Date.now */
  readonly now?: () => number;
}

export class S3LakeSink implements LakeSink {
  private readonly client: S3Client;

  constructor(private readonly options: S3LakeSinkOptions) {
    this.client = options.client ?? new S3Client(s3ClientConfig(options));
  }

  async append(table: string, rows: readonly object[]): Promise<void> {
    if (!rows.length) return;
    const def = tableDef(table);
    const bucket = this.options.buckets[def.zone];
    if (!bucket) throw new S3WriteError(`no bucket configured for zone ${def.zone} (table ${table})`);
    const groups = new Map<string, string[]>();
    for (const row of rows) {
      let prefix: string;
      try {
        prefix = def.partitionKeys.map((k) => `${k}=${partitionValue(def, k, (row as Record<string, unknown>)[k])}/`).join('');
      } catch (e) {
        throw new S3WriteError(`cannot place a row of ${table}: ${(e as Error).message}`, { cause: e });
      }
      let lines = groups.get(prefix);
      if (!lines) groups.set(prefix, (lines = []));
      lines.push(JSON.stringify(row));
    }
    const stamp = new Date((this.options.now ?? Date.now)()).toISOString().replace(/[-:.]/g, '');
    await Promise.all(
      [...groups].map(async ([prefix, lines]) => {
        const key = `${def.path}/${prefix}part-${stamp}-${randomUUID()}.json.gz`;
        try {
          await this.client.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: key,
              Body: gzipSync(lines.join('\n') + '\n'),
              ContentType: 'application/x-ndjson',
              ContentEncoding: 'gzip',
            }),
          );
        } catch (e) {
          throw new S3WriteError(`PutObject s3://${bucket}/${key} (${lines.length} rows of ${table}) failed: ${(e as Error).message}`, { cause: e });
        }
      }),
    );
  }

  /** Every append is already durable. */
  async flush(): Promise<void> {}
}
