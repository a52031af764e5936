/** ObjectStore over S3: the erasure's reads, rewrites and swaps of lake objects (src/privacy/cloud-erase.ts). */
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { ObjectRef, ObjectStore } from '../../ports/index.ts';
import { s3ClientConfig, type ClientOptions } from './clients.ts';
import { AwsAdapterError } from './errors.ts';

export class S3ObjectStore implements ObjectStore {
  private readonly client: S3Client;

  constructor(options: ClientOptions & { readonly client?: S3Client } = {}) {
    this.client = options.client ?? new S3Client(s3ClientConfig(options));
  }

  private async send<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw new AwsAdapterError(`cannot ${what}: ${(e as Error).message}`, { cause: e });
    }
  }

  async list(bucket: string, prefix: string): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const r = await this.send(`list s3://${bucket}/${prefix}`, () => this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix || undefined, ContinuationToken: token })));
      out.push(...(r.Contents ?? []).map((o) => o.Key!));
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async get(o: ObjectRef): Promise<Buffer | undefined> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: o.bucket, Key: o.key }));
      return Buffer.from(await r.Body!.transformToByteArray());
    } catch (e) {
      if ((e as { name?: string }).name === 'NoSuchKey') return undefined;
      throw new AwsAdapterError(`cannot read s3://${o.bucket}/${o.key}: ${(e as Error).message}`, { cause: e });
    }
  }

  async put(o: ObjectRef, body: Buffer, metadata?: Readonly<Record<string, string>>): Promise<void> {
    await this.send(`write s3://${o.bucket}/${o.key}`, () => this.client.send(new PutObjectCommand({ Bucket: o.bucket, Key: o.key, Body: body, ...(metadata ? { Metadata: { ...metadata } } : {}) })));
  }

  async copy(from: ObjectRef, to: ObjectRef): Promise<void> {
    const source = `${from.bucket}/${from.key.split('/').map(encodeURIComponent).join('/')}`;
    await this.send(`copy s3://${from.bucket}/${from.key} to s3://${to.bucket}/${to.key}`, () => this.client.send(new CopyObjectCommand({ Bucket: to.bucket, Key: to.key, CopySource: source, MetadataDirective: 'COPY' })));
  }

  async delete(o: ObjectRef): Promise<void> {
    await this.send(`delete s3://${o.bucket}/${o.key}`, () => this.client.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: o.key })));
  }
}
