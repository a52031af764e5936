/**
 * LakeSink over S3: each append writes one gzip NDJSON object per Hive partition under the table's prefix
 * (`<path>/source=<s>/dt=<d>/part-<time>-<uuid>.json.gz`) in the bucket of the table's zone. Writing at append
 * time (not at flush) matters: the cleanser remembers dedup keys right after append returns, so an append that
 * returned must already be durable. Used for the quarantine zone in AWS and for emulator tests (s3rver).
 *
 * A failed write must not leave rows behind, or the redelivered records would be written a second time: an append
 * whose objects only partly reached S3 deletes the ones that did before it throws, and discard() (called when a
 * later append of the same batch failed) deletes every object written since the last flush. A deletion that fails
 * is retried before the next append or flush, which fail until it succeeds.
 */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { DeleteObjectsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
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

interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
}

export class S3LakeSink implements LakeSink {
  private readonly client: S3Client;
  /** Objects written since the last flush: what discard() takes back. */
  private written: ObjectRef[] = [];
  /** Objects taken back whose deletion has not succeeded yet. */
  private orphans: ObjectRef[] = [];

  constructor(private readonly options: S3LakeSinkOptions) {
    this.client = options.client ?? new S3Client(s3ClientConfig(options));
  }

  async append(table: string, rows: readonly object[]): Promise<void> {
    if (!rows.length) return;
    await this.deleteOrphans();
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
    const puts = await Promise.allSettled(
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
        return { bucket, key };
      }),
    );
    const done = puts.flatMap((p) => (p.status === 'fulfilled' ? [p.value] : []));
    const failure = puts.find((p) => p.status === 'rejected');
    if (failure) {
      // All or nothing: take back the partitions that were written, so a redelivery does not write them twice.
      this.orphans.push(...done);
      await this.deleteOrphans().catch(() => undefined);
      throw failure.reason;
    }
    this.written.push(...done);
  }

  /** Every append is already durable; only objects taken back and not yet deleted stand in the way. */
  async flush(): Promise<void> {
    await this.deleteOrphans();
    this.written = [];
  }

  /** Takes back every object written since the last flush (another append of the batch failed). */
  discard(): void {
    this.orphans.push(...this.written);
    this.written = [];
    // Started now, finished (or retried) by the next append or flush at the latest.
    this.deleteOrphans().catch(() => undefined);
  }

  private deleting?: Promise<void>;

  /** Deletes the orphans; throws S3WriteError while any is left. One deletion runs at a time. */
  private async deleteOrphans(): Promise<void> {
    while (this.deleting) await this.deleting.catch(() => undefined);
    if (!this.orphans.length) return;
    const run = async () => {
      const byBucket = new Map<string, string[]>();
      for (const o of this.orphans) byBucket.set(o.bucket, [...(byBucket.get(o.bucket) ?? []), o.key]);
      const left: ObjectRef[] = [];
      for (const [bucket, keys] of byBucket) {
        for (let i = 0; i < keys.length; i += 1000) {
          const part = keys.slice(i, i + 1000);
          try {
            const res = await this.client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: part.map((Key) => ({ Key })), Quiet: true } }));
            const failed = new Set((res.Errors ?? []).map((e) => e.Key));
            for (const key of part) if (failed.has(key)) left.push({ bucket, key });
          } catch {
            for (const key of part) left.push({ bucket, key });
          }
        }
      }
      this.orphans = left;
      if (left.length) {
        throw new S3WriteError(`${left.length} object(s) of a failed write could not be deleted yet (first s3://${left[0]!.bucket}/${left[0]!.key}); writes wait until they are`);
      }
    };
    this.deleting = run();
    try {
      await this.deleting;
    } finally {
      this.deleting = undefined;
    }
  }
}
