/**
 * The producer side and the lake side of the emulator tests: put generated events on a Kinesis stream (retrying
 * throttles and partial PutRecords failures, as a real producer must), wire the cleanser handler to the S3 sink, and
 * read back what landed in S3 to reconcile it.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { kinesisClientConfig, s3ClientConfig } from '../../../src/adapters/aws/clients.ts';
import { S3LakeSink } from '../../../src/adapters/aws/s3-lake-sink.ts';
import { isRetryableKinesisError } from '../../../src/adapters/aws/kinesis-poller.ts';
import { sleep } from '../../../src/adapters/aws/retry.ts';
import { LocalDedupStore } from '../../../src/adapters/local/dedup-store.ts';
import { addCounts, emptyCounts, quarantineKey, type IngestCounts } from '../../../src/cleanse/batch.ts';
import { createCleanser } from '../../../src/cleanse/cleanser.ts';
import { createStreamHandler } from '../../../src/cleanse/stream-handler.ts';
import type { DedupStore, LakeSink } from '../../../src/ports/index.ts';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION } from './emulators.ts';

/** The lake's buckets per zone, as S3LakeSink takes them. */
export interface Buckets {
  readonly curated: string;
  readonly quarantine: string;
}
export const PII_KEY = 'integration-test-key-0123456789';

export function kinesisClient(endpoint: string): KinesisClient {
  return new KinesisClient({ ...kinesisClientConfig({ endpoint, region: EMULATOR_REGION }), credentials: EMULATOR_CREDENTIALS, maxAttempts: 1 });
}

/** S3 client; `maxAttempts` 1 lets a test see every 500 instead of the SDK's own retries hiding them. */
export function s3Client(endpoint: string, maxAttempts = 2): S3Client {
  return new S3Client({ ...s3ClientConfig({ endpoint, region: EMULATOR_REGION }), credentials: EMULATOR_CREDENTIALS, maxAttempts });
}

/** Creates a stream and waits until it is ACTIVE. */
export async function createStream(client: KinesisClient, name: string, shards = 1): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (let i = 0; i < 200; i++) {
    const s = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (s.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await sleep(20);
  }
  throw new Error(`stream ${name} did not become ACTIVE`);
}

/** The generated event lines (bytes as written, one Kinesis record each) of a generator output directory. */
export function readEventLines(landingDir: string): Buffer[] {
  const dir = path.join(landingDir, 'events');
  const out: Buffer[] = [];
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort()) {
    const buf = fs.readFileSync(path.join(dir, f));
    let start = 0;
    for (let nl = buf.indexOf(0x0a); nl !== -1; nl = buf.indexOf(0x0a, start)) {
      if (nl > start) out.push(buf.subarray(start, nl));
      start = nl + 1;
    }
    if (start < buf.length) out.push(buf.subarray(start));
  }
  return out;
}

const EVENT_ID = /"event_id"\s*:\s*"([^"]{1,200})"/;

/**
 * The record's event_id (a hash of its bytes when it has none): a re-sent event lands on the shard of its first
 * copy, as with any producer that keys by event. Two copies on two shards in flight at once would both pass the
 * dedup check (see docs/performance.md, "Limits").
 */
export function partitionKey(data: Buffer): string {
  const m = EVENT_ID.exec(data.subarray(0, 4096).toString('latin1'));
  return m ? m[1]! : createHash('sha1').update(data).digest('hex');
}

export interface ProducerStats {
  /** Records the stream accepted (each once). */
  put: number;
  /** PutRecords calls rejected whole (throttled) and retried. */
  throttledCalls: number;
  /** Records rejected inside a PutRecords answer (FailedRecordCount) and put again. */
  failedRecords: number;
}

/**
 * Puts records in PutRecords calls of up to 500 records / 4 MiB, in order, retrying throttled calls and failed
 * entries with backoff until every record is accepted (bounded: 20 attempts per call).
 */
