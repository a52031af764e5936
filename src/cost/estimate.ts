/**
 * Monthly AWS cost of running retail-lake at a given event rate, by service, from the list prices in prices.ts and
 * a small, explicit model of what the pipeline does per event (see docs/cost.md for each assumption and why).
 *
 * @example estimateMonthlyCost({ eventsPerDay: 10_000_000 }).totalUsd
 */
import { COST_REGIONS, REGION_PRICING, type CostRegion, type Currency, type FeatureKey, type FeatureStatus, type PriceKey, type PriceTable, type RegionPricing, type RegionPrices } from './prices.ts';

export interface CostInputs {
  /** Events published to the stream per day. */
  readonly eventsPerDay: number;
  /** Average size of one event as published (JSON bytes). @default 800 */
  readonly avgEventBytes?: number;
  /** Single-profile reads of the profile API per day. @default eventsPerDay x profileReadsPerEvent */
  readonly profileReadsPerDay?: number;
}

export interface CostAssumptions {
  /** Order lines written per event (POS sales and online orders carry lines; most events do not). */
  readonly orderLinesPerEvent: number;
  /** Share of records quarantined. */
  readonly quarantineRate: number;
  /** Parquet size / JSON size of curated rows. */
  readonly parquetRatio: number;
  /** Months of curated data kept in the lake (storage is billed on what has accumulated). */
  readonly retentionMonths: number;
  /** On-demand shards the stream starts with (4 MiB/s of write capacity). */
  readonly shards: number;
  /** Kinesis capacity mode, as `shardMode` in cdk.json: on-demand (per GB) or provisioned (per shard-hour). */
  readonly streamMode: 'on-demand' | 'provisioned';
  /**
   * Provisioned shards (`shardCount` in cdk.json); null: the fewest that carry the peak rate (1 MiB/s and 1,000
   * records/s in per shard, 2 MiB/s out shared by the stream's three consumers: cleanser, stream rules, raw copy).
   */
  readonly provisionedShards: number | null;
  /**
   * Busiest hour's event rate over the day's average, for sizing provisioned shards. Your traffic's figure, not a
   * published or measured one: read it from the stream's IncomingRecords metric. @default 2
   */
  readonly peakToAverageRate: number;
  /** Bytes the cleanser packs into one Firehose record (FIREHOSE_BILLING_STEP_BYTES of the sink: one 5 KB step). */
  readonly firehosePackBytes: number;
  /**
   * Share of firehosePackBytes a full packed record holds (the next row did not fit): 0.951 measured on the
   * generator's events (bench/firehose-packing.ts, fullRecordFill).
   */
  readonly firehosePackFill: number;
  /** Event source batch size and batching window. */
  readonly batchSize: number;
  readonly batchWindowSeconds: number;
  /** Cleanser memory (arm64) and the CPU share it buys (1,769 MB = 1 vCPU). */
  readonly lambdaMemoryMb: number;
  /** Cleanser records/s on one full core (bench/: `npm run bench`, cleanse.recordsPerSec). */
  readonly cleanserRecordsPerSecPerCore: number;
  /** Time per invocation spent waiting on Firehose and DynamoDB (ms). */
  readonly ioMsPerBatch: number;
  /** Share of the curated columns the daily tag refresh reads (Parquet is columnar). */
  readonly tagRefreshColumnShare: number;
  /** Analyst queries a day and the data each scans (GB, after partition pruning). */
  readonly analystQueriesPerDay: number;
  readonly analystGbPerQuery: number;
  /** Firehose JQ processing time per record, ms (JQ is billed per processing hour, not per wall-clock hour). */
  readonly jqMsPerRecord: number;
  /** Events published to EventBridge per ingested event (scores that changed). */
  readonly eventsEmittedPerEvent: number;
  /**
   * How the cleanser deduplicates events. 'per-batch' (what the stacks deploy: docs/ingest.md, "Per-batch dedup"):
   * redelivered batches recognised by a per-shard checkpoint, re-sent events removed and counted where the curated data
   * is read. 'per-event' (the former design, kept for comparison): a consistent read and a write of every event id in
   * DynamoDB.
   */
  readonly dedup: 'per-event' | 'per-batch';
  /** Days dedup keys are remembered (per-event: every event id; per-batch: quarantine ids and imported-line keys). */
  readonly dedupTtlDays: number;
  /**
   * Bytes Athena scans per event for the daily count of re-sent events in curated data (the key columns source,
   * event_id and dt of one day's curated_events; measured on the demo lake, see docs/cost.md).
   */
  readonly duplicatesQueryBytesPerEvent: number;
  /**
   * Full tag refresh: bytes a columnar engine reads per customer for the whole tag library over a year of history
   * (Parquet column chunks the tag SQL reads; measured on the demo lake, see docs/cost.md).
   */
  readonly tagRefreshBytesPerCustomer: number;
  /**
   * Incremental tag refresh (issue 19 point 2): bytes read per customer of the base on one daily run. INPUT, NOT
   * MEASURED HERE: the incremental refresh is built separately; replace with its measured figure.
   */
  readonly incrementalTagRefreshBytesPerCustomer: number;
  /** CloudWatch log bytes per invocation (JSON log line, REPORT line, EMF metrics). */
  readonly logBytesPerInvocation: number;
  /** Customers the daily scoring scores, per event ingested a day (a base a tenth of the daily events by default). */
  readonly customersPerDailyEvent: number;
  /** Scheduled scorer: customers/s through read (Athena UNLOAD), three models and write, at scorerMemoryMb. */
  readonly scorerCustomersPerSec: number;
  /** Scheduled scorer: seconds a run waits on Athena (UNLOADs of tags, purchases, previous scores; the scores). */
  readonly scorerFixedSeconds: number;
  readonly scorerMemoryMb: number;
  /** Share of the stored curated data the daily scoring scans (order-line columns for CLV, one tag partition). */
  readonly scorerScanShare: number;
  /** Identifiers (member ids, phones, e-mails, devices, openids, guest ids) per customer in identity_map. */
  readonly identifiersPerCustomer: number;
  /** Bytes Athena scans per identifier in one identity refresh (graph steps, rounds, map; docs/tags.md). */
  readonly identityBytesPerIdentifier: number;
  /** Seconds the identity refresh Lambda (512 MB) waits on Athena a run. */
  readonly identityRefreshSeconds: number;
  /** Order lines dropped under landing/orders/ per day, and the import's rows/s at 1,024 MB. */
  readonly importedOrderLinesPerDay: number;
  readonly importRowsPerSec: number;
  /** Custom metrics (4 counts, cold start, one per quarantine reason), alarms and dashboards. */
  readonly customMetrics: number;
  readonly alarms: number;
  readonly dashboards: number;
  /**
   * Real-time rules (issue 16; lib/constructs/stream-rules-function.ts): the stream's second consumer at rulesMemoryMb,
   * its batches filled for rulesBatchWindowSeconds, one container per shard (parallelization factor 1).
   */
  readonly rulesMemoryMb: number;
  readonly rulesBatchWindowSeconds: number;
  /** Rules records/s on one full core, and the time per invocation spent on DynamoDB and the bus (ms). */
  readonly rulesIoMsPerBatch: number;
  readonly rulesRecordsPerSecPerCore: number;
  /**
   * Per event: live-item writes (PutItem of the live counters and rule state, <= 1 KB: 1 WRU) and live-item reads
   * (BatchGetItem, strongly consistent, <= 4 KB: 1 RRU).
   */
  readonly liveWritesPerEvent: number;
  readonly liveReadsPerEvent: number;
  /** Size of a live item (counters and rule state) in KB. */
  readonly liveItemKb: number;
  /**
   * Scans of the profile table a day per rules container: the identity map, scores and consent are read from the
   * scorer's profile items at each cold start and then every CONTEXT_TTL_SECONDS (3,600: 24 a day).
   */
  readonly rulesContextScansPerDay: number;
  /** Events the rules publish (CartAbandoned, VipArrived, ServiceRecoveryNeeded) per event. */
  readonly rulesEventsPerEvent: number;
  /** Profile API reads a day per event ingested a day, when profileReadsPerDay is not given. */
  readonly profileReadsPerEvent: number;
  /** Size of one customer's batch profile item (identifiers, tags, scores with reasons) in KB, and its index items. */
  readonly profileItemKb: number;
  readonly profileIndexItemsPerCustomer: number;
  /** Share of API reads that look a customer up by member id, phone or e-mail first (one GetItem more). */
  readonly profileLookupShare: number;
  /** Profile API Lambda: duration per read (ms) at apiMemoryMb. */
  readonly apiMsPerRead: number;
  readonly apiMemoryMb: number;
  /** Access log line plus the function's log per read (bytes). */
  readonly apiLogBytesPerRead: number;
  /** Raw copy: months the raw zone keeps the stream copy (lifecycle of raw/stream/). */
  readonly rawRetentionMonths: number;
  /**
   * Raw copy: gzip size / size of the envelope lines (base64 bytes plus ~90 bytes of origin and arrival time): 0.123
   * measured on the generator's events (bench/raw-copy.ts, gzipOverEnvelopeLines); events with more varied text
   * compress less.
   */
  readonly rawGzipRatio: number;
  /**
   * Raw-copy Lambda time per KB of records on one full core, ms: the event parsed, records decoded, envelope lines,
   * gzip (bench/raw-copy.ts, msPerKbOfRecords: 0.26 measured at load average 18 on a 2-core machine, so on the high side).
   */
  readonly rawCopyMsPerKb: number;
  /** Raw-copy Lambda wait per invocation, ms: one PUT of the batch's object (S3's published 100-200 ms first-byte latency, the top of it). */
  readonly rawCopyMsPerInvocation: number;
  /** Raw-copy Lambda memory (arm64; lib/constructs/raw-copy-function.ts). */
  readonly rawCopyMemoryMb: number;
}

