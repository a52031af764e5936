/**
 * The sharded scorer's scratch (src/score/shards.ts ScoringStaging) in S3: s3://<curated>/staging/score-runs/<run>/<key>.
 * Written and read by the steps of one run of the scoring state machine; deleted by its commit (but the `committed`
 * summary, which a retried commit returns).
 */
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { ScoringStaging } from '../../score/shards.ts';
import { s3ClientConfig, type ClientOptions } from './clients.ts';
import { AwsAdapterError } from './errors.ts';

/** Prefix of the runs' scratch in the curated bucket. */
export const SCORING_STAGING_PREFIX = 'staging/score-runs/';

export class S3ScoringStaging implements ScoringStaging {
  private readonly client: S3Client;

  constructor(private readonly options: ClientOptions & { readonly bucket: string; readonly client?: S3Client }) {
    this.client = options.client ?? new S3Client(s3ClientConfig(options));
  }

  private key(runId: string, key = ''): string {
    if (!/^[0-9a-f-]{36}$/.test(runId)) throw new AwsAdapterError(`run id must be a UUID, received ${JSON.stringify(runId)}`);
    return `${SCORING_STAGING_PREFIX}${runId}/${key}`;
  }

  async put(runId: string, key: string, body: Buffer): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.options.bucket, Key: this.key(runId, key), Body: body }));
  }

  async get(runId: string, key: string): Promise<Buffer | undefined> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.key(runId, key) }));
      return Buffer.from(await r.Body!.transformToByteArray());
    } catch (e) {
      if ((e as { name?: string }).name === 'NoSuchKey') return undefined;
      throw new AwsAdapterError(`cannot read s3://${this.options.bucket}/${this.key(runId, key)}: ${(e as Error).message}`, { cause: e });
    }
  }

  async clear(runId: string, keep: readonly string[] = []): Promise<void> {
    const kept = new Set(keep.map((k) => this.key(runId, k)));
    let token: string | undefined;
    do {
      const list = await this.client.send(new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: this.key(runId), ContinuationToken: token }));
      const keys = (list.Contents ?? []).map((o) => o.Key!).filter((k) => !kept.has(k));
      if (keys.length) await this.client.send(new DeleteObjectsCommand({ Bucket: this.options.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }));
      token = list.IsTruncated ? list.NextContinuationToken : undefined;
    } while (token);
  }
}
