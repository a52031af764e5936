/**
 * Sustained load through the emulated AWS path: a generated retailer's events (default: the demo's size, about a
 * million) are put on a kinesalite stream while the KinesisPoller feeds them to the cleanser handler, which writes
 * to s3rver. Both emulators run in child processes, so the figures are the consumer's: records/s, peak RSS and, per
 * window of records, RSS and error counters (which must not grow). Ends with the exact reconciliation of the counts.
 * Not part of `npm test` (it takes many minutes); results go to bench/load-results.json.
 *
 *   npx tsx bench/load.ts [--customers 10300] [--days 365] [--batch 1000] [--shards 2]   (10,300 customers: 1.0M events)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KinesisPoller, MemoryCheckpointStore } from '../src/adapters/aws/kinesis-poller.ts';
import { LocalDedupStore } from '../src/adapters/local/dedup-store.ts';
import { generateRetailer } from '../src/generate/index.ts';
import { startKinesalite, startS3rverInChild } from '../test/integration/harness/emulators.ts';
import { cleanserHandler, createStream, expectedFromManifest, kinesisClient, putAll, readEventLines, s3Client, s3Sink } from '../test/integration/harness/stream.ts';
import { machine, note, round, rssSampler } from './lib.ts';

export interface LoadWindow {
  readonly records: number;
  readonly seconds: number;
  readonly rssMb: number;
  readonly heapMb: number;
  readonly handlerErrors: number;
  readonly partialFailures: number;
  readonly throttled: number;
}

export async function runLoad(o: { customers: number; days: number; batch: number; shards: number }) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-load-'));
  const buckets = { curated: 'load-curated', quarantine: 'load-quarantine' };
  note(`load: generating ${o.customers} customers x ${o.days} days`);
  await generateRetailer({ outDir: path.join(root, 'landing'), customers: o.customers, days: o.days, seed: 42 });
  const expected = expectedFromManifest(path.join(root, 'landing'));
  // In memory in its own process (kinesalite's LevelDB-on-disk mode fails with the leveldown version installed).
  const kinesis = await startKinesalite({ childProcess: true });
  const s3 = await startS3rverInChild(Object.values(buckets), path.join(root, 's3'));
  try {
    const client = kinesisClient(kinesis.endpoint);
    await createStream(client, 'load', o.shards);
    const { handler, counts } = cleanserHandler(s3Sink(s3Client(s3.endpoint), buckets), new LocalDedupStore());
    const windows: LoadWindow[] = [];
    const rss = rssSampler(100);
    const started = performance.now();
    const windowSize = Math.max(10_000, Math.round(expected.records / 10 / 10_000) * 10_000);
    let nextWindow = windowSize;
    const poller: KinesisPoller = new KinesisPoller({
      streamName: 'load',
      handler,
      checkpoints: new MemoryCheckpointStore(),
      batchSize: o.batch,
      client,
      idleDelayMs: 50,
      onBatch: () => {
        const done = poller.stats.checkpointed;
        if (done >= nextWindow) {
          nextWindow += windowSize;
          const m = process.memoryUsage();
          const s = poller.stats;
          windows.push({
            records: done,
            seconds: round((performance.now() - started) / 1000, 1),
            rssMb: Math.round(m.rss / 2 ** 20),
            heapMb: Math.round(m.heapUsed / 2 ** 20),
            handlerErrors: s.handlerErrors,
            partialFailures: s.partialFailures,
            throttled: s.throttled,
          });
          note(`load: ${done.toLocaleString('en')} records, ${windows.at(-1)!.rssMb} MB RSS`);
        }
        if (done >= expected.records) poller.stop();
      },
    });
    // The producer puts month by month while the consumer polls: a sustained run, not a backlog drained afterwards.
    note(`load: ${expected.records.toLocaleString('en')} records through the stream`);
    const producing = (async () => {
      const dir = path.join(root, 'landing', 'events');
      for (const f of fs.readdirSync(dir).sort()) {
        const monthDir = fs.mkdtempSync(path.join(root, 'month-'));
        fs.mkdirSync(path.join(monthDir, 'events'));
        fs.renameSync(path.join(dir, f), path.join(monthDir, 'events', f));
        await putAll(client, 'load', readEventLines(monthDir));
        fs.rmSync(monthDir, { recursive: true, force: true });
      }
    })();
    const consuming = poller.poll();
    await producing;
    note('load: producer done');
    const stats = await consuming;
    note('load: consumer done');
    const seconds = (performance.now() - started) / 1000;
    const peakRssMb = rss.stop();
    return {
      machine: machine(),
      options: o,
      records: expected.records,
      seconds: round(seconds, 1),
      recordsPerSec: Math.round(expected.records / seconds),
      peakRssMb,
      dedupKeys: expected.clean + expected.quarantined,
      counts: { received: counts.received, clean: counts.clean, quarantined: counts.quarantined, duplicates: counts.duplicates },
      expected: { clean: expected.clean, quarantined: expected.quarantined, duplicates: expected.duplicates },
      // Every record has one outcome, duplicates are exactly the re-sent lines, nothing else is lost or gained.
      reconciled:
        counts.received === expected.records &&
        counts.received === counts.clean + counts.quarantined + counts.duplicates &&
        counts.duplicates === expected.duplicates &&
        counts.clean + counts.quarantined === expected.clean + expected.quarantined,
      // Records the manifest labels otherwise than the cleanser routes them (see docs/performance.md).
      manifestDifferences: { clean: counts.clean - expected.clean, quarantined: counts.quarantined - expected.quarantined },
      poller: stats,
      windows,
    };
  } finally {
    await kinesis.close();
    await s3.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const arg = (name: string, d: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : d;
  };
  const result = await runLoad({ customers: arg('customers', 10_300), days: arg('days', 365), batch: arg('batch', 1000), shards: arg('shards', 2) });
  fs.writeFileSync(path.join(import.meta.dirname, 'load-results.json'), JSON.stringify({ at: new Date().toISOString(), ...result }, null, 2) + '\n');
  process.stdout.write(JSON.stringify(result) + '\n');
}
