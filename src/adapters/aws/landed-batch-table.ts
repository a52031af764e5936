/**
 * Loads one ERP batch table (products, stock_snapshots, stores, members) dropped under the raw bucket's landing prefix
 * (landing/<table>/<file>.csv) as a full replacement, with the validation of the local `retail-lake load-table`
 * (src/ingest/batch-rows.ts): good rows become the table's Parquet, bad rows go to quarantine with field and value.
 * A file with an updated_at column is an incremental file: its rows are changes (upserts, deletes) appended to the
 * table's change log, as the local `load-table --incremental` does (src/ingest/changes.ts, shared).
 *
 * Athena writes the Parquet (the Lambda bundles no Parquet writer): the rows are staged with `UNLOAD (select ... from
 * (values ...))` under staging/<table>/<load>/ of the curated bucket, and only once every part is written are they
 * swapped in: copied into <table>/ (flat: Athena does not read a table location's subfolders) as <load>-..., then
 * the previous load's objects deleted. A failure before the swap leaves the table as it was; a rerun of the same
 * file replaces it again. For the seconds between the copy and the delete an Athena reader may see both loads' rows
 * (S3 has no atomic rename and the Glue table's location belongs to CloudFormation); the cleanser's SKU list is one
 * object written after the swap, so the unknown-SKU check changes at once.
 *
 * @example await loadLandedBatchTable({ bucket: raw, key: 'landing/products/2026-12-07.csv' }, { runner, curatedBucket, quarantineBucket })
 */
import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { CopyObjectCommand, DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BATCH_TABLES, tableDef, dataColumns, type BatchTable } from '../../contract/index.ts';
import type { IngestCounts } from '../../cleanse/batch.ts';
import { parseBatchCsv, validateBatchRows } from '../../ingest/batch-rows.ts';
import { ImportError } from '../../ingest/errors.ts';
import { changesFromIncrementalRows, routedChanges, type ChangeBatch } from '../../ingest/changes.ts';
import { writeRouted } from '../../cleanse/batch.ts';
import type { DedupStore } from '../../ports/index.ts';
import { sqlLiteral, MAX_STATEMENT_BYTES } from './athena-table-io.ts';
import { unloadParquet, type StatementRunner } from './athena-unload.ts';
import { s3ClientConfig, type ClientOptions } from './clients.ts';
import { AwsAdapterError } from './errors.ts';
import { keyCandidates, type LandedObject } from './landed-order-import.ts';
import { S3LakeSink } from './s3-lake-sink.ts';
import { deletePrefix } from './s3-json.ts';
import { PRODUCT_SKUS_KEY } from './product-skus.ts';

export interface LandedBatchTableOptions extends ClientOptions {
  readonly runner: StatementRunner;
  readonly curatedBucket: string;
  readonly quarantineBucket: string;
  /** Where landed tables arrive: <landingPrefix><table>/<file>. @default 'landing/' */
  readonly landingPrefix?: string;
  readonly now?: () => Date;
  /** @default a client built from the options */
  readonly client?: S3Client;
  /** Dedup store of change keys (the cleanser's table): needed for incremental files. */
  readonly dedup?: DedupStore;
}

export interface LandedBatchTableResult {
  readonly table: BatchTable;
  readonly source: string;
  readonly counts: IngestCounts;
  /** s3:// objects of the table after a full load (none for an incremental file: the change log only grows). */
  readonly objects: readonly string[];
}

/** The batch table a landed key names (landing/<table>/...), or undefined for any other key. */
export function batchTableOfKey(key: string, landingPrefix = 'landing/'): BatchTable | undefined {
  if (!key.startsWith(landingPrefix) || key.endsWith('/')) return undefined;
  const table = key.slice(landingPrefix.length).split('/')[0]!;
  return Object.hasOwn(BATCH_TABLES, table) && key.slice(landingPrefix.length + table.length + 1).length ? (table as BatchTable) : undefined;
}

/** `select <typed columns> from (values ...) as t(...)` statements, each under Athena's query-size limit. */
export function valuesSelects(table: BatchTable, rows: readonly Record<string, unknown>[], maxBytes = MAX_STATEMENT_BYTES): string[] {
  const cols = dataColumns(tableDef(`curated_${table}`));
  const names = cols.map((c) => `"${c.name}"`).join(', ');
  const head = `select ${names} from (values\n`;
  const tail = `) as t (${names})`;
  const fixed = Buffer.byteLength(head) + Buffer.byteLength(tail);
  const out: string[] = [];
  let tuples: string[] = [];
  let bytes = fixed;
  for (const r of rows) {
    const t = `(${cols.map((c) => sqlLiteral(c, r[c.name])).join(', ')})`;
    const size = Buffer.byteLength(t) + 2;
    if (fixed + size > maxBytes) throw new ImportError(`a row of ${table} needs ${size} bytes of SQL, more than one Athena statement holds (${maxBytes})`);
    if (tuples.length && bytes + size > maxBytes) {
      out.push(head + tuples.join(',\n') + tail);
      tuples = [];
      bytes = fixed;
    }
    tuples.push(t);
    bytes += size;
  }
  if (tuples.length) out.push(head + tuples.join(',\n') + tail);
  return out;
}

async function readObject(client: S3Client, o: LandedObject): Promise<{ key: string; data: Buffer }> {
  let last: unknown;
  for (const key of keyCandidates(o.key)) {
    try {
      const res = await client.send(new GetObjectCommand({ Bucket: o.bucket, Key: key }));
      const bytes = Buffer.from(await res.Body!.transformToByteArray());
      return { key, data: bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes };
    } catch (e) {
      last = e;
      if ((e as { name?: string }).name !== 'NoSuchKey') break;
    }
  }
  throw new AwsAdapterError(`cannot read s3://${o.bucket}/${o.key}: ${(last as Error)?.message ?? 'unknown error'}`, { cause: last });
}