/**
 * Measured (bench/tag-bytes.ts on a demo lake of 2,000 customers and a year, 209,043 curated events in 2,614 small
 * files): the event_id column chunks of curated_events per event (source and dt are partition columns). Small files
 * carry more Parquet overhead per row than Firehose's 128 MiB objects, so this is on the high side.
 */
export const DUPLICATES_QUERY_BYTES_PER_EVENT = 21.1;
/**
 * Measured (bench/tag-bytes.ts, same lake: 1,843 customers in the tag library): the full tag refresh's 26 Parquet scans
 * read 21.83 MB, 11,846 bytes per customer with a year of history (a column chunk read by two scans counts twice, as
 * Athena bills it; each chunk once would be 6,194 bytes).
 */
export const TAG_REFRESH_BYTES_PER_CUSTOMER = 11_846;
/**
 * ASSUMED, NOT MEASURED: a tenth of the full refresh (issue 19's target for the incremental refresh's time). The
 * incremental refresh is built separately; replace with its measured bytes per customer.
 */
export const INCREMENTAL_TAG_REFRESH_BYTES_PER_CUSTOMER = 1_185;

export const DEFAULT_ASSUMPTIONS: CostAssumptions = {
  orderLinesPerEvent: 0.6,
  quarantineRate: 0.01,
  parquetRatio: 0.15,
  retentionMonths: 12,
  shards: 4,
  streamMode: 'on-demand',
  provisionedShards: null,
  peakToAverageRate: 2,
  firehosePackBytes: 5000,
  firehosePackFill: 0.95,
  batchSize: 500,
  batchWindowSeconds: 5,
  lambdaMemoryMb: 1024,
  cleanserRecordsPerSecPerCore: 50_000,
  ioMsPerBatch: 80,
  tagRefreshColumnShare: 0.3,
  analystQueriesPerDay: 50,
  analystGbPerQuery: 0.5,
  jqMsPerRecord: 0.1,
  eventsEmittedPerEvent: 0.001,
  dedup: 'per-batch',
  dedupTtlDays: 35,
  duplicatesQueryBytesPerEvent: DUPLICATES_QUERY_BYTES_PER_EVENT,
  tagRefreshBytesPerCustomer: TAG_REFRESH_BYTES_PER_CUSTOMER,
  incrementalTagRefreshBytesPerCustomer: INCREMENTAL_TAG_REFRESH_BYTES_PER_CUSTOMER,
  logBytesPerInvocation: 2_000,
  customersPerDailyEvent: 0.1,
  scorerCustomersPerSec: 10_000,
  scorerFixedSeconds: 60,
  scorerMemoryMb: 4096,
  scorerScanShare: 0.1,
  identifiersPerCustomer: 4.2,
  identityBytesPerIdentifier: 1_500,
  identityRefreshSeconds: 600,
  importedOrderLinesPerDay: 100_000,
  importRowsPerSec: 20_000,
  customMetrics: 20,
  alarms: 8,
  dashboards: 1,
  rulesMemoryMb: 1024,
  rulesBatchWindowSeconds: 1,
  rulesIoMsPerBatch: 60,
  rulesRecordsPerSecPerCore: 20_000,
  liveWritesPerEvent: 1,
  liveReadsPerEvent: 1,
  liveItemKb: 1,
  rulesContextScansPerDay: 24,
  rulesEventsPerEvent: 0.005,
  profileReadsPerEvent: 0.1,
  profileItemKb: 6,
  profileIndexItemsPerCustomer: 2,
  profileLookupShare: 0.2,
  apiMsPerRead: 15,
  apiMemoryMb: 1024,
  apiLogBytesPerRead: 800,
  rawRetentionMonths: 13,
  rawGzipRatio: 0.123,
  rawCopyMsPerKb: 0.26,
  rawCopyMsPerInvocation: 200,
  rawCopyMemoryMb: 512,
};