export async function putAll(client: KinesisClient, stream: string, records: readonly Buffer[], stats: ProducerStats = { put: 0, throttledCalls: 0, failedRecords: 0 }): Promise<ProducerStats> {
  let i = 0;
  while (i < records.length) {
    let entries: PutRecordsRequestEntry[] = [];
    let bytes = 0;
    while (i < records.length && entries.length < 500 && bytes + records[i]!.length < 4_000_000) {
      entries.push({ Data: records[i]!, PartitionKey: partitionKey(records[i]!) });
      bytes += records[i]!.length;
      i++;
    }
    for (let attempt = 0; entries.length; attempt++) {
      if (attempt >= 20) throw new Error(`PutRecords still failing for ${entries.length} record(s) after 20 attempts`);
      if (attempt) await sleep(Math.random() * Math.min(1000, 20 * 2 ** attempt));
      try {
        const res = await client.send(new PutRecordsCommand({ StreamName: stream, Records: entries }));
        const failed = (res.Records ?? []).map((r, k) => (r.ErrorCode ? entries[k]! : undefined)).filter((e) => e !== undefined);
        stats.put += entries.length - failed.length;
        stats.failedRecords += failed.length;
        entries = failed;
      } catch (e) {
        if (!isRetryableKinesisError(e)) throw e;
        stats.throttledCalls++;
      }
    }
  }
  return stats;
}

/** The cleanser Lambda's handler wired to the S3 sink and a dedup store, summing the counts it reports. */
export function cleanserHandler(sink: LakeSink, dedup: DedupStore, onCounts?: (c: IngestCounts) => void) {
  const counts = emptyCounts();
  const cleanser = createCleanser({ piiKey: PII_KEY });
  const handler = createStreamHandler(async () => ({ cleanser, sink, dedup }), (c) => {
    addCounts(counts, c);
    onCounts?.(c);
  });
  return { handler, counts };
}

export function s3Sink(client: S3Client, buckets: Buckets): S3LakeSink {
  return new S3LakeSink({ buckets, client });
}

/** Every row of a table's objects under `prefix` (gzip NDJSON, as S3LakeSink writes them). */
export async function readRows(client: S3Client, bucket: string, prefix: string): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  let token: string | undefined;
  do {
    const list = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    const bodies = await Promise.all(
      (list.Contents ?? []).map(async (o) => {
        const obj = await client.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }));
        return gunzipSync(Buffer.from(await obj.Body!.transformToByteArray())).toString('utf8');
      }),
    );
    for (const text of bodies) for (const line of text.split('\n')) if (line) rows.push(JSON.parse(line) as Record<string, unknown>);
    token = list.IsTruncated ? list.NextContinuationToken : undefined;
  } while (token);
  return rows;
}

export interface LakeContents {
  events: Record<string, unknown>[];
  lines: Record<string, unknown>[];
  quarantine: Record<string, unknown>[];
}

export async function readLake(client: S3Client, buckets: Buckets): Promise<LakeContents> {
  const [events, lines, quarantine] = await Promise.all([
    readRows(client, buckets.curated, 'events/'),
    readRows(client, buckets.curated, 'order_lines/'),
    readRows(client, buckets.quarantine, 'events/'),
  ]);
  return { events, lines, quarantine };
}

/**
 * A dedup store seeded from what the lake in S3 already holds (the cleanser's keys of curated events and
 * quarantined records): a consumer restarted after a crash sees everything that reached S3, even rows written
 * just before the process died and never remembered.
 */
export async function dedupFromS3(client: S3Client, buckets: Buckets): Promise<LocalDedupStore> {
  const store = new LocalDedupStore();
  const lake = await readLake(client, buckets);
  await store.remember([
    ...lake.events.map((r) => `${String(r.source)}:${String(r.event_id)}`),
    ...lake.quarantine.map((r) => quarantineKey(String(r.quarantine_id))),
  ]);
  return store;
}

/** What the generator's manifest says the cleanser must make of its lines (no SKU catalogue, as in Lambda). */
export interface ExpectedCounts {
  records: number;
  clean: number;
  quarantined: number;
  duplicates: number;
  orderLines?: number;
  byReason: Record<string, number>;
  /** `source:event_id` of every event that must land in curated, sorted: from the generated lines themselves. */
  eventKeys: string[];
  /** `source:event_id:line_number` of every order line that must land in curated, sorted. */
  lineKeys: string[];
}

