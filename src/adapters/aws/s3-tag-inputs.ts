/**
 * The curated bucket's side of the tag restate (src/tags/restate.ts): the dated inputs are the objects under
 * events/, order_lines/ and pseudonym_links/ (versioned by ETag: a rewrite, e.g. an erasure's, changes it), the
 * snapshots the `dt=` partitions under customer_tags/, the records JSON objects under _tag_inputs/.
 */
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { datedInputPrefixes, tagInputsKey, type InputObject, type TagInputsRecord, type TagRestateSource } from '../../tags/restate.ts';
import { AwsAdapterError } from './errors.ts';

export interface S3TagInputsOptions {
  readonly client: S3Client;
  /** The curated bucket. */
  readonly bucket: string;
  /** Prefix of the snapshot partitions in it. @default 'customer_tags/' */
  readonly snapshotPrefix?: string;
}

export class S3TagInputs implements TagRestateSource {
  constructor(private readonly o: S3TagInputsOptions) {}

  private async list(prefix: string): Promise<Array<{ key: string; etag: string }>> {
    const out: Array<{ key: string; etag: string }> = [];
    let token: string | undefined;
    do {
      const res = await this.o.client.send(new ListObjectsV2Command({ Bucket: this.o.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const c of res.Contents ?? []) out.push({ key: c.Key!, etag: String(c.ETag ?? '').replace(/"/g, '') });
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async inputs(): Promise<InputObject[]> {
    const all = await Promise.all(datedInputPrefixes().map((p) => this.list(p)));
    // Firehose's and Athena's empty marker objects and temporary names hold no rows: only the data files count.
    return all.flat().filter((o) => !o.key.endsWith('/') && !o.key.endsWith('_$folder$')).map((o) => ({ key: o.key, version: o.etag }));
  }

  async snapshots(): Promise<string[]> {
    const prefix = this.o.snapshotPrefix ?? 'customer_tags/';
    const dates = new Set<string>();
    for (const { key } of await this.list(prefix)) {
      const d = /^dt=(\d{4}-\d{2}-\d{2})\/[^/]+$/.exec(key.slice(prefix.length))?.[1];
      if (d) dates.add(d);
    }
    return [...dates].sort();
  }

  async record(asOf: string): Promise<TagInputsRecord | undefined> {
    try {
      const res = await this.o.client.send(new GetObjectCommand({ Bucket: this.o.bucket, Key: tagInputsKey(asOf) }));
      return JSON.parse(await res.Body!.transformToString('utf8')) as TagInputsRecord;
    } catch (e) {
      if (e instanceof NoSuchKey || (e as { name?: string }).name === 'NoSuchKey') return undefined;
      if (e instanceof SyntaxError) return undefined; // unreadable: the snapshot is restated, which writes a new one
      throw new AwsAdapterError(`cannot read the tag inputs record s3://${this.o.bucket}/${tagInputsKey(asOf)}: ${(e as Error).message}`, { cause: e });
    }
  }

  async putRecord(record: TagInputsRecord): Promise<void> {
    await this.o.client.send(
      new PutObjectCommand({ Bucket: this.o.bucket, Key: tagInputsKey(record.as_of), Body: `${JSON.stringify(record)}\n`, ContentType: 'application/json' }),
    );
  }
}
