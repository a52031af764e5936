/** Small S3 helpers: read a JSON object (the view manifest asset), clear a prefix (a rerun replaces a partition). */
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { s3ClientConfig, type ClientOptions } from './clients.ts';
import { AwsAdapterError } from './errors.ts';

export async function readJsonObject(bucket: string, key: string, options: ClientOptions & { client?: S3Client } = {}): Promise<unknown> {
  const client = options.client ?? new S3Client(s3ClientConfig(options));
  try {
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse(await res.Body!.transformToString('utf8'));
  } catch (e) {
    throw new AwsAdapterError(`cannot read JSON from s3://${bucket}/${key}: ${(e as Error).message}`, { cause: e });
  }
}

/** Deletes every object under s3://bucket/prefix; returns how many were deleted. */
export async function deletePrefix(s3Url: string, options: ClientOptions & { client?: S3Client } = {}): Promise<number> {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(s3Url);
  if (!m) throw new AwsAdapterError(`expected an s3://bucket/prefix URL, received ${JSON.stringify(s3Url)}`);
  const [, bucket, prefix] = m as unknown as [string, string, string];
  const client = options.client ?? new S3Client(s3ClientConfig(options));
  let deleted = 0;
  let token: string | undefined;
  do {
    const list = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    const keys = (list.Contents ?? []).map((o) => ({ Key: o.Key! }));
    if (keys.length) {
      const res = await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
      if (res.Errors?.length) throw new AwsAdapterError(`could not delete ${res.Errors.length} object(s) under ${s3Url}: ${res.Errors[0]!.Message}`);
      deleted += keys.length;
    }
    token = list.IsTruncated ? list.NextContinuationToken : undefined;
  } while (token);
  return deleted;
}