/**
 * The clean events and their order lines, read from the generated files and the generator's own list of the dirty
 * lines it wrote (ground_truth/dirty.jsonl): a second path beside the cleanser, so a sink that drops or repeats rows
 * is caught even when the lake's own counts agree with each other. Lines are numbered from 1 in payload order.
 */
export function expectedKeys(landingDir: string): { eventKeys: string[]; lineKeys: string[] } {
  const dirty = new Set<string>();
  for (const l of fs.readFileSync(path.join(landingDir, 'ground_truth', 'dirty.jsonl'), 'utf8').split('\n')) {
    if (!l.trim()) continue;
    const d = JSON.parse(l) as { file: string; line: number; kind: string };
    // Without a catalogue an unknown SKU is not checked (the Lambda has none): that event is clean.
    if (d.kind !== 'unknown_sku') dirty.add(`${d.file}:${d.line}`);
  }
  const eventKeys: string[] = [];
  const lineKeys: string[] = [];
  const dir = path.join(landingDir, 'events');
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort()) {
    fs.readFileSync(path.join(dir, f), 'utf8')
      .split('\n')
      .forEach((text, i) => {
        if (!text.trim() || dirty.has(`events/${f}:${i + 1}`)) return;
        const e = JSON.parse(text) as { source: string; event_id: string; payload?: { lines?: unknown[] } };
        eventKeys.push(`${e.source}:${e.event_id}`);
        if (Array.isArray(e.payload?.lines)) e.payload.lines.forEach((_, n) => lineKeys.push(`${e.source}:${e.event_id}:${n + 1}`));
      });
  }
  return { eventKeys: eventKeys.sort(), lineKeys: lineKeys.sort() };
}

export function expectedFromManifest(landingDir: string): ExpectedCounts {
  const m = JSON.parse(fs.readFileSync(path.join(landingDir, 'manifest.json'), 'utf8')) as {
    lines: number;
    dirty: { by_reason: Record<string, number> };
  };
  const byReason: Record<string, number> = {};
  for (const [reason, n] of Object.entries(m.dirty.by_reason)) {
    // Without a catalogue an unknown SKU is not checked (the Lambda has none): those records are clean.
    if (reason !== 'duplicate' && reason !== 'reference.unknown_sku' && n > 0) byReason[reason] = n;
  }
  const quarantined = Object.values(byReason).reduce((a, b) => a + b, 0);
  const duplicates = m.dirty.by_reason.duplicate ?? 0;
  const keys = expectedKeys(landingDir);
  const clean = m.lines - quarantined - duplicates;
  if (keys.eventKeys.length !== clean) {
    throw new Error(`generator output disagrees with itself: ${keys.eventKeys.length} clean lines in the files, ${clean} by the manifest`);
  }
  return { records: m.lines, clean, quarantined, duplicates, byReason, orderLines: keys.lineKeys.length, ...keys };
}

/** Asserts nothing about the counts; returns the facts a test compares with toEqual for one readable diff. */
export function reconcile(counts: IngestCounts, lake: LakeContents) {
  const eventIds = lake.events.map((r) => `${String(r.source)}:${String(r.event_id)}`);
  const lineIds = lake.lines.map((r) => `${String(r.source)}:${String(r.event_id)}:${String(r.line_number)}`);
  const quarantineIds = lake.quarantine.map((r) => String(r.quarantine_id));
  const byReason: Record<string, number> = {};
  for (const r of lake.quarantine) byReason[String(r.reason_code)] = (byReason[String(r.reason_code)] ?? 0) + 1;
  return {
    balanced: counts.received === counts.clean + counts.quarantined + counts.duplicates,
    curatedEvents: lake.events.length,
    distinctCuratedEvents: new Set(eventIds).size,
    orderLines: lake.lines.length,
    distinctOrderLines: new Set(lineIds).size,
    quarantineRows: lake.quarantine.length,
    distinctQuarantineRows: new Set(quarantineIds).size,
    quarantineByReason: byReason,
  };
}
