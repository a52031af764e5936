/**
 * Imports one order export dropped under the raw bucket's landing prefix (e.g. landing/orders/2025-12-31.csv.gz):
 * the object is streamed from S3 (never held whole in memory) through the DuckDB-free order-import core, with the
 * sink and dedup store the caller injects (in Lambda: Firehose for curated_order_lines, S3 for quarantine rows,
 * the DynamoDB dedup table). The resolved import spec is kept as `import_specs/<id>.json` in the quarantine bucket,
 * beside the quarantined rows it explains (the local lake keeps it at quarantine/import_specs/).
 */
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { DedupStore, LakeSink } from '../../ports/index.ts';
import type { Pii } from '../../cleanse/pii.ts';
import type { SuppressionCheck } from '../../cleanse/suppression.ts';
import { emptyCounts } from '../../cleanse/batch.ts';
import { ERASURE_METADATA } from '../../privacy/cloud-names.ts';
import { importOrderSources, type ImportSpec, type OrderImportResult, type OrderImportSettings } from '../../ingest/order-import-core.ts';
import { s3ClientConfig, type ClientOptions } from './clients.ts';
import { AwsAdapterError } from './errors.ts';

/** The S3 object an event names. */
export interface LandedObject {
  readonly bucket: string;
  readonly key: string;
}

export const IMPORT_SPECS_PREFIX = 'import_specs/';

export interface LandedOrderImportOptions extends OrderImportSettings, ClientOptions {
  readonly sink: LakeSink & { commit?: () => Promise<void> };
  readonly dedup: DedupStore;
  /** Hashes customer ids that are phones or e-mails and scrubs free text, as the cleanser does. */
  readonly pii: Pii;
  /** Rows of erased people go to `suppressed` (src/cleanse/suppression.ts). @default none */
  readonly suppression?: SuppressionCheck;
  /** Bucket that keeps import specs (the quarantine bucket). */
  readonly specBucket: string;
  /** @default a client built from the options */
  readonly client?: S3Client;
}

export interface LandedImportResult extends OrderImportResult {
  readonly source: string;
  /** Set when the object is an export an erasure rewrote (the receipt id): not imported again. */
  readonly rewrittenBy?: string;
}

/**
 * The object keys an event may carry: S3 notifications URL-encode keys ('+' for a space); EventBridge S3 events
 * have been seen both ways. The key as given is tried first, then its decoded form.
 */
export function keyCandidates(key: string): string[] {
  let decoded = key;
  try {
    decoded = decodeURIComponent(key.replaceAll('+', ' '));
  } catch {
    // not URL-encoded
  }
  return decoded === key ? [key] : [key, decoded];
}

async function openObject(client: S3Client, o: LandedObject): Promise<{ key: string; body: Readable; metadata: Record<string, string> }> {
  let last: unknown;
  for (const key of keyCandidates(o.key)) {
    try {
      const res = await client.send(new GetObjectCommand({ Bucket: o.bucket, Key: key }));
      return { key, body: res.Body as Readable, metadata: res.Metadata ?? {} };
    } catch (e) {
      last = e;
      if ((e as { name?: string }).name !== 'NoSuchKey') break;
    }
  }
  throw new AwsAdapterError(`cannot read s3://${o.bucket}/${o.key}: ${(last as Error)?.message ?? 'unknown error'}`, { cause: last });
}

/** Writes a spec once (its id is a hash of its content, so an existing object is already right). */
async function saveSpec(client: S3Client, bucket: string, id: string, spec: ImportSpec): Promise<void> {
  const Key = `${IMPORT_SPECS_PREFIX}${id}.json`;
  try {
    await client.send(new HeadObjectCommand({ Bucket: bucket, Key }));
    return;
  } catch (e) {
    const name = (e as { name?: string }).name;
    if (name !== 'NotFound' && name !== 'NoSuchKey') throw new AwsAdapterError(`cannot check s3://${bucket}/${Key}: ${(e as Error).message}`, { cause: e });
  }
  await client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: JSON.stringify(spec, null, 2) + '\n', ContentType: 'application/json' }));
}

/** Imports one landed object; counts reconcile (received = clean + quarantined + duplicates + suppressed). */
export async function importLandedObject(object: LandedObject, o: LandedOrderImportOptions): Promise<LandedImportResult> {
  const client = o.client ?? new S3Client(s3ClientConfig(o));
  // Open first: origins and messages name the key that exists, not the encoded form the event carried.
  const { key, body, metadata } = await openObject(client, object);
  // An export an erasure rewrote (its Object Created event fires again): imported already, less the people erased.
  if (metadata[ERASURE_METADATA]) {
    body.destroy();
    return { counts: emptyCounts(), resolved: [], source: `s3://${object.bucket}/${key}`, rewrittenBy: metadata[ERASURE_METADATA] };
  }
  const result = await importOrderSources([{ name: key, open: () => body }], { ...o, saveSpec: (id, spec) => saveSpec(client, o.specBucket, id, spec) });
  return { ...result, source: `s3://${object.bucket}/${key}` };
}