/** One feature a line relies on that is not plainly available in the region. */
export interface FeatureFlag extends FeatureStatus {
  readonly feature: FeatureKey;
}

/** One service line in the region's currency. */
export interface RegionalServiceCost {
  readonly service: string;
  /** The month's cost from the prices found; null when a feature the line needs is unavailable in the region. */
  readonly monthly: number | null;
  /** False when a price the line needs is not published or was not found: `monthly` is then a lower bound. */
  readonly complete: boolean;
  /** The price items (group.item of prices.ts) the line needs and the region's table lacks. */
  readonly missingPrices: readonly PriceKey[];
  /** Features the line relies on that are unavailable or not confirmed in the region. */
  readonly features: readonly FeatureFlag[];
  /** What drives the figure, in words and numbers. */
  readonly basis: string;
}

/** The estimate for one region, in that region's currency (CNY for the China regions). */
export interface RegionalCostEstimate {
  readonly eventsPerDay: number;
  readonly avgEventBytes: number;
  readonly region: string;
  readonly currency: Currency;
  readonly pricesAsOf: string;
  readonly services: readonly RegionalServiceCost[];
  /** Sum of the lines that have a figure; a lower bound when `complete` is false. */
  readonly total: number;
  /** Every line priced in full and none unavailable. */
  readonly complete: boolean;
  readonly perMillionEvents: number;
  readonly profileReadsPerMonth: number;
  readonly realtimePerMillionEvents: number;
  readonly apiPerMillionReads: number;
  /** The ingest path alone (stream, cleanser, Firehose, dedup, raw copy and their S3 writes). */
  readonly ingest: IngestCost;
  /** Athena bytes a day of the daily tag refresh, full and incremental, at 1M, 10M and 100M customers. */
  readonly tagRefresh: readonly TagRefreshCost[];
  readonly assumptions: CostAssumptions;
}

/** The ingest path's monthly cost, per million events, and by part (issue 19: at most $0.30 per million at 100M/day). */
export interface IngestCost {
  readonly monthly: number;
  readonly perMillionEvents: number;
  readonly lines: { readonly stream: number; readonly cleanser: number; readonly firehose: number; readonly dedup: number; readonly rawCopy: number; readonly s3Writes: number };
}

/** The daily tag refresh's Athena scan for a customer base: full (all history) and incremental (one day's changes). */
export interface TagRefreshCost {
  readonly customers: number;
  readonly fullBytesPerDay: number;
  /** 30 daily runs at the Athena price per TB. */
  readonly fullMonthly: number;
  readonly incrementalBytesPerDay: number;
  readonly incrementalMonthly: number;
}

/** Customer bases the tag refresh figures are given for. */
export const TAG_REFRESH_CUSTOMERS = [1_000_000, 10_000_000, 100_000_000] as const;

export interface ServiceCost {
  readonly service: string;
  readonly monthlyUsd: number;
  /** What drives the figure, in words and numbers. */
  readonly basis: string;
}

