/**
 * Local event source: reads JSONL files (one Kinesis payload per line, .gz allowed) and feeds them to the cleanser
 * handler in Kinesis-shaped batches, exactly as the Lambda event source mapping would, copying the received bytes
 * into the raw zone on the way.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipNamed } from './gzip.ts';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { BatchItemFailures, StreamEvent } from '../cleanse/stream-handler.ts';
import { FeedError } from './errors.ts';

const MAX_ATTEMPTS = 3;

export interface FeedOptions {
  /** Records per invocation, like the event source mapping's BatchSize. @default 500 */
  readonly batchSize?: number;
  /** Where to copy the received bytes (raw zone); none when undefined. */
  readonly rawDir?: string;
  /** Lines for which this is true are not copied to the raw zone (records of erased people). @default none */
  readonly skipRaw?: (line: Buffer) => boolean;
  readonly onProgress?: (records: number) => void;
  /**
   * When a file's records reached the stream (epoch ms): their approximate arrival time, which the cleanser's
   * "more than a day after receipt" check compares occurred_at with. @default the time the file is fed
   */
  readonly arrivalOf?: (file: string) => number;
  /** Called before a file's first batch, with the shard id its records carry (local-<file name>). */
  readonly onFile?: (file: string, shard: string) => void | Promise<void>;
}

let lastArrivalMs = 0;

/**
 * The arrival time of a batch: the clock, in milliseconds, and always later than the previous batch's. Two batches
 * never share an arrival time, so a re-sent event in a later batch is told from a copy of one delivery written twice
 * (src/ingest/resends.ts); the records of one batch share it, as a redelivery of that batch does.
 */
function nextArrivalMs(): number {
  lastArrivalMs = Math.max(Date.now(), lastArrivalMs + 1);
  return lastArrivalMs;
}

/**
 * Batch arrival times for files whose arrival is known (FeedOptions.arrivalOf): each batch at its file's arrival, or
 * 1 ms after the previous batch of this feed if that is later, so that batches still never share a time.
 */
function knownArrivals(arrivalOf: (file: string) => number): (file: string) => number {
  let last = Number.NEGATIVE_INFINITY;
  return (file) => (last = Math.max(arrivalOf(file), last + 1));
}

/**
 * The lines of a file as bytes (CR LF or LF; a final line without LF counts). Lines are split on the byte 0x0A, never
 * decoded here: a record that is not valid UTF-8 must reach the cleanser exactly as it was, to be quarantined with
 * its bytes intact.
 */
export async function* readLines(file: string): AsyncGenerator<{ bytes: Buffer; line: number }> {
  let stream: NodeJS.ReadableStream = fs.createReadStream(file);
  if (file.endsWith('.gz')) stream = gunzipNamed(fs.createReadStream(file), file);
  let carry: Buffer[] = [];
  let line = 0;
  const cut = (parts: Buffer[]) => {
    const b = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    return b.length && b[b.length - 1] === 0x0d ? b.subarray(0, b.length - 1) : b;
  };
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      carry.push(chunk.subarray(start, nl));
      yield { bytes: cut(carry), line: ++line };
      carry = [];
      start = nl + 1;
    }
    if (start < chunk.length) carry.push(chunk.subarray(start));
  }
  if (carry.length) yield { bytes: cut(carry), line: ++line };
}

