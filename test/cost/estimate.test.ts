import fs from 'node:fs';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { costCommand } from '../../src/cost/command.ts';
import { renderCostTable, renderTagRefreshTable } from '../../src/cost/doc.ts';
import { CostInputError, estimateMonthlyCost } from '../../src/cost/estimate.ts';
import { PRICES_AS_OF } from '../../src/cost/prices.ts';

const sink = () => {
  let text = '';
  const out = new Writable({ write: (c, _e, cb) => ((text += String(c)), cb()) });
  return { out, text: () => text };
};

describe('estimateMonthlyCost', () => {
  it('prices every service of the pipeline and adds them up', () => {
    const e = estimateMonthlyCost({ eventsPerDay: 10_000_000 });
    expect(e.services.map((s) => s.service.split(' ')[0])).toEqual(['Kinesis', 'Lambda', 'Amazon', 'S3', 'Glue', 'Athena', 'DynamoDB', 'EventBridge', 'CloudWatch', 'Real-time', 'Profile', 'Raw', 'KMS']);
    expect(e.totalUsd).toBeCloseTo(e.services.reduce((s, c) => s + c.monthlyUsd, 0), 1);
    expect(e.usdPerMillionEvents).toBeCloseTo((e.totalUsd / (10_000_000 * 30)) * 1e6, 2);
    expect(e.pricesAsOf).toBe(PRICES_AS_OF);
  });

  it('grows with volume while the cost per million events falls (fixed costs spread)', () => {
    const [a, b, c] = [1e6, 1e7, 1e8].map((n) => estimateMonthlyCost({ eventsPerDay: n }));
    expect(a!.totalUsd).toBeLessThan(b!.totalUsd);
    expect(b!.totalUsd).toBeLessThan(c!.totalUsd);
    expect(a!.usdPerMillionEvents).toBeGreaterThan(b!.usdPerMillionEvents);
    expect(b!.usdPerMillionEvents).toBeGreaterThan(c!.usdPerMillionEvents);
  });

  it('bills Kinesis per started KB and Firehose per started 5 KB, as AWS does', () => {
    const kds = (bytes: number) => estimateMonthlyCost({ eventsPerDay: 1e7, avgEventBytes: bytes }).services[0]!.monthlyUsd;
    const fh = (bytes: number) => estimateMonthlyCost({ eventsPerDay: 1e7, avgEventBytes: bytes }).services[2]!.monthlyUsd;
    // Reading is per byte, ingest per started KB: 900 -> 1000 bytes adds read cost only, 1000 -> 1100 adds a KB.
    expect(kds(1100) - kds(1000)).toBeGreaterThan(10 * (kds(1000) - kds(900)));
    // A row above the 5,000-byte pack goes alone: crossing the 5,120-byte step doubles its billed volume, growing
    // within the step only adds per-byte partitioning.
    expect(fh(5200) - fh(5100)).toBeGreaterThan(5 * (fh(5100) - fh(5050)));
  });

  it('packs rows into 5 KB records: 800-byte rows cost a fraction of one record per row', () => {
    // Without packing (firehosePackBytes 1: one row per record) every 800-byte row is billed as 5 KB; packed, about
    // 4,750 / 800 = 5.9 rows share a step, so ingestion and conversion fall by nearly as much.
    const fh = (o: object) => estimateMonthlyCost({ eventsPerDay: 1e8 }, o).services[2]!.monthlyUsd;
    expect(fh({ firehosePackBytes: 1 })).toBeGreaterThan(4 * fh({}));
  });

  it('prices a provisioned stream by shard-hours and PUT payload units, with the reads included', () => {
    const od = estimateMonthlyCost({ eventsPerDay: 1e8 });
    const pr = estimateMonthlyCost({ eventsPerDay: 1e8 }, { streamMode: 'provisioned' });
    expect(pr.services[0]!.service).toBe('Kinesis Data Streams (provisioned)');
    // The raw copy and the rules read the stream again: billed per GB on-demand ($0.04), not in provisioned mode.
    const readUsd = ((1e8 * 30 * 800) / 2 ** 30) * 0.04;
    const line = (e: typeof od, p: string) => e.services.find((s) => s.service.startsWith(p))!.monthlyUsd;
    expect(line(od, 'Raw') - line(pr, 'Raw')).toBeCloseTo(readUsd, 1);
    // Shards given by configuration are priced as given, even below what the peak needs.
    expect(estimateMonthlyCost({ eventsPerDay: 1e8 }, { streamMode: 'provisioned', provisionedShards: 10 }).services[0]!.basis).toMatch(/^10 shards \(3 carry 2x/);
  });

  it('needs fewer invocations per event as batches fill up', () => {
    const inv = (n: number) => Number(/^([\d.]+)([kM]?) invocations/.exec(estimateMonthlyCost({ eventsPerDay: n }).services[1]!.basis)!.slice(1).join('').replace('k', 'e3').replace('M', 'e6')) / (n * 30);
    expect(inv(1e8)).toBeLessThan(inv(1e6) / 10);
  });

  it('rejects a non-positive volume and an implausible event size', () => {
    expect(() => estimateMonthlyCost({ eventsPerDay: 0 })).toThrow(CostInputError);
    expect(() => estimateMonthlyCost({ eventsPerDay: 1e6, avgEventBytes: 10 })).toThrow(/avgEventBytes must be between 50 and 1000000, received 10/);
  });
});

/**
 * One scenario worked by hand per service, with the unit prices copied from the AWS price pages (us-east-1,
 * on-demand, as of 2025-06-01) rather than read from prices.ts, so a wrong price or a wrong unit (GB vs TB, per
 * thousand vs per million) in the code fails here. Scenario: 1,000,000 events a day of exactly 1 KiB, nothing
 * quarantined, no order lines and no imported orders; everything else the documented default assumptions
 * (docs/cost.md). A month is 30 days = 30,000,000 events, 730 hours; GB = 2^30 bytes.
 *   Batches: 1e6 / 86,400 = 11.574 events/s over 4 shards x 5 s window = 14.468 records per invocation,
 *   so 30e6 / 14.468 = 2,073,600 invocations.
 */
describe('estimateMonthlyCost, worked by hand from the price pages', () => {
  // Priced with per-event dedup (the former design, still offered for comparison: --dedup per-event).
  const e = estimateMonthlyCost({ eventsPerDay: 1_000_000, avgEventBytes: 1024 }, { quarantineRate: 0, orderLinesPerEvent: 0, importedOrderLinesPerDay: 0, dedup: 'per-event' });
  const usd = (prefix: string) => e.services.find((s) => s.service.startsWith(prefix))!.monthlyUsd;
  // The same scenario with the default: per-batch dedup, what the stacks deploy (docs/ingest.md).
  const eb = estimateMonthlyCost({ eventsPerDay: 1_000_000, avgEventBytes: 1024 }, { quarantineRate: 0, orderLinesPerEvent: 0, importedOrderLinesPerDay: 0 });
  const usdBatch = (prefix: string) => eb.services.find((s) => s.service.startsWith(prefix))!.monthlyUsd;
  const GiB = 2 ** 30;
  const dataGb = (30e6 * 1024) / GiB; // 28.61 GB of events a month

  it('Kinesis: $0.04 per stream-hour, $0.08 per GB in (whole KB per record), $0.04 per GB read (aws.amazon.com/kinesis/data-streams/pricing/)', () => {
    // 730 h x 0.04 = 29.20; 28.61 GB x 0.08 = 2.29; 28.61 GB x 0.04 = 1.14
    expect(usd('Kinesis')).toBeCloseTo(730 * 0.04 + dataGb * 0.08 + dataGb * 0.04, 2);
    expect(usd('Kinesis')).toBeCloseTo(32.63, 2);
  });

  it('Lambda: $0.0000133334 per arm64 GB-second, $0.20 per million requests (aws.amazon.com/lambda/pricing/)', () => {
    // Cleanser at 1,024 MB (1024/1769 of a vCPU at 50,000 records/s/core): 0.080 s I/O + 14.468 / 28,943 s CPU
    // = 0.0804999 s x 1 GB x 2,073,600 = 166,924 GB-s. Scorer: 30 runs x (60 s + 100,000 customers / 10,000/s) x 4 GB
    // = 8,400 GB-s. Identity refresh: 30 runs x 600 s waiting on Athena x 0.5 GB = 9,000 GB-s.
    // Requests: 2,073,600 + 90 scheduled invocations (3 a day, the identity refresh now among them).
    const cleanserGbs = 2_073_600 * (0.08 + 14.467592592592593 / (50_000 * (1024 / 1769)));
    expect(cleanserGbs).toBeCloseTo(166_924, -1);
    expect(usd('Lambda')).toBeCloseTo((cleanserGbs + 8_400 + 9_000) * 0.0000133334 + 2_073_690 * (0.2 / 1e6), 2);
    expect(usd('Lambda')).toBeCloseTo(2.87, 2);
  });

  it('Firehose: $0.029/GB ingest in 5 KB steps + $0.018/GB conversion, $0.02/GB and $0.005/1,000 objects partitioning, $0.07 per JQ hour (aws.amazon.com/firehose/pricing/)', () => {
    // Packed records: 5,000 bytes x 0.95 measured fill = 4,750 bytes = 4.639 rows of 1,024 B per record; an
    // invocation's 14.468 rows make ceil(3.119) = 4 records (the last one partial), each one 5 KB step:
    // 2,073,600 x 4 = 8,294,400 records x 5,120 B = 39.55 GB x (0.029 + 0.018) = 1.859; 28.61 GB x 0.02 = 0.572;
    // 14 partitions x 8,640 five-minute flushes = 120,960 objects x 0.005 / 1000 = 0.605; JQ runs per row:
    // 30e6 x 0.1 ms = 0.833 h x 0.07 = 0.058.
    expect(Math.ceil(14.467592592592593 / (4750 / 1024))).toBe(4);
    const billedGb = (2_073_600 * 4 * 5120) / GiB;
    expect(billedGb).toBeCloseTo(39.55, 2);
    expect(usd('Amazon Data Firehose')).toBeCloseTo(billedGb * (0.029 + 0.018) + dataGb * 0.02 + 120.96 * 0.005 + (3000 / 3600) * 0.07, 2);
    expect(usd('Amazon Data Firehose')).toBeCloseTo(3.09, 2);
  });

  it('Kinesis provisioned: $0.015 per shard-hour, $0.014 per million PUT payload units of 25 KB, no retrieval charge (aws.amazon.com/kinesis/data-streams/pricing/)', () => {
    // 100M events a day of 800 B at twice the average rate: 1,157.4 x 2 = 2,314.8 records/s. Write: 2,314.8 x 800 B =
    // 1.77 MiB/s -> 2 shards; records: 2,314.8 / 1,000 -> 3 shards; reads by 3 consumers: 5.30 MiB/s / 2 -> 3 shards.
    // 3 x 730 h x 0.015 = 32.85; 3e9 records x 1 unit (800 B < 25 KB) = 3,000M units x 0.014 = 42.00.
    const p = estimateMonthlyCost({ eventsPerDay: 100_000_000 }, { streamMode: 'provisioned' });
    expect(p.services[0]!.monthlyUsd).toBeCloseTo(3 * 730 * 0.015 + 3000 * 0.014, 2);
    expect(p.services[0]!.monthlyUsd).toBeCloseTo(74.85, 2);
  });

  it('S3: $0.023 per GB-month, $0.005 per 1,000 PUTs (aws.amazon.com/s3/pricing/)', () => {
    // Parquet at 15% of 28.61 GB = 4.29 GB a month, kept 12 months = 51.50 GB x 0.023 = 1.18; 120,960 PUTs = 0.60.
    const storedGb = dataGb * 0.15 * 12;
    expect(usd('S3')).toBeCloseTo(storedGb * 0.023 + 120.96 * 0.005, 2);
    expect(usd('S3')).toBeCloseTo(1.79, 2);
  });

  it('Glue: the first million catalog requests a month are free (aws.amazon.com/glue/pricing/)', () => {
    // 30 x (50 + 40) x 5 + 2 x 8,640 = 30,780 requests < 1,000,000
    expect(usd('Glue')).toBe(0);
  });

  it('Athena: $5 per TB scanned (aws.amazon.com/athena/pricing/)', () => {
    // Daily: 40% of 51.50 GB (tag refresh 30% + scoring 10%) + 50 queries x 0.5 GB = 45.60 GB; x 30 = 1,368 GB.
    // Identity refresh: 100,000 customers x 4.2 identifiers x 1,500 bytes = 0.587 GB a run, x 30 = 17.60 GB.
    // 1,385.6 GB = 1.353 TB x 5. With per-batch dedup the daily duplicates count adds 30e6 events x 21.1 bytes of
    // event_id = 0.590 GB.
    const scannedGb = 30 * (dataGb * 0.15 * 12 * 0.4 + 25) + (30 * 100_000 * 4.2 * 1500) / GiB;
    expect(usd('Athena')).toBeCloseTo((scannedGb / 1024) * 5, 2);
    expect(usd('Athena')).toBeCloseTo(6.77, 2);
    expect(usdBatch('Athena')).toBeCloseTo(((scannedGb + (30e6 * 21.1) / GiB) / 1024) * 5, 2);
  });

  it('DynamoDB: $0.625 per million writes, $0.125 per million reads, $0.25 per GB-month on demand (aws.amazon.com/dynamodb/pricing/on-demand/)', () => {
    // Per-event dedup (the former design): 30,030,000 reads and as many writes (events + 30,000 ledger entries) = 30.03 x 0.75 =
    // 22.52; 35 days x 1e6 keys x 150 bytes = 4.89 GB x 0.25 = 1.22.
    expect(usd('DynamoDB')).toBeCloseTo(30.03 * (0.625 + 0.125) + ((35e6 * 150) / GiB) * 0.25, 2);
    expect(usd('DynamoDB')).toBeCloseTo(23.74, 2);
    // Per-batch dedup: one checkpoint read and one conditional write per cleanser batch (2,073,600), nothing per
    // event; ledger 30,000 entries. 2,103,600 x 0.75 / 1e6 = 1.5777; 4 checkpoint items of 150 bytes: storage ~0.
    expect(usdBatch('DynamoDB')).toBeCloseTo(2.1036 * 0.75, 2);
    expect(usdBatch('DynamoDB')).toBeCloseTo(1.58, 2);
  });

  it('DynamoDB: quarantined records and imported lines keep a key each (read + write), kept 35 days', () => {
    // Per-batch dedup (per-event dedup keys every event anyway).
    const q = estimateMonthlyCost({ eventsPerDay: 1_000_000, avgEventBytes: 1024 }, { quarantineRate: 0.01, orderLinesPerEvent: 0, importedOrderLinesPerDay: 100_000, dedup: 'per-batch' });
    const ddb = q.services.find((s) => s.service.startsWith('DynamoDB'))!.monthlyUsd;
    // Batches are unchanged (a quarantined record is still in its batch). Keys: 300,000 quarantined + 3,000,000
    // imported lines a month, a read and a write each = 3.3M x 0.75/M = 2.475. Kept: (10,000 + 100,000) a day x 35 days
    // = 3.85M keys x 150 bytes = 0.538 GB x 0.25 = 0.134.
    expect(ddb - usdBatch('DynamoDB')).toBeCloseTo(3.3 * 0.75 + ((3.85e6 * 150) / GiB) * 0.25, 2);
  });

  it('ingest per million events: stream + cleanser + Firehose + dedup + raw copy + their S3 writes', () => {
    // Stream 32.63 (Kinesis line). Cleanser: 166,924 GB-s x 0.0000133334 = 2.2257 + 2,073,600 requests x 0.2/M = 0.4147.
    // Firehose 3.09 (packed records). Raw copy 3.03. S3 writes: 120,960 curated objects x 0.005/1,000 = 0.6048.
    // Dedup per event (the former design): 30M event keys, a read and a write each = 22.50 + 35M keys kept x 150 bytes = 1.2222.
    // Dedup per batch (deployed, the default): 2,073,600 checkpoints x 0.75/M = 1.5552 + the duplicates count 0.590 GB x $5/TB = 0.0029.
    const cleanser = 2_073_600 * (0.08 + 14.467592592592593 / (50_000 * (1024 / 1769))) * 0.0000133334 + 2_073_600 * 0.2e-6;
    const perEvent = 30 * 0.75 + ((35e6 * 150) / GiB) * 0.25;
    const perBatch = 2.0736 * 0.75 + ((30e6 * 21.1) / GiB / 1024) * 5;
    const rest = 32.63 + cleanser + 3.09 + 3.03 + 120.96 * 0.005;
    expect(e.ingest.lines.dedup).toBeCloseTo(perEvent, 2);
    expect(eb.ingest.lines.dedup).toBeCloseTo(perBatch, 2);
    expect(e.ingest.lines.cleanser).toBeCloseTo(2.64, 2);
    expect(e.ingest.monthly).toBeCloseTo(rest + perEvent, 1);
    expect(eb.ingest.monthly).toBeCloseTo(rest + perBatch, 1);
    expect(e.ingest.perMillionEvents).toBeCloseTo((rest + perEvent) / 30, 2);
    expect(eb.ingest.perMillionEvents).toBeCloseTo((rest + perBatch) / 30, 2);
  });

  it('tag refresh: Athena bytes a day from the measured bytes per customer, full and incremental', () => {
    // Full: 11,846 bytes per customer (bench/tag-bytes.ts); 10M customers = 118.46 GB (decimal) a day, 30 runs =
    // 3,309.6 GiB = 3.232 TiB x $5 = 16.16. Incremental: the assumed 1,185 bytes per customer.
    const ten = e.tagRefresh.find((t) => t.customers === 10_000_000)!;
    expect(ten.fullBytesPerDay).toBe(118_460_000_000);
    expect(ten.fullMonthly).toBeCloseTo(((30 * 118.46e9) / GiB / 1024) * 5, 2);
    expect(ten.fullMonthly).toBeCloseTo(16.16, 2);
    expect(ten.incrementalBytesPerDay).toBe(11_850_000_000);
    expect(e.tagRefresh.map((t) => t.customers)).toEqual([1e6, 1e7, 1e8]);
  });

  it('EventBridge: $1.00 per million custom events (aws.amazon.com/eventbridge/pricing/)', () => {
    expect(usd('EventBridge')).toBeCloseTo(0.03, 2); // 30e6 x 0.001 = 30,000 events
  });

  it('CloudWatch: $0.50 per GB logs in, $0.03 per GB-month stored, $0.30 per metric, $0.10 per alarm (aws.amazon.com/cloudwatch/pricing/)', () => {
    // 2,073,600 invocations x 2,000 B = 3.86 GB x 0.53 = 2.05; 20 metrics = 6.00; 8 alarms = 0.80; 1 dashboard free.
    expect(usd('CloudWatch')).toBeCloseTo(((2_073_600 * 2000) / GiB) * 0.53 + 6 + 0.8, 2);
    expect(usd('CloudWatch')).toBeCloseTo(8.85, 2);
  });

  it('KMS and Secrets Manager: $1 per key-month, $0.03 per 10,000 requests, $0.40 per secret (aws.amazon.com/kms/pricing/)', () => {
    // 2 keys + 1 secret = 2.40; (2,073,600 x 0.05 + 100,000) / 10,000 x 0.03 = 0.61
    expect(usd('KMS')).toBeCloseTo(2.4 + ((2_073_600 * 0.05 + 100_000) / 10_000) * 0.03, 2);
    expect(usd('KMS')).toBeCloseTo(3.01, 2);
  });

  it('Real-time rules: the stream read again ($0.04/GB), a second Lambda consumer with a 1 s batch window, one live-item read ($0.125/M RRU) and write ($0.625/M WRU) per event, hourly context scans of the profile table, rule events ($1/M), logs', () => {
    // Read again: 28.61 GB x 0.04 = 1.144. Batches: 11.574 events/s over 4 shards, filled for 1 s = 2.894 records, so
    // 30M / 2.894 = 10,368,000 invocations at 1,024 MB (1024/1769 of a vCPU at 20,000 records/s/core):
    // 10,368,000 x (0.060 + 2.894 / 11,577 s) x 1 GB = 624,671 GB-s x 0.0000133334 = 8.329; requests x 0.20/M = 2.074.
    // Live items: 30M writes x 1 WRU x 0.625/M = 18.75; 30M consistent reads x 1 RRU x 0.125/M = 3.75. Context: 4
    // containers x 24 scans a day x 30 of 100,000 customers x (6 KB batch + 2 x 0.2 KB index + 1 KB live) = 740,000
    // KB / 4 KB x 0.5 RRU = 92,500 RRU a scan, 266.4M RRU x 0.125/M = 33.30. Rule events 150,000 x 1/M = 0.15. Logs:
    // 10,368,000 x 2,000 B = 19.31 GB x 0.53 = 10.235. Sum 77.73.
    const invocations = (30_000_000 * 4) / (1_000_000 / 86_400);
    expect(invocations).toBeCloseTo(10_368_000, 0);
    const rulesGbs = invocations * (0.06 + 1_000_000 / 86_400 / 4 / (20_000 * (1024 / 1769)));
    expect(rulesGbs).toBeCloseTo(624_671, -1);
    const contextRru = 4 * 24 * 30 * ((100_000 * (6 + 0.4 + 1)) / 4) * 0.5;
    expect(contextRru).toBe(266_400_000);
    const byHand = dataGb * 0.04 + rulesGbs * 0.0000133334 + invocations * 0.2e-6 + 18.75 + 3.75 + (contextRru / 1e6) * 0.125 + 0.15 + ((invocations * 2000) / GiB) * 0.53;
    expect(usd('Real-time')).toBeCloseTo(byHand, 2);
    expect(usd('Real-time')).toBeCloseTo(77.73, 2);
    expect(e.realtimeUsdPerMillionEvents).toBeCloseTo(77.73 / 30, 3);
  });

  it('Profile API: $1.00 per million HTTP API requests (aws.amazon.com/api-gateway/pricing/), Lambda, a Query per read, the scorer\'s daily profile writes', () => {
    // Per read: API Gateway 1.00/M; Lambda request 0.20/M and 15 ms x 1 GB x 0.0000133334 = 0.20/M; DynamoDB 1 RRU
    // (the Query) + 0.2 x 0.5 RRU (a GetItem first for the fifth of reads by identifier) = 1.1 x 0.125/M = 0.1375/M;
    // logs 800 B x 0.53/GB = 0.395/M. So $1.932 per million reads; 3M reads a month (0.1 per event) = 5.80.
    // The scorer writes 100,000 customers a day x (6 KB = 6 WRU + 2 index items) x 30 = 24M WRU x 0.625/M = 15.00;
    // stored 100,000 x (6,144 + 400) B = 0.61 GB x 0.25 = 0.15. Sum 20.95.
    const perMillionReads = 1.0 + 0.2 + 15 * 0.0000133334 * 1000 + 1.1 * 0.125 + ((800 * 1e6) / GiB) * 0.53;
    expect(e.apiUsdPerMillionReads).toBeCloseTo(perMillionReads, 3);
    expect(e.apiUsdPerMillionReads).toBeCloseTo(1.932, 3);
    expect(e.profileReadsPerMonth).toBe(3_000_000);
    expect(usd('Profile')).toBeCloseTo(3 * perMillionReads + 24 * 0.625 + ((100_000 * 6544) / GiB) * 0.25, 2);
    expect(usd('Profile')).toBeCloseTo(20.95, 2);
  });

  it('Raw copy: a Lambda consumer (arm64 $0.0000133334/GB-s, $0.20/M requests; aws.amazon.com/lambda/pricing/), the stream read again ($0.04/GB), one gzip object per batch kept 13 months (PUT $0.005/1,000, transitions $0.01 and $0.02/1,000, Standard $0.023, Standard-IA $0.0125, Glacier IR $0.004 per GB-month; aws.amazon.com/s3/pricing/)', () => {
    // Batch: 10,000 at most; the 6 MB payload: per record ceil(1,024 / 3) x 4 = 1,368 B base64 + 660 B of fields =
    // 2,028 B, 6,291,456 / 2,028 = 3,102 records; the 300 s window: 11.574 records/s over 4 shards x 300 = 868.06.
    // So 868.06 records a batch: 30M / 868.06 = 34,560 invocations (= 4 shards x 288 windows a day x 30).
    // Time: 200 ms (the PUT) + 868.06 x 1 KB x 0.26 ms / (512 / 1,769 of a core) = 200 + 779.8 = 979.8 ms x 0.5 GB:
    // 16,931 GB-s x 0.0000133334 = 0.2257; requests 34,560 x 0.2/M = 0.0069. Read again: 28.61 GB x 0.04 = 1.1444.
    // Stored: per record 1,368 + 90 B of origin and arrival = 1,458 B, gzip 0.123 = 179.3 B; 30M a month = 5.01 GB,
    // kept 13 months: 1 Standard, 2 Standard-IA, 10 Glacier IR = 5.01 x (0.023 + 2 x 0.0125 + 10 x 0.004) = 0.4409.
    // Objects: one per batch, 34,560 x (0.005 PUT + 0.01 to IA + 0.02 to Glacier IR) / 1,000 = 1.2096.
    const batch = Math.min(10_000, Math.floor((6 * 1024 * 1024) / 2028), (1e6 / 86_400 / 4) * 300);
    expect(batch).toBeCloseTo(868.06, 2);
    const invocations = 30e6 / batch;
    expect(invocations).toBeCloseTo(34_560, 0);
    const gbSeconds = invocations * ((200 + (batch * 0.26) / (512 / 1769)) / 1000) * 0.5;
    expect(gbSeconds).toBeCloseTo(16_931, -1);
    const byHand = gbSeconds * 0.0000133334 + invocations * 0.2e-6 + dataGb * 0.04 + ((30e6 * 1458 * 0.123) / GiB) * (0.023 + 2 * 0.0125 + 10 * 0.004) + 34.56 * (0.005 + 0.01 + 0.02);
    expect(usd('Raw')).toBeCloseTo(byHand, 2);
    expect(usd('Raw')).toBeCloseTo(3.03, 2);
  });

  it('prices the profile reads given, not the default share of events', () => {
    const more = estimateMonthlyCost({ eventsPerDay: 1_000_000, avgEventBytes: 1024, profileReadsPerDay: 1_100_000 }, { quarantineRate: 0, orderLinesPerEvent: 0, importedOrderLinesPerDay: 0 });
    // 1M more reads a day = 30M a month more, at $1.932 per million.
    const profile = (x: typeof e) => x.services.find((s) => s.service.startsWith('Profile'))!.monthlyUsd;
    expect(profile(more) - profile(e)).toBeCloseTo(30 * 1.932, 0);
    expect(more.profileReadsPerMonth).toBe(33_000_000);
  });

  it('adds the services up to the total', () => {
    expect(e.totalUsd).toBeCloseTo(32.63 + 2.87 + 3.09 + 1.79 + 0 + 6.77 + 23.74 + 0.03 + 8.85 + 77.73 + 20.95 + 3.03 + 3.01, 2);
  });
});

describe('costCommand', () => {
  it('prints one JSON object as the last line with --json', () => {
    const s = sink();
    costCommand({ eventsPerDay: 1_000_000, avgEventBytes: 600, json: true }, s.out);
    const last = JSON.parse(s.text().trim().split('\n').pop()!) as { totalUsd: number; services: unknown[]; avgEventBytes: number };
    expect(last.avgEventBytes).toBe(600);
    expect(last.services).toHaveLength(13);
    expect(last).toHaveProperty('apiUsdPerMillionReads');
    expect(last).toHaveProperty('realtimeUsdPerMillionEvents');
    expect((last as unknown as { ingest: { perMillionEvents: number } }).ingest.perMillionEvents).toBeGreaterThan(0);
    expect(last.totalUsd).toBeGreaterThan(0);
  });

  it('prices a provisioned stream with --stream-mode provisioned, and refuses a mode or a shard count it cannot use', () => {
    const s = sink();
    const r = costCommand({ eventsPerDay: 100_000_000, streamMode: 'provisioned', shards: 4, json: true }, s.out);
    // 4 shards x 730 h x $0.015 + 3,000M PUT payload units x $0.014 per million = 43.80 + 42.00.
    expect(r.services[0]).toMatchObject({ service: 'Kinesis Data Streams (provisioned)', monthlyUsd: 85.8 });
    expect(() => costCommand({ eventsPerDay: 1e6, streamMode: 'turbo' }, sink().out)).toThrow('--stream-mode must be on-demand or provisioned, received "turbo"');
    expect(() => costCommand({ eventsPerDay: 1e6, shards: 4 }, sink().out)).toThrow('--shards applies only with --stream-mode provisioned (received 4)');
  });

  it('prints a table with the total and the cost per million events', () => {
    const s = sink();
    costCommand({ eventsPerDay: 1_000_000 }, s.out);
    expect(s.text()).toMatch(/^total\s+\$[\d,.]+\s+\$[\d.]+ per million events$/m);
    expect(s.text()).toMatch(/^ingest: \$[\d.]+ per million events \(\$[\d,.]+ a month: stream \$[\d,.]+, cleanser .*raw copy \$[\d,.]+, S3 writes \$[\d,.]+\)$/m);
    expect(s.text()).toMatch(/Clickstream Analytics on AWS publishes \$0\.015-0\.056 per million events/);
    expect(s.text()).toMatch(/^real-time rules: \$[\d.]+ per million events; profile API: \$[\d.]+ per million reads \([\d.]+[kM]? reads a month\)$/m);
  });
});

describe('docs/cost.md', () => {
  it('shows the table the code computes today', () => {
    const doc = fs.readFileSync(new URL('../../docs/cost.md', import.meta.url), 'utf8');
    const table = /<!-- cost-table:start[^>]*-->\n([\s\S]*?)\n<!-- cost-table:end -->/.exec(doc)?.[1];
    expect(table, 'regenerate with: npx tsx src/cost/doc.ts').toBe(renderCostTable());
    const tags = /<!-- tag-refresh-table:start[^>]*-->\n([\s\S]*?)\n<!-- tag-refresh-table:end -->/.exec(doc)?.[1];
    expect(tags, 'regenerate with: npx tsx src/cost/doc.ts tags').toBe(renderTagRefreshTable());
  });
});