/** The us-east-1 estimate in USD, under the names `retail-lake cost --json` has always printed. */
export interface CostEstimate {
  readonly eventsPerDay: number;
  readonly avgEventBytes: number;
  readonly region: string;
  readonly currency: 'USD';
  readonly pricesAsOf: string;
  readonly services: readonly ServiceCost[];
  readonly totalUsd: number;
  readonly usdPerMillionEvents: number;
  /** Profile API reads a month the estimate assumes. */
  readonly profileReadsPerMonth: number;
  /** The real-time rules' cost (second stream consumer, live state in DynamoDB, bus) per million events. */
  readonly realtimeUsdPerMillionEvents: number;
  /** The profile API's cost per million reads (API Gateway, Lambda, DynamoDB reads, logs), without the scorer's profile writes. */
  readonly apiUsdPerMillionReads: number;
  /** The ingest path in USD (see RegionalCostEstimate.ingest). */
  readonly ingest: IngestCost;
  readonly tagRefresh: readonly TagRefreshCost[];
  readonly assumptions: CostAssumptions;
}

/** Named error of the cost module. */
export class CostInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CostInputError';
  }
}

const DAYS = 30;
const HOURS = 730;
const GB = 1024 ** 3;
const round2 = (x: number) => Math.round(x * 100) / 100;
const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(n < 10 ? 2 : 0));

/** The us-east-1 estimate in USD (every price of the table is published, so every line is complete). */
export function estimateMonthlyCost(inputs: CostInputs, overrides: Partial<CostAssumptions> = {}): CostEstimate {
  const e = estimateRegionalCost(inputs, 'us-east-1', overrides);
  return {
    eventsPerDay: e.eventsPerDay,
    avgEventBytes: e.avgEventBytes,
    region: e.region,
    currency: 'USD',
    pricesAsOf: e.pricesAsOf,
    services: e.services.map((s) => ({ service: s.service, monthlyUsd: s.monthly ?? 0, basis: s.basis })),
    totalUsd: e.total,
    usdPerMillionEvents: e.perMillionEvents,
    profileReadsPerMonth: e.profileReadsPerMonth,
    realtimeUsdPerMillionEvents: e.realtimePerMillionEvents,
    apiUsdPerMillionReads: e.apiPerMillionReads,
    ingest: e.ingest,
    tagRefresh: e.tagRefresh,
    assumptions: e.assumptions,
  };
}

/** The region's price table; a clear error naming the value for a region the estimate has no table for. */
export function regionPricing(region: string): RegionPricing {
  if (!(COST_REGIONS as string[]).includes(region)) {
    throw new CostInputError(`unknown region "${region}": the cost estimate has prices for ${COST_REGIONS.join(', ')}`);
  }
  return REGION_PRICING[region as CostRegion];
}

/**
 * Reads prices through a recorder: a price the region's table lacks reads as 0 and is remembered, so each line
 * can say which of its prices are missing and that its figure is a lower bound. Every price enters the estimate
 * as a non-negative term of a sum, so 0 for a missing price can only lower a figure; a missing free allowance
 * reads as unlimited for the same reason.
 */
function priceRecorder(prices: RegionPrices): { readonly P: PriceTable; take(): PriceKey[] } {
  const missing = new Set<PriceKey>();
  const P = Object.fromEntries(
    Object.entries(prices).map(([group, items]) => [
      group,
      new Proxy(items as Record<string, number | null>, {
        get: (t, item: string) => {
          const v = t[item];
          if (typeof v === 'number') return v;
          missing.add(`${group}.${item}` as PriceKey);
          // An unknown free allowance counts as covering everything, so that it too can only lower a figure.
          return item.startsWith('free') ? Infinity : 0;
        },
      }),
    ]),
  ) as unknown as PriceTable;
  return {
    P,
    take: () => {
      const m = [...missing];
      missing.clear();
      return m;
    },
  };
}

/**
 * The estimate priced for one region: us-east-1 in USD, cn-north-1 (Beijing) and cn-northwest-1 (Ningxia) in CNY
 * where a China price is published and was found (prices.ts, docs/china.md). A line whose prices are not all
 * known carries `complete: false` and the missing items; a line relying on a feature the region lacks has no figure.
 *
 * @example estimateRegionalCost({ eventsPerDay: 1_000_000 }, 'cn-northwest-1').services[0].missingPrices
 */
