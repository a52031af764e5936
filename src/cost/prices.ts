/**
 * Public AWS list prices for us-east-1, on-demand, no free tier except where a service's free allowance is
 * permanent and per account (Glue catalog, Scheduler, dashboards). Check https://aws.amazon.com/pricing/ before
 * relying on a figure: prices change, and this table changes only when someone updates it.
 */
export const PRICES_AS_OF = '2025-06-01';
export const PRICES_REGION = 'us-east-1';

export const PRICES = {
  kinesis: {
    /** On-demand stream, per stream-hour. */
    streamHour: 0.04,
    /** On-demand data ingested, per GB; each record rounded up to the next KB. */
    ingestGb: 0.08,
    /** On-demand data retrieved by shared-throughput consumers (the Lambda event source), per GB. */
    retrievalGb: 0.04,
  },
  lambda: {
    /** arm64, per GB-second. */
    armGbSecond: 0.0000133334,
    /** Per request. */
    request: 0.2 / 1e6,
  },
  firehose: {
    /** Direct PUT ingestion, per GB (first 500 TB/month); each record rounded up to the next 5 KB. */
    ingestGb: 0.029,
    /** JSON to Parquet/ORC conversion, per GB ingested. */
    formatConversionGb: 0.018,
    /** Dynamic partitioning, per GB processed. */
    dynamicPartitioningGb: 0.02,
    /** Dynamic partitioning, per 1,000 S3 objects delivered. */
    dynamicPartitioningPer1000Objects: 0.005,
    /** JQ metadata extraction, per processing hour. */
    jqHour: 0.07,
  },
  s3: {
    /** S3 Standard, per GB-month (first 50 TB). */
    standardGbMonth: 0.023,
    /** PUT, COPY, POST, LIST per 1,000 requests. */
    putPer1000: 0.005,
    /** GET and other reads per 1,000 requests. */
    getPer1000: 0.0004,
  },
  glue: {
    /** Catalog objects beyond the first million, per 100,000 objects-month. */
    objectsPer100kMonth: 1.0,
    /** Catalog requests beyond the first million a month, per million. */
    requestsPerMillion: 1.0,
    freeObjects: 1_000_000,
    freeRequests: 1_000_000,
  },
  athena: {
    /** Per TB scanned (10 MB minimum per query). */
    scannedTb: 5.0,
  },
  dynamodb: {
    /** On-demand write request units, per million. */
    wruPerMillion: 0.625,
    /** On-demand read request units, per million. */
    rruPerMillion: 0.125,
    /** Storage, per GB-month. */
    storageGbMonth: 0.25,
  },
  eventbridge: {
    /** Custom events published, per million. */
    eventsPerMillion: 1.0,
    /** Scheduler invocations beyond the monthly 14 million free. */
    schedulerPerMillion: 1.0,
  },
  cloudwatch: {
    /** Custom metric, per metric-month (first 10,000). */
    metricMonth: 0.3,
    /** Log ingestion, per GB. */
    logsIngestGb: 0.5,
    /** Log storage, per GB-month. */
    logsStorageGbMonth: 0.03,
    /** Standard-resolution alarm, per alarm-month. */
    alarmMonth: 0.1,
    /** Dashboards beyond the first three, per dashboard-month. */
    dashboardMonth: 3.0,
  },
  kms: {
    /** Customer-managed key, per key-month. */
    keyMonth: 1.0,
    /** Per 10,000 API requests. */
    per10kRequests: 0.03,
  },
  apigateway: {
    /** HTTP API requests, per million (first 300 million a month; each 512 KB metered as one request). */
    httpPerMillion: 1.0,
  },
  secretsManager: {
    /** Per secret-month. */
    secretMonth: 0.4,
  },
} as const;
