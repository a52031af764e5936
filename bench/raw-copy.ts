/**
 * The raw copy's figures for the cost model (src/cost/estimate.ts rawGzipRatio, rawCopyMsPerKb): the generator's
 * events in batches as the raw copy's event source mapping hands them over (Lambda's 6 MB invocation payload, each
 * record base64 in the event), turned into the raw copy's objects (src/cleanse/raw-copy.ts) as the handler does:
 * the event parsed, records decoded, envelope lines, gzip. Side by side with parsing the event alone (what any Kinesis
 * consumer pays). Prints the gzip size over the envelope lines, and the milliseconds per KB of records on one core.
 *
 *   npx tsx bench/raw-copy.ts [--json]   (writes bench/raw-copy-results.json)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rawCopyObjects } from '../src/cleanse/raw-copy.ts';
import { generateRetailer } from '../src/generate/index.ts';
import { readEventLines } from '../test/integration/harness/stream.ts';
import { note, round, sideBySide } from './lib.ts';

const PAYLOAD_LIMIT = 6 * 1024 * 1024;

/** A Lambda Kinesis event of `records`, as the mapping sends it (JSON text). */
function kinesisEventText(records: readonly Buffer[], first: number): string {
  return JSON.stringify({
    Records: records.map((data, i) => ({
      kinesis: { kinesisSchemaVersion: '1.0', partitionKey: `k-${first + i}`, sequenceNumber: String(49_660_000_000_000_000_000_000_000_000_000_000_000_000_000_000n + BigInt(first + i)), data: data.toString('base64'), approximateArrivalTimestamp: 1_765_100_000 + (first + i) / 1000 },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${49_660_000_000_000_000_000_000_000_000_000_000_000_000_000_000n + BigInt(first + i)}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::123456789012:role/raw-copy',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/retail-lake-prod-events',
    })),
  });
}

type Event = { Records: { eventID: string; kinesis: { sequenceNumber: string; data: string; approximateArrivalTimestamp: number } }[] };

/** What the handler does with one event (lambdas/raw-copy/handler.ts), without the PUT. */
function copy(text: string) {
  const e = JSON.parse(text) as Event;
  const records = e.Records.map((r) => ({ shardId: r.eventID.slice(0, r.eventID.lastIndexOf(':')), sequenceNumber: r.kinesis.sequenceNumber, arrivalMs: Math.round(r.kinesis.approximateArrivalTimestamp * 1000), data: Buffer.from(r.kinesis.data, 'base64') }));
  return rawCopyObjects(records, { prefix: 'stream/' });
}

export async function measureRawCopy(o: { customers: number; days: number; rounds: number }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-bench-raw-copy-'));
  try {
    note(`raw copy: generating ${o.customers} customers x ${o.days} days`);
    await generateRetailer({ outDir: dir, customers: o.customers, days: o.days, seed: 42 });
    const lines = readEventLines(dir);
    // Batches as large as the 6 MB payload allows (the mapping's BatchSize is 10,000).
    const events: string[] = [];
    for (let i = 0; i < lines.length; ) {
      let n = Math.min(10_000, lines.length - i);
      let text = kinesisEventText(lines.slice(i, i + n), i);
      while (text.length > PAYLOAD_LIMIT) {
        n = Math.floor(n * 0.9);
        text = kinesisEventText(lines.slice(i, i + n), i);
      }
      events.push(text);
      i += n;
    }
    const recordBytes = lines.reduce((a, b) => a + b.length, 0);
    let gzip = 0;
    let envelopeLines = 0;
    for (const t of events) {
      for (const obj of copy(t).objects) gzip += obj.body.length;
    }
    for (const l of lines) envelopeLines += Buffer.byteLength(JSON.stringify({ origin: 'kinesis:shardId-000000000000:49660000000000000000000000000000000000000000000000000000', received_at: 1_765_100_000_000, data: l.toString('base64') })) + 1;
    const load = [os.loadavg()[0]!];
    const t = await sideBySide({ rawCopy: () => events.forEach(copy), parseOnly: () => events.forEach((x) => JSON.parse(x)) }, o.rounds);
    load.push(os.loadavg()[0]!);
    return {
      events: lines.length,
      eventBytes: Math.round(recordBytes / lines.length),
      invocations: events.length,
      recordsPerInvocation: Math.round(lines.length / events.length),
      gzipOverEnvelopeLines: round(gzip / envelopeLines, 3),
      gzipBytesPerRecord: round(gzip / lines.length, 1),
      rawCopySeconds: round(t.rawCopy.best, 3),
      parseOnlySeconds: round(t.parseOnly.best, 3),
      ratioToParse: round(t.rawCopy.best / t.parseOnly.best, 2),
      msPerKbOfRecords: round((t.rawCopy.best * 1000) / (recordBytes / 1024), 4),
      loadAverage: load.map((x) => round(x, 1)),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await measureRawCopy({ customers: 300, days: 365, rounds: 5 });
  fs.writeFileSync(new URL('./raw-copy-results.json', import.meta.url), JSON.stringify(figures, null, 2) + '\n');
  console.log(process.argv.includes('--json') ? JSON.stringify(figures) : JSON.stringify(figures, null, 2));
}