export function estimateRegionalCost(inputs: CostInputs, region: string | RegionPricing = 'us-east-1', overrides: Partial<CostAssumptions> = {}): RegionalCostEstimate {
  const pricing = typeof region === 'string' ? regionPricing(region) : region;
  const a = { ...DEFAULT_ASSUMPTIONS, ...overrides };
  const perDay = inputs.eventsPerDay;
  const bytes = inputs.avgEventBytes ?? 800;
  if (!Number.isFinite(perDay) || perDay <= 0) throw new CostInputError(`eventsPerDay must be a positive number, received ${inputs.eventsPerDay}`);
  if (!Number.isFinite(bytes) || bytes < 50 || bytes > 1_000_000) throw new CostInputError(`avgEventBytes must be between 50 and 1000000, received ${inputs.avgEventBytes}`);
  const { P, take } = priceRecorder(pricing.prices);
  const events = perDay * DAYS;
  const eps = perDay / 86_400;
  const out: RegionalServiceCost[] = [];
  const flagsOf = (features: readonly FeatureKey[]): FeatureFlag[] =>
    features.flatMap((feature) => {
      const f = pricing.features[feature];
      return f && f.status !== 'available' ? [{ feature, ...f }] : [];
    });
  const add = (service: string, monthly: number, basis: string, features: readonly FeatureKey[] = []) => {
    const missingPrices = take();
    const flags = flagsOf(features);
    const unavailable = flags.some((f) => f.status === 'unavailable');
    out.push({ service, monthly: unavailable ? null : round2(monthly), complete: !unavailable && missingPrices.length === 0, missingPrices, features: flags, basis });
  };

  // Kinesis on-demand: each record rounds up to a whole KB on ingest; every shared-throughput consumer's read is
  // billed per GB (the cleanser's here, the rules' and the raw copy's on their lines). Provisioned: shard-hours and
  // PUT payload units (one per started 25 KB of each record); reads are included in the shard-hours.
  const MiB = 1024 * 1024;
  const provisioned = a.streamMode === 'provisioned';
  const peakEps = eps * a.peakToAverageRate;
  const shardsNeeded = Math.max(1, Math.ceil((peakEps * bytes) / MiB), Math.ceil(peakEps / 1000), Math.ceil((3 * peakEps * bytes) / (2 * MiB)));
  const shards = provisioned ? (a.provisionedShards ?? shardsNeeded) : Math.max(a.shards, Math.ceil((eps * bytes) / MiB));
  const kdsIngestGb = (events * Math.ceil(bytes / 1024) * 1024) / GB;
  const kdsReadGb = (events * bytes) / GB;
  // Shared-throughput reads: per GB on-demand, included in the shard-hours when provisioned.
  let retrievalGbPrice = 0;
  if (provisioned) {
    const putUnits = events * Math.ceil(bytes / (25 * 1024));
    add(
      'Kinesis Data Streams (provisioned)',
      shards * HOURS * P.kinesis.shardHour + (putUnits / 1e6) * P.kinesis.putPayloadUnitsPerMillion,
      `${shards} shards (${shardsNeeded} carry ${a.peakToAverageRate}x the average rate), ${fmt(putUnits)} PUT payload units, reads included`,
    );
  } else {
    const streamAndIngest = HOURS * P.kinesis.streamHour + kdsIngestGb * P.kinesis.ingestGb;
    retrievalGbPrice = P.kinesis.retrievalGb;
    add('Kinesis Data Streams (on-demand)', streamAndIngest + kdsReadGb * retrievalGbPrice, `${fmt(kdsIngestGb)} GB in, ${fmt(kdsReadGb)} GB read, 1 stream`, ['kinesis.onDemand']);
  }

  // Lambda: batches fill up to batchSize or the window, per shard; duration = compute + I/O waits.
  const batch = Math.max(1, Math.min(a.batchSize, (eps / shards) * a.batchWindowSeconds));
  const invocations = events / batch;
  const cpuShare = Math.min(1, a.lambdaMemoryMb / 1769);
  const seconds = a.ioMsPerBatch / 1000 + batch / (a.cleanserRecordsPerSecPerCore * cpuShare);
  const gbSeconds = invocations * seconds * (a.lambdaMemoryMb / 1024);
  // The scheduled scorer runs once a day over the customer base; the order import once per landed export.
  const customers = perDay * a.customersPerDailyEvent;
  const scorerGbSeconds = DAYS * (a.scorerFixedSeconds + customers / a.scorerCustomersPerSec) * (a.scorerMemoryMb / 1024);
  const importGbSeconds = DAYS * (a.importedOrderLinesPerDay / a.importRowsPerSec);
  // The identity refresh only waits on Athena, at 512 MB.
  const identityGbSeconds = DAYS * a.identityRefreshSeconds * 0.5;
  add(
    'Lambda (arm64: cleanser, scorer, order import, identity refresh)',
    (gbSeconds + scorerGbSeconds + importGbSeconds + identityGbSeconds) * P.lambda.armGbSecond + (invocations + 3 * DAYS) * P.lambda.request,
    `${fmt(invocations)} invocations of ~${batch.toFixed(0)} records, ${fmt(gbSeconds)} GB-s; scorer ${fmt(scorerGbSeconds)} GB-s (${fmt(customers)} customers a day); order import ${fmt(importGbSeconds)} GB-s; identity refresh ${fmt(identityGbSeconds)} GB-s`,
    ['lambda.arm64'],
  );

  // Firehose: one row per clean event and per order line, packed by the cleanser and the order import into records of
  // up to firehosePackBytes (firehose-lake-sink.ts), which the streams de-aggregate. Direct PUT bills each record in
  // 5 KB steps: a packed record is one step, a row longer than a step goes alone and is billed by its own size.
  // Each invocation packs its events and its order lines separately, so its last record of each is partial.
  // Conversion is billed on the ingested (stepped) volume, dynamic partitioning and JQ on the de-aggregated rows.
  // Objects: 7 sources x 2 tables, one file per partition per 5-minute flush, more when a flush passes 128 MiB.
  const importedLines = DAYS * a.importedOrderLinesPerDay;
  const fhRows = events * (1 - a.quarantineRate) * (1 + a.orderLinesPerEvent) + importedLines;
  // Rows per full packed record on average (the fill is an average over rows of varying size, so not a whole number).
  const rowsPerRecord = Math.max(1, (a.firehosePackBytes * a.firehosePackFill) / bytes);
  const eventRowsPerInvocation = batch * (1 - a.quarantineRate);
  const lineRowsPerInvocation = eventRowsPerInvocation * a.orderLinesPerEvent;
  const packed = (rows: number) => (rows > 0 ? Math.ceil(rows / rowsPerRecord) : 0);
  const fhRecords = invocations * (packed(eventRowsPerInvocation) + packed(lineRowsPerInvocation)) + Math.ceil(importedLines / rowsPerRecord);
  const recordBilledBytes = Math.ceil(Math.min(rowsPerRecord * bytes, Math.max(bytes, a.firehosePackBytes)) / 5120) * 5120;
  const fhBilledGb = (fhRecords * recordBilledBytes) / GB;
  const fhDataGb = (fhRows * bytes) / GB;
  const flushesPerMonth = (DAYS * 86_400) / 300;
  const objects = 2 * 7 * flushesPerMonth * Math.max(1, Math.ceil(fhDataGb / DAYS / 24 / 12 / 0.125));
  add(
    'Amazon Data Firehose',
    fhBilledGb * (P.firehose.ingestGb + P.firehose.formatConversionGb) + fhDataGb * P.firehose.dynamicPartitioningGb + (objects / 1000) * P.firehose.dynamicPartitioningPer1000Objects + ((fhRows * a.jqMsPerRecord) / 3_600_000) * P.firehose.jqHour,
    `${fmt(fhRows)} rows packed into ${fmt(fhRecords)} records (${fmt(fhBilledGb)} GB billed in 5 KB steps), Parquet conversion, dynamic partitioning`,
    ['firehose.formatConversion', 'firehose.dynamicPartitioning'],
  );

  // S3: Parquet accumulates over the retention period; quarantine objects are written per batch with a reject.
  const curatedGbPerMonth = fhDataGb * a.parquetRatio;
  const storedGb = curatedGbPerMonth * a.retentionMonths + (events * a.quarantineRate * bytes * 2 * a.retentionMonths) / GB / 6;
  const quarantinePuts = invocations * Math.min(1, batch * a.quarantineRate);
  const puts = objects + quarantinePuts;
  add('S3', storedGb * P.s3.standardGbMonth + (puts / 1000) * P.s3.putPer1000, `${fmt(storedGb)} GB stored after ${a.retentionMonths} months, ${fmt(puts)} PUTs`);

  // Glue catalog: a few dozen tables and views; Firehose and Athena requests stay inside the free million.
  const glueRequests = DAYS * (a.analystQueriesPerDay + 40) * 5 + 2 * flushesPerMonth;
  add('Glue Data Catalog', (Math.max(0, glueRequests - P.glue.freeRequests) / 1e6) * P.glue.requestsPerMillion, `${fmt(glueRequests)} requests, < 1M objects (free allowance)`);

  // Athena: the daily tag refresh reads the tag columns of all curated data, the scoring the order-line columns, the
  // identity refresh the identity columns and its own work tables (per identifier); analysts query recent partitions.
  const identifiers = customers * a.identifiersPerCustomer;
  const identityGb = DAYS * ((identifiers * a.identityBytesPerIdentifier) / GB);
  // The daily count of re-sent events (dedup, docs/ingest.md) reads the key columns of one day of curated_events.
  const perBatch = a.dedup === 'per-batch';
  const duplicatesGb = perBatch ? (events * a.duplicatesQueryBytesPerEvent) / GB : 0;
  const scannedGb = DAYS * (storedGb * (a.tagRefreshColumnShare + a.scorerScanShare) + a.analystQueriesPerDay * a.analystGbPerQuery) + identityGb + duplicatesGb;
  add(
    'Athena',
    (scannedGb / 1024) * P.athena.scannedTb,
    `${fmt(scannedGb)} GB scanned (daily tag refresh and scoring, identity refresh ${fmt(identityGb)} GB for ${fmt(identifiers)} identifiers, duplicates count ${fmt(duplicatesGb)} GB, + ${a.analystQueriesPerDay} queries/day)`,
  );

  // DynamoDB, per-event dedup (the former design): one consistent read (seen) and one write (remember) per clean event and
  // imported line; items live dedupTtlDays. Per-batch dedup (deployed; docs/ingest.md, "Per-batch dedup"): per
  // cleanser batch one consistent read of the shard's checkpoint and one conditional write of it (a redelivered batch
  // is recognised by its sequence numbers); per quarantined record and per imported line one consistent read and one
  // write of its key (kept dedupTtlDays); event re-sends cost no request here (counted by the daily duplicates query,
  // in the Athena line). Either way the event ledger adds a read and a write per event the scorer emits. Every item is
  // under 1 KB: 1 RRU and 1 WRU each.
  const emitted = events * a.eventsEmittedPerEvent;
  const quarantinedRecords = events * a.quarantineRate;
  const dedupRequests = perBatch ? invocations + quarantinedRecords + importedLines : events + importedLines;
  const ddbRequests = dedupRequests + emitted;
  const ddbItems = perBatch ? shards + (perDay * a.quarantineRate + a.importedOrderLinesPerDay) * a.dedupTtlDays : (perDay + a.importedOrderLinesPerDay) * a.dedupTtlDays;
  const dedupRequestsUsd = (dedupRequests / 1e6) * (P.dynamodb.rruPerMillion + P.dynamodb.wruPerMillion);
  const dedupStorageUsd = ((ddbItems * 150) / GB) * P.dynamodb.storageGbMonth;
  const dedupUsd = dedupRequestsUsd + dedupStorageUsd;
  add(
    perBatch ? 'DynamoDB (dedup checkpoints and keys, event ledger; on-demand)' : 'DynamoDB (dedup per event, event ledger; on-demand)',
    (ddbRequests / 1e6) * (P.dynamodb.rruPerMillion + P.dynamodb.wruPerMillion) + dedupStorageUsd,
    perBatch
      ? `${fmt(invocations)} batch checkpoints, ${fmt(quarantinedRecords)} quarantine and ${fmt(importedLines)} import keys, ${fmt(emitted)} ledger entries (a read + a write each), ${fmt(ddbItems)} keys kept`
      : `${fmt(events)} event and ${fmt(importedLines)} import keys, ${fmt(emitted)} ledger entries (a read + a write each), ${fmt(ddbItems)} keys kept`,
  );

  add('EventBridge', (emitted / 1e6) * P.eventbridge.eventsPerMillion, `${fmt(emitted)} events published, daily schedule (free allowance)`, ['scheduler']);

  const logGb = (invocations * a.logBytesPerInvocation) / GB;
  add(
    'CloudWatch',
    logGb * (P.cloudwatch.logsIngestGb + P.cloudwatch.logsStorageGbMonth) + a.customMetrics * P.cloudwatch.metricMonth + a.alarms * P.cloudwatch.alarmMonth + Math.max(0, a.dashboards - 3) * P.cloudwatch.dashboardMonth,
    `${fmt(logGb)} GB logs, ${a.customMetrics} metrics, ${a.alarms} alarms`,
  );

  // Real-time rules: a second shared-throughput consumer of the stream (reads it again), its batches filled for
  // rulesBatchWindowSeconds per shard; per event one live-item read and write; rule events on the bus; and each
  // container (one per shard) scans the profile table for its context every hour (eventually consistent, 0.5 RRU
  // per 4 KB of batch, index and live items).
  const rulesBatch = Math.max(1, Math.min(a.batchSize, (eps / shards) * a.rulesBatchWindowSeconds));
  const rulesInvocations = events / rulesBatch;
  const rulesSeconds = a.rulesIoMsPerBatch / 1000 + rulesBatch / (a.rulesRecordsPerSecPerCore * Math.min(1, a.rulesMemoryMb / 1769));
  const rulesGbSeconds = rulesInvocations * rulesSeconds * (a.rulesMemoryMb / 1024);
  const liveWrites = events * a.liveWritesPerEvent;
  const liveReads = events * a.liveReadsPerEvent;
  const liveWru = Math.ceil(a.liveItemKb);
  const liveRru = Math.ceil(a.liveItemKb / 4);
  const rulesEvents = events * a.rulesEventsPerEvent;
  const profileTableKb = customers * (a.profileItemKb + a.profileIndexItemsPerCustomer * 0.2 + a.liveItemKb);
  const contextRru = DAYS * shards * a.rulesContextScansPerDay * (profileTableKb / 4) * 0.5;
  const realtimeUsd =
    kdsReadGb * retrievalGbPrice +
    rulesGbSeconds * P.lambda.armGbSecond +
    rulesInvocations * P.lambda.request +
    ((liveWrites * liveWru) / 1e6) * P.dynamodb.wruPerMillion +
    ((liveReads * liveRru + contextRru) / 1e6) * P.dynamodb.rruPerMillion +
    (rulesEvents / 1e6) * P.eventbridge.eventsPerMillion +
    ((rulesInvocations * a.logBytesPerInvocation) / GB) * (P.cloudwatch.logsIngestGb + P.cloudwatch.logsStorageGbMonth);
  add(
    'Real-time rules (Kinesis consumer Lambda, DynamoDB live state, bus)',
    realtimeUsd,
    `${fmt(kdsReadGb)} GB read again, ${fmt(rulesInvocations)} invocations, ${fmt(rulesGbSeconds)} GB-s; ${fmt(liveWrites)} live-item writes and reads; ${fmt(contextRru)} RRU of hourly profile-table scans; ${fmt(rulesEvents)} rule events`,
    ['lambda.arm64'],
  );

  // Profile API: per read one HTTP API request, one Lambda invocation, one Query (batch + live items, eventually
  // consistent), one GetItem first for lookups by identifier, logs. The scorer writes every customer's profile a day.
  const reads = DAYS * (inputs.profileReadsPerDay ?? perDay * a.profileReadsPerEvent);
  const profileRru = Math.ceil((a.profileItemKb + a.liveItemKb) / 4) * 0.5;
  const readRru = profileRru + a.profileLookupShare * 0.5;
  const perReadUsd =
    P.apigateway.httpPerMillion / 1e6 +
    P.lambda.request +
    (a.apiMsPerRead / 1000) * (a.apiMemoryMb / 1024) * P.lambda.armGbSecond +
    (readRru / 1e6) * P.dynamodb.rruPerMillion +
    (a.apiLogBytesPerRead / GB) * (P.cloudwatch.logsIngestGb + P.cloudwatch.logsStorageGbMonth);
  const profileWru = DAYS * customers * (Math.ceil(a.profileItemKb) + a.profileIndexItemsPerCustomer);
  const profileGb = (customers * (a.profileItemKb * 1024 + a.profileIndexItemsPerCustomer * 200)) / GB;
  add(
    'Profile API (API Gateway HTTP API, Lambda, DynamoDB profiles)',
    reads * perReadUsd + (profileWru / 1e6) * P.dynamodb.wruPerMillion + profileGb * P.dynamodb.storageGbMonth,
    `${fmt(reads)} reads (${readRru} RRU each); scorer writes ${fmt(profileWru)} WRU of profiles; ${fmt(profileGb)} GB stored`,
    ['apigateway.httpApiIam', 'lambda.arm64'],
  );

  // Raw copy (lib/constructs/raw-copy-function.ts): a Lambda consumer of the stream with its own event source mapping
  // (polling a shared-throughput stream is not billed by Lambda; Kinesis bills the read per GB on-demand and includes
  // it in the shard-hours when provisioned). Batches hold up to 10,000 records, as many as Lambda's 6 MB invocation
  // payload carries (each record base64 in the event, with ~660 bytes of sequence number, ids and arrival time), or
  // what a shard brings in the 300 s batching window. Each batch is one gzip object (the CPU: event parsed, envelope
  // lines, gzip; rawCopyMsPerKb on a full core, 512 MB buys 512/1,769 of one) written with one PUT, kept
  // rawRetentionMonths under the raw bucket's lifecycle.
  const rawEventRecordBytes = Math.ceil(bytes / 3) * 4 + 660;
  const rawBatch = Math.max(1, Math.min(10_000, Math.floor((6 * MiB) / rawEventRecordBytes), (eps / shards) * 300));
  const rawInvocations = events / rawBatch;
  const rawCpuShare = Math.min(1, a.rawCopyMemoryMb / 1769);
  const rawSeconds = (a.rawCopyMsPerInvocation + (rawBatch * (bytes / 1024) * a.rawCopyMsPerKb) / rawCpuShare) / 1000;
  const rawGbSeconds = rawInvocations * rawSeconds * (a.rawCopyMemoryMb / 1024);
  // The raw bucket's lifecycle (lib/stacks/lake-stack.ts) moves objects to Standard-IA after 30 days and to Glacier
  // Instant Retrieval after 90, both read back in milliseconds (replay, erasure): of the rawRetentionMonths kept,
  // month 1 is Standard, months 2-3 Standard-IA, the rest Glacier IR; each object makes two lifecycle transitions.
  const rawLineBytes = Math.ceil(bytes / 3) * 4 + 90;
  const rawGbPerMonth = (events * rawLineBytes * a.rawGzipRatio) / GB;
  const rawStoredGb = rawGbPerMonth * a.rawRetentionMonths;
  const rawMonths = { standard: Math.min(1, a.rawRetentionMonths), ia: Math.max(0, Math.min(2, a.rawRetentionMonths - 1)), glacierIr: Math.max(0, a.rawRetentionMonths - 3) };
  const rawObjects = rawInvocations;
  add(
    'Raw copy of the stream (Lambda consumer of Kinesis, one gzip object per batch in S3)',
    kdsReadGb * retrievalGbPrice +
      rawGbSeconds * P.lambda.armGbSecond +
      rawInvocations * P.lambda.request +
      rawGbPerMonth * (rawMonths.standard * P.s3.standardGbMonth + rawMonths.ia * P.s3.standardIaGbMonth + rawMonths.glacierIr * P.s3.glacierIrGbMonth) +
      (rawObjects / 1000) * (P.s3.putPer1000 + (rawMonths.ia > 0 ? P.s3.transitionIaPer1000 : 0) + (rawMonths.glacierIr > 0 ? P.s3.transitionGlacierIrPer1000 : 0)),
    `${fmt(rawInvocations)} batches of ~${fmt(rawBatch)} records (one object each), ${fmt(rawGbSeconds)} GB-s, ${fmt(kdsReadGb)} GB read again${provisioned ? ' (in the shard-hours)' : ''}, ${fmt(rawStoredGb)} GB gzip kept ${a.rawRetentionMonths} months (1 Standard, ${rawMonths.ia} Standard-IA, ${rawMonths.glacierIr} Glacier IR)`,
    ['lambda.arm64'],
  );

  add('KMS + Secrets Manager', 2 * P.kms.keyMonth + P.secretsManager.secretMonth + ((invocations * 0.05 + 100_000) / 10_000) * P.kms.per10kRequests, '2 customer-managed keys, 1 secret');

  const total = round2(out.reduce((sum, c) => sum + (c.monthly ?? 0), 0));

  // Ingest per million events: the stream, the cleanser Lambda, Firehose, dedup (checkpoints and keys, the
  // duplicates query) and the raw copy, with their S3 writes (curated objects, quarantine objects; the raw copy's are
  // in its line). Lines are taken by name so that this sum follows any change to how a line is priced.
  const line = (prefix: string) => {
    const found = out.find((c) => c.service.startsWith(prefix));
    // A renamed line must not drop out of the ingest figure unnoticed.
    if (!found) throw new Error(`no cost line starts with "${prefix}" (ingest per million events sums it)`);
    return found.monthly ?? 0;
  };
  const ingestLines = {
    stream: line('Kinesis'),
    cleanser: gbSeconds * P.lambda.armGbSecond + invocations * P.lambda.request,
    firehose: line('Amazon Data Firehose'),
    dedup: dedupUsd + (duplicatesGb / 1024) * P.athena.scannedTb,
    rawCopy: line('Raw copy'),
    s3Writes: (puts / 1000) * P.s3.putPer1000,
  };
  const ingestMonthly = Object.values(ingestLines).reduce((x, y) => x + y, 0);
  const tagRefresh = TAG_REFRESH_CUSTOMERS.map((n) => {
    const fullBytes = n * a.tagRefreshBytesPerCustomer;
    const incrementalBytes = n * a.incrementalTagRefreshBytesPerCustomer;
    const monthly = (b: number) => round2(((DAYS * b) / GB / 1024) * P.athena.scannedTb);
    return { customers: n, fullBytesPerDay: fullBytes, fullMonthly: monthly(fullBytes), incrementalBytesPerDay: incrementalBytes, incrementalMonthly: monthly(incrementalBytes) };
  });
  return {
    eventsPerDay: perDay,
    avgEventBytes: bytes,
    region: pricing.region,
    currency: pricing.currency,
    pricesAsOf: pricing.asOf,
    services: out,
    total,
    complete: out.every((c) => c.complete),
    perMillionEvents: Math.round((total / events) * 1e6 * 1000) / 1000,
    profileReadsPerMonth: reads,
    realtimePerMillionEvents: Math.round((realtimeUsd / events) * 1e6 * 1000) / 1000,
    apiPerMillionReads: Math.round(perReadUsd * 1e6 * 1000) / 1000,
    ingest: {
      monthly: round2(ingestMonthly),
      perMillionEvents: Math.round((ingestMonthly / events) * 1e6 * 1000) / 1000,
      lines: Object.fromEntries(Object.entries(ingestLines).map(([k, v]) => [k, round2(v)])) as IngestCost['lines'],
    },
    tagRefresh,
    assumptions: a,
  };
}
