/**
 * The quarantine zone in S3 as the cleanser's S3LakeSink writes it: gzip NDJSON objects of quarantine rows under
 * `events/source=<s>/dt=<d>/`. `replace` writes the kept rows as a new object beside the old one, then deletes the
 * old one: a crash in between leaves rows twice (the next replay folds them), never none.
 */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { tableDef, type QuarantineRow } from '../../contract/index.ts';
import type { QuarantineObjects } from '../../cleanse/replay.ts';
import { s3ClientConfig, type ClientOptions } from './clients.ts';
import { S3WriteError, AwsAdapterError } from './errors.ts';
import { listKeys, readText } from './s3-raw-zone.ts';

export interface S3QuarantineObjectsOptions extends ClientOptions {
  readonly bucket: string;
  readonly client?: S3Client;
  /** Clock, for object names. @default Date.now */
  readonly now?: () => number;
}

export class S3QuarantineObjects implements QuarantineObjects {
  private readonly client: S3Client;

  constructor(private readonly options: S3QuarantineObjectsOptions) {
    this.client = options.client ?? new S3Client(s3ClientConfig(options));
  }

  async *list(): AsyncIterable<{ ref: string; rows: readonly QuarantineRow[] }> {
    const { bucket } = this.options;
    // Listed once up front: replacements are written under the same prefixes and must not be read again.
    const keys = await listKeys(this.client, bucket, `${tableDef('quarantine_events').path}/`);
    for (const key of keys) {
      const text = await readText(this.client, bucket, key);
      const rows = text.split('\n').filter((l) => l.trim()).map((l, i) => {
        try {
          return JSON.parse(l) as QuarantineRow;
        } catch (e) {
          throw new AwsAdapterError(`s3://${bucket}/${key} line ${i + 1} is not JSON: ${l.slice(0, 80)}`, { cause: e });
        }
      });
      yield { ref: key, rows };
    }
  }

  async replace(ref: string, rows: readonly QuarantineRow[]): Promise<void> {
    const { bucket } = this.options;
    if (rows.length) {
      const stamp = new Date((this.options.now ?? Date.now)()).toISOString().replace(/[-:.]/g, '');
      const key = `${ref.slice(0, ref.lastIndexOf('/') + 1)}part-${stamp}-${randomUUID()}.json.gz`;
      try {
        await this.client.send(
          new PutObjectCommand({ Bucket: bucket, Key: key, Body: gzipSync(rows.map((r) => JSON.stringify(r)).join('\n') + '\n'), ContentType: 'application/x-ndjson', ContentEncoding: 'gzip' }),
        );
      } catch (e) {
        throw new S3WriteError(`PutObject s3://${bucket}/${key} (${rows.length} quarantine rows replacing ${ref}) failed: ${(e as Error).message}`, { cause: e });
      }
    }
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: ref }));
    } catch (e) {
      throw new S3WriteError(`DeleteObject s3://${bucket}/${ref} failed (its replacement is written; the next replay folds the copies): ${(e as Error).message}`, { cause: e });
    }
  }
}
