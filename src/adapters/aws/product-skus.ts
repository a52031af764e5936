/**
 * The product catalogue's SKUs for the cleanser's unknown-SKU check in AWS: one JSON object in the curated bucket that
 * every ERP products load (src/adapters/aws/landed-batch-table.ts) writes after it swapped the table in, so the
 * cleanser reads one small object (no Parquet reader, no Athena query per container) and sees a load whole or not at all.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { s3ClientConfig, type ClientOptions } from './clients.ts';
import { AwsAdapterError } from './errors.ts';

/** The curated bucket's object the cleanser reads the product SKUs from: `{"loaded_at", "source", "skus": [...]}`. */
export const PRODUCT_SKUS_KEY = 'reference/products/skus.json';

/**
 * The product SKUs the latest products load wrote, or undefined when no catalogue was loaded yet (then the cleanser
 * checks no SKU, as locally). An empty list is undefined too, and `warn` says so (an empty catalogue would reject
 * every line).
 */
export async function readProductSkus(bucket: string, o: ClientOptions & { client?: S3Client; warn?: (m: string) => void } = {}): Promise<Set<string> | undefined> {
  const client = o.client ?? new S3Client(s3ClientConfig(o));
  let text: string;
  try {
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: PRODUCT_SKUS_KEY }));
    text = await res.Body!.transformToString('utf8');
  } catch (e) {
    if ((e as { name?: string }).name === 'NoSuchKey') return undefined;
    throw new AwsAdapterError(`cannot read s3://${bucket}/${PRODUCT_SKUS_KEY}: ${(e as Error).message}`, { cause: e });
  }
  const skus = (JSON.parse(text) as { skus?: unknown }).skus;
  if (!Array.isArray(skus) || !skus.length) {
    o.warn?.(`the product catalogue s3://${bucket}/${PRODUCT_SKUS_KEY} lists no SKU; SKUs are not checked against it`);
    return undefined;
  }
  return new Set(skus.map(String));
}