/** Shard id of a local file: its name, so origins read kinesis:local-<file>:<line> and a re-fed file keeps them. */
function shardOf(file: string): string {
  return `local-${path.basename(file).replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

/**
 * Copies a received file into the raw zone, exactly, as `<sha256 of its bytes, 16 hex>-<base name>`: two files of
 * the same name received the same day (a.jsonl from two folders, or a producer that rewrites its file) are both
 * kept, while the same bytes received twice stay one copy. Written under a temporary name, then renamed.
 */
export async function copyToRaw(file: string, rawDir: string, skip?: (line: Buffer) => boolean): Promise<string> {
  if (skip) return copyToRawFiltered(file, rawDir, skip);
  fs.mkdirSync(rawDir, { recursive: true });
  const base = path.basename(file);
  const partial = path.join(rawDir, `.${base}.${process.pid}.partial`);
  const hash = createHash('sha256');
  await pipeline(
    fs.createReadStream(file),
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    }),
    fs.createWriteStream(partial),
  );
  const dest = path.join(rawDir, `${hash.digest('hex').slice(0, 16)}-${base}`);
  fs.renameSync(partial, dest);
  return dest;
}

/** copyToRaw leaving out the lines `skip` picks; the name still hashes the bytes received. */
async function copyToRawFiltered(file: string, rawDir: string, skip: (line: Buffer) => boolean): Promise<string> {
  fs.mkdirSync(rawDir, { recursive: true });
  const base = path.basename(file);
  const partial = path.join(rawDir, `.${base}.${process.pid}.partial`);
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  const out = fs.createWriteStream(partial);
  const gz = file.endsWith('.gz');
  const lines = async function* () {
    for await (const { bytes } of readLines(file)) if (!skip(bytes)) yield Buffer.concat([bytes, Buffer.from('\n')]);
  };
  // A .gz is stored as the plain lines kept (what matters in the raw zone is what it holds, not its compression).
  await pipeline(lines(), out);
  const dest = path.join(rawDir, `${hash.digest('hex').slice(0, 16)}-${gz ? base.replace(/\.gz$/, '') : base}`);
  fs.renameSync(partial, dest);
  return dest;
}

/** Feeds files through `handler`; returns the number of records delivered. Redelivers reported failures up to twice. */
export async function feedJsonlFiles(
  files: readonly string[],
  handler: (e: StreamEvent) => Promise<BatchItemFailures>,
  opts: FeedOptions = {},
): Promise<{ records: number; redelivered: number }> {
  const batchSize = opts.batchSize ?? 500;
  let records = 0;
  let redelivered = 0;
  const arrivalOf = opts.arrivalOf ? knownArrivals(opts.arrivalOf) : () => nextArrivalMs();
  for (const file of files) {
    const shard = shardOf(file);
    await opts.onFile?.(file, shard);
    if (opts.rawDir) await copyToRaw(file, opts.rawDir, opts.skipRaw);
    let batch: KinesisStreamRecord[] = [];
    const send = async () => {
      if (!batch.length) return;
      const arrival = arrivalOf(file) / 1000;
      for (const r of batch) r.kinesis.approximateArrivalTimestamp = arrival;
      let event: KinesisStreamEvent = { Records: batch };
      for (let attempt = 1; ; attempt++) {
        const res = await handler(event);
        if (!res.batchItemFailures.length) break;
        if (attempt === MAX_ATTEMPTS) {
          throw new FeedError(`${file}: ${res.batchItemFailures.length} batch item failure(s) after ${MAX_ATTEMPTS} deliveries; stopping rather than losing records`);
        }
        // Kinesis semantics: resume from the first failed sequence number.
        const from = batch.findIndex((r) => r.kinesis.sequenceNumber === res.batchItemFailures[0]!.itemIdentifier);
        event = { Records: batch.slice(Math.max(0, from)) };
        redelivered += event.Records.length;
      }
      records += batch.length;
      opts.onProgress?.(records);
      batch = [];
    };
    for await (const { bytes, line } of readLines(file)) {
      if (bytes.length === 0) continue;
      // The line number is the sequence number: origins point at the file line, and a re-fed file is a replay.
      const sequenceNumber = line.toString().padStart(20, '0');
      batch.push({
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: 'local',
          sequenceNumber,
          data: bytes.toString('base64'),
          approximateArrivalTimestamp: 0, // set when the batch is sent
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `${shard}:${sequenceNumber}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: 'arn:aws:iam::000000000000:role/local',
        awsRegion: 'local',
        eventSourceARN: 'arn:aws:kinesis:local:000000000000:stream/retail-lake-local',
      });
      if (batch.length >= batchSize) await send();
    }
    await send();
  }
  return { records, redelivered };
}

/**
 * The arrival time of a generated events file: the last millisecond of the month in its name (the generator appends
 * what arrived in month YYYY-MM to `[prefix-]YYYY-MM.jsonl`, in arrival order), so a backfill of generated history is
 * checked against when the records arrived, not against today. Undefined for a name without a month.
 */
export function monthFileArrival(file: string): number | undefined {
  const m = /(\d{4})-(\d{2})\.jsonl(?:\.gz)?$/.exec(path.basename(file));
  if (!m || +m[2]! < 1 || +m[2]! > 12) return undefined;
  return Date.UTC(+m[1]!, +m[2]!, 1) - 1;
}
