/** Reads a JSON object from S3 (e.g. the view manifest the CDK stages as an asset). */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
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
