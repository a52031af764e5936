/**
 * The suppression list in AWS: one JSON object per erasure under `privacy/suppression/` in a lake bucket, the same
 * key layout and document as the local lake file (src/adapters/local/suppression-list.ts), so either side's
 * erasure can be read by the other's cleanser.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SuppressionList } from '../../ports/index.ts';
import { SUPPRESSION_PREFIX, type SuppressionFile } from '../local/suppression-list.ts';
import { s3ClientConfig, type ClientOptions } from './clients.ts';
import { AwsAdapterError } from './errors.ts';

export interface S3SuppressionListProps extends ClientOptions {
  /** Bucket holding `privacy/suppression/` (the curated bucket). */
  readonly bucket: string;
  readonly client?: S3Client;
}

export class S3SuppressionList implements SuppressionList {
  private readonly client: S3Client;
  constructor(private readonly props: S3SuppressionListProps) {
    this.client = props.client ?? new S3Client(s3ClientConfig(props));
  }

  async load(): Promise<ReadonlySet<string>> {
    const out = new Set<string>();
    const { bucket } = this.props;
    let token: string | undefined;
    try {
      do {
        const list = await this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${SUPPRESSION_PREFIX}/`, ContinuationToken: token }));
        for (const o of list.Contents ?? []) {
          if (!o.Key?.endsWith('.json')) continue;
          const res = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }));
          const doc = JSON.parse(await res.Body!.transformToString('utf8')) as SuppressionFile;
          for (const d of doc.digests) out.add(d);
        }
        token = list.IsTruncated ? list.NextContinuationToken : undefined;
      } while (token);
    } catch (e) {
      throw new AwsAdapterError(`cannot read the suppression list under s3://${bucket}/${SUPPRESSION_PREFIX}/: ${(e as Error).message}`, { cause: e });
    }
    return out;
  }

  async add(entryId: string, digests: readonly string[]): Promise<void> {
    const doc: SuppressionFile = { entry_id: entryId, digests: [...digests].sort() };
    const Key = `${SUPPRESSION_PREFIX}/${entryId}.json`;
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.props.bucket, Key, Body: `${JSON.stringify(doc)}\n`, ContentType: 'application/json' }));
    } catch (e) {
      throw new AwsAdapterError(`cannot write s3://${this.props.bucket}/${Key}: ${(e as Error).message}`, { cause: e });
    }
  }
}
