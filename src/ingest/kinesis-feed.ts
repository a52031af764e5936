/**
 * Local event source: reads JSONL files (one Kinesis payload per line, .gz allowed) and feeds them to the cleanser
 * handler in Kinesis-shaped batches, exactly as the Lambda event source mapping would, copying the received bytes
 * into the raw zone on the way.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import zlib from 'node:zlib';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { BatchItemFailures, StreamEvent } from '../cleanse/stream-handler.ts';

export interface FeedOptions {
  /** Records per invocation, like the event source mapping's BatchSize. @default 500 */
  readonly batchSize?: number;
  /** Where to copy the received bytes (raw zone); none when undefined. */
  readonly rawDir?: string;
  readonly onProgress?: (records: number) => void;
}

function openLines(file: string): readline.Interface {
  let stream: NodeJS.ReadableStream = fs.createReadStream(file);
  if (file.endsWith('.gz')) stream = stream.pipe(zlib.createGunzip());
  return readline.createInterface({ input: stream, crlfDelay: Infinity });
}

/** Feeds files through `handler`; returns the number of records delivered. Redelivers reported failures once more. */
export async function feedJsonlFiles(
  files: readonly string[],
  handler: (e: StreamEvent) => Promise<BatchItemFailures>,
  opts: FeedOptions = {},
): Promise<{ records: number; redelivered: number }> {
  const batchSize = opts.batchSize ?? 500;
  let seq = 0n;
  let records = 0;
  let redelivered = 0;
  const shard = 'shardId-000000000000';
  for (const file of files) {
    let raw: zlib.Gzip | undefined;
    let rawOut: fs.WriteStream | undefined;
    if (opts.rawDir) {
      fs.mkdirSync(opts.rawDir, { recursive: true });
      rawOut = fs.createWriteStream(path.join(opts.rawDir, path.basename(file).replace(/\.gz$/, '') + '.gz'));
      raw = zlib.createGzip({ level: 1 });
      raw.pipe(rawOut);
    }
    let batch: KinesisStreamRecord[] = [];
    const send = async () => {
      if (!batch.length) return;
      let event: KinesisStreamEvent = { Records: batch };
      for (let attempt = 0; attempt < 3; attempt++) {
        const res = await handler(event);
        if (!res.batchItemFailures.length) break;
        // Kinesis semantics: resume from the first failed sequence number.
        const from = batch.findIndex((r) => r.kinesis.sequenceNumber === res.batchItemFailures[0]!.itemIdentifier);
        event = { Records: batch.slice(Math.max(0, from)) };
        redelivered += event.Records.length;
      }
      records += batch.length;
      opts.onProgress?.(records);
      batch = [];
    };
    const arrival = Date.now() / 1000;
    for await (const line of openLines(file)) {
      if (line === '') continue;
      raw?.write(line + '\n');
      const sequenceNumber = (++seq).toString().padStart(20, '0');
      batch.push({
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: 'local',
          sequenceNumber,
          data: Buffer.from(line, 'utf8').toString('base64'),
          approximateArrivalTimestamp: arrival,
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
    if (raw && rawOut) {
      raw.end();
      await new Promise<void>((resolve, reject) => rawOut!.on('finish', resolve).on('error', reject));
    }
  }
  return { records, redelivered };
}