async function listKeys(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const res = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    out.push(...(res.Contents ?? []).map((c) => c.Key!));
    token = res.IsTruncated ? res.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/**
 * Appends an incremental file's changes to curated_<table>_changes (gzip JSON lines under <table>_changes/, as the
 * Glue table reads them) and its bad rows to quarantine, with the code of the cleanser's writer: a change or a bad row
 * the dedup table knows (from the stream or an earlier file) is a duplicate, and a failed write writes nothing the
 * retried event would write again. The history and current tables are the views stg_<table>_history / stg_<table>.
 */
async function loadLandedChanges(table: BatchTable, source: string, batch: ChangeBatch, o: LandedBatchTableOptions, client: S3Client): Promise<LandedBatchTableResult> {
  if (!o.dedup) throw new AwsAdapterError(`${source}: an incremental file needs the dedup table (DEDUP_TABLE) to tell changes already in the lake; nothing was written`);
  const sink = new S3LakeSink({ buckets: { curated: o.curatedBucket, quarantine: o.quarantineBucket }, client });
  const result = await writeRouted(routedChanges(batch), { sink, dedup: o.dedup });
  if (result.failed.length) throw new AwsAdapterError(`${source}: ${result.failed.length} change(s) could not be written (first ${result.failed[0]}); the load is retried, and what was written counts as duplicates then`);
  return { table, source, counts: result.counts, objects: [] };
}

/**
 * Loads a landed file as the new content of its table, or (an incremental file, with updated_at) as changes to it;
 * counts reconcile (received = clean + quarantined + duplicates + suppressed).
 */
export async function loadLandedBatchTable(object: LandedObject, o: LandedBatchTableOptions): Promise<LandedBatchTableResult> {
  const table = batchTableOfKey(object.key, o.landingPrefix);
  if (!table) throw new ImportError(`s3://${object.bucket}/${object.key}: not under ${o.landingPrefix ?? 'landing/'}<table>/ for a batch table (${Object.keys(BATCH_TABLES).join(', ')})`);
  const client = o.client ?? new S3Client(s3ClientConfig(o));
  const { key, data } = await readObject(client, object);
  const { header, rows } = parseBatchCsv(data, key);
  // An incremental file (changed rows with updated_at) is a list of changes, appended to the table's change log as
  // `load-table --incremental` does; loaded as a full replacement it would drop every unchanged row.
  if (header.some((h) => h.trim() === 'updated_at')) return loadLandedChanges(table, `s3://${object.bucket}/${key}`, changesFromIncrementalRows(table, header, rows, { file: key, loadedAt: (o.now?.() ?? new Date()).toISOString() }), o, client);
  const loadedAt = (o.now?.() ?? new Date()).toISOString();
  // Throws before anything is written on a header without the required columns or a file without a valid row.
  const { good, bad, counts } = validateBatchRows(table, header, rows, { file: key, loadedAt, override: 'drop a corrected file under the same prefix' });
  const path = tableDef(`curated_${table}`).path;
  const load = `load-${loadedAt.replace(/[-:.]/g, '')}-${randomUUID().slice(0, 8)}`;
  const staging = `staging/${path}/${load}/`;
  try {
    const parts = valuesSelects(table, good);
    for (const [i, sql] of parts.entries()) await unloadParquet(o.runner, sql, `s3://${o.curatedBucket}/${staging}part-${String(i).padStart(4, '0')}/`);
    const staged = await listKeys(client, o.curatedBucket, staging);
    if (!staged.length) throw new AwsAdapterError(`${table}: Athena wrote no object under s3://${o.curatedBucket}/${staging}`);
    const before = await listKeys(client, o.curatedBucket, `${path}/`);
    const now: string[] = [];
    for (const k of staged) {
      const target = `${path}/${load}-${k.slice(staging.length).replaceAll('/', '-')}`;
      await client.send(new CopyObjectCommand({ Bucket: o.curatedBucket, Key: target, CopySource: `${o.curatedBucket}/${encodeURI(k)}` }));
      now.push(target);
    }
    const old = before.filter((k) => !now.includes(k));
    for (let i = 0; i < old.length; i += 1000) {
      const res = await client.send(new DeleteObjectsCommand({ Bucket: o.curatedBucket, Delete: { Objects: old.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }));
      if (res.Errors?.length) throw new AwsAdapterError(`${table}: could not delete ${res.Errors.length} object(s) of the previous load: ${res.Errors[0]!.Message}`);
    }
    // The rows earlier loads rejected go with them, as a local full load replaces source=batch_<table>/.
    await deletePrefix(`s3://${o.quarantineBucket}/${tableDef('quarantine_events').path}/source=batch_${table}/`, { client });
    if (bad.length) {
      const sink = new S3LakeSink({ buckets: { quarantine: o.quarantineBucket }, client });
      await sink.append('quarantine_events', bad);
      await sink.flush();
    }
    if (table === 'products') {
      const skus = [...new Set(good.map((r) => r.sku as string))].sort();
      await client.send(new PutObjectCommand({ Bucket: o.curatedBucket, Key: PRODUCT_SKUS_KEY, Body: JSON.stringify({ loaded_at: loadedAt, source: key, skus }), ContentType: 'application/json' }));
    }
    return { table, source: `s3://${object.bucket}/${key}`, counts, objects: now.map((k) => `s3://${o.curatedBucket}/${k}`) };
  } finally {
    await deletePrefix(`s3://${o.curatedBucket}/${staging}`, { client });
  }
}
