/**
 * The raw zone's copy of the stream in S3, as the raw copy writes it (lib/constructs/raw-copy-function.ts): gzip
 * objects of newline-delimited envelopes under `<prefix>dt=<arrival date>/`. Reads the days of a time range (and the
 * day after: a record that reached the stream just before midnight could be in the next day's object), one object at
 * a time. The copy is at least once (a batch that failed after writing one of its objects and was then bisected
 * leaves those records in the halves' objects too): a record already yielded (its origin) is not yielded again.
 */
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { RawRecord } from '../../cleanse/cleanser.ts';
import { parseEnvelopes, type RawZone } from '../../cleanse/replay.ts';
import { s3ClientConfig, type ClientOptions } from './clients.ts';
import { AwsAdapterError } from './errors.ts';

export interface S3RawZoneOptions extends ClientOptions {
  readonly bucket: string;
  /** Prefix of the stream copy, e.g. `stream/`. */
  readonly prefix: string;
  readonly client?: S3Client;
}

const DAY_MS = 86_400_000;

export async function listKeys(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    let r;
    try {
      r = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    } catch (e) {
      throw new AwsAdapterError(`cannot list s3://${bucket}/${prefix}: ${(e as Error).message}`, { cause: e });
    }
    keys.push(...(r.Contents ?? []).map((o) => o.Key!));
    token = r.IsTruncated ? r.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

/** An object's text, gunzipped when it is gzip (by its magic bytes, whatever its name says). */
export async function readText(client: S3Client, bucket: string, key: string): Promise<string> {
  try {
    const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = Buffer.from(await r.Body!.transformToByteArray());
    return (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
  } catch (e) {
    throw new AwsAdapterError(`cannot read s3://${bucket}/${key}: ${(e as Error).message}`, { cause: e });
  }
}

export class S3RawZone implements RawZone {
  private readonly client: S3Client;

  constructor(private readonly options: S3RawZoneOptions) {
    this.client = options.client ?? new S3Client(s3ClientConfig(options));
  }

  async *read(fromMs: number, toMs: number): AsyncIterable<readonly RawRecord[]> {
    const { bucket, prefix } = this.options;
    const first = Math.floor(fromMs / DAY_MS) * DAY_MS;
    const seen = new Set<string>();
    for (let day = first; day <= toMs + DAY_MS; day += DAY_MS) {
      const dt = new Date(day).toISOString().slice(0, 10);
      for (const key of await listKeys(this.client, bucket, `${prefix}dt=${dt}/`)) {
        const records = parseEnvelopes(await readText(this.client, bucket, key), `s3://${bucket}/${key}`).filter((r) => !seen.has(r.origin) && seen.add(r.origin));
        if (records.length) yield records;
      }
    }
  }
}
