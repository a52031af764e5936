/**
 * Public AWS list prices for us-east-1, on-demand, no free tier except where a service's free allowance is
 * permanent and per account (Glue catalog, Scheduler, dashboards). Check https://aws.amazon.com/pricing/ before
 * relying on a figure: prices change, and this table changes only when someone updates it.
 *
 * Below it, REGION_PRICING: the same items for the China regions in CNY, each price with the page it was read from
 * and the date that page states; null where no China price was found (never a converted USD price). docs/china.md
 * shows the table (npx tsx src/cost/doc.ts china).
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
    /** Provisioned mode, per shard-hour (1 MiB/s or 1,000 records/s in, 2 MiB/s out shared by the consumers; no retrieval charge). */
    shardHour: 0.015,
    /** Provisioned mode, per million PUT payload units (each record counts one unit per started 25 KB). */
    putPayloadUnitsPerMillion: 0.014,
  },
  lambda: {
    /** arm64, per GB-second. */
    armGbSecond: 0.0000133334,
    /** Per request. */
    request: 0.2 / 1e6,
  },
  firehose: {
    /**
     * Direct PUT ingestion, per GB (first 500 TB/month); each record rounded up to the next 5 KB. A Kinesis stream as
     * source is priced the same way, each stream record rounded up to 5 KB (why the raw copy no longer uses it).
     */
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
    /** S3 Standard-Infrequent Access, per GB-month (the raw bucket after 30 days). */
    standardIaGbMonth: 0.0125,
    /** S3 Glacier Instant Retrieval, per GB-month (the raw bucket after 90 days). */
    glacierIrGbMonth: 0.004,
    /** Lifecycle transition requests into Standard-IA, per 1,000. */
    transitionIaPer1000: 0.01,
    /** Lifecycle transition requests into Glacier Instant Retrieval, per 1,000. */
    transitionGlacierIrPer1000: 0.02,
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

/** A price group and item of the table above, e.g. `kinesis.streamHour`. */
export type PriceTable = typeof PRICES;
export type PriceKey = { [G in keyof PriceTable]: `${G & string}.${keyof PriceTable[G] & string}` }[keyof PriceTable];
/** The same items for another region: a number where a price is published and was found, null where not. */
export type RegionPrices = { readonly [G in keyof PriceTable]: { readonly [K in keyof PriceTable[G]]: number | null } };

export type Currency = 'USD' | 'CNY';

/** Where a price was read: the page, what it says, and the date it states (or of the stored copy read). */
export interface PriceSource {
  readonly url: string;
  readonly says: string;
  readonly asOf: string;
  /** 'pricing-page': the operator's price list; 'secondary': an AWS-published document quoting the price. */
  readonly kind: 'pricing-page' | 'secondary';
}

/** Features the estimate prices, whose availability differs by region (docs/china.md lists the sources). */
export type FeatureKey = 'kinesis.onDemand' | 'lambda.arm64' | 'firehose.formatConversion' | 'firehose.dynamicPartitioning' | 'scheduler' | 'apigateway.httpApiIam';

export interface FeatureStatus {
  readonly status: 'available' | 'unavailable' | 'not-confirmed';
  /** What the source says, or that none was found. */
  readonly note: string;
  readonly source?: string;
}

export interface RegionPricing {
  readonly region: string;
  readonly currency: Currency;
  /** The date of the table as a whole (the oldest source it relies on). */
  readonly asOf: string;
  readonly prices: RegionPrices;
  readonly sources: Partial<Record<PriceKey, PriceSource>>;
  /** Features not listed are available. */
  readonly features: Partial<Record<FeatureKey, FeatureStatus>>;
}

const unknownPrices = (): RegionPrices =>
  Object.fromEntries(Object.entries(PRICES).map(([g, items]) => [g, Object.fromEntries(Object.keys(items).map((k) => [k, null]))])) as unknown as RegionPrices;

const CN_DYNAMODB: PriceSource = {
  url: 'https://www.amazonaws.cn/en/dynamodb/pricing/',
  says: '"Amazon DynamoDB On-Demand Capacity – China (Beijing) and China (Ningxia) Regions ... Write requests: ¥ 11.1538 for e[very million write request units]" (the stored copy ends at "for e"; the read and storage prices follow beyond it and were not readable)',
  asOf: 'undated page; stored copy read 2026-12-07',
  kind: 'pricing-page',
};
const CN_SOLUTION_KIT: PriceSource = {
  url: 'https://github.com/awslabs/aws-ai-solution-kit/blob/77c2715a510c37b7181752469aa9436d24c6d282/docs/en-rebrand/include-deploy-cost-8GB.md',
  says: 'AWS Solutions cost estimate, "As of June 2022 ... China (Ningxia) Region operated by NWCD (cn-northwest-1)": Lambda "1 million invocations ¥1.36"; CloudWatch Logs "10KB each time, ¥6.228/GB" (the us-east-2 column beside it uses $0.50/GB, the log ingestion price)',
  asOf: '2022-06',
  kind: 'secondary',
};

const CN_SDP: PriceSource = {
  url: 'https://github.com/awslabs/sensitive-data-protection-on-aws/blob/16871699436ef49103bf72be60245367a088dd3c/docs/en/plan-deployment/cost.md',
  says: 'AWS Solutions cost estimate, "As of June 2023 ... China Ningxia Region operated by NWCD (cn-northwest-1)", quoting the billing descriptions: Athena "CNY 34.34 per Terabytes for DataScannedInTB in China (Ningxia)"; CloudWatch "CNY 0.244 per GB archived per month"; S3 "CNY 0.1755 per GB", "CNY 0.00405 PUT, COPY, POST, LIST requests (per 1,000 requests)", "CNY 0.0135 per 10,000 requests" (GETs); Glue "6.866 CNY per 1,000,000 requests for Amazon Glue Data Catalog request"; Lambda "CNY 1.36 per million requests" and compute "CNY 0.0000001135 Price per 1ms" (100,000 GB-s priced ¥11.35, architecture not stated, so not used for arm64)',
  asOf: '2023-06',
  kind: 'secondary',
};

/** Availability in the China regions, from the "Getting Started with Amazon Web Services in China" pages. */
const CN_FEATURES: Partial<Record<FeatureKey, FeatureStatus>> = {
  'firehose.formatConversion': {
    status: 'not-confirmed',
    note: 'no China feature-difference page for Firehose was found; the docs.amazonaws.cn copy of the Firehose guide documents record format conversion without a China exception',
    source: 'https://docs.amazonaws.cn/en_us/firehose/latest/dev/enable-record-format-conversion.html',
  },
  'firehose.dynamicPartitioning': {
    status: 'not-confirmed',
    note: 'no China feature-difference page for Firehose was found; the docs.amazonaws.cn Firehose API reference documents DynamicPartitioningConfiguration without a China exception',
    source: 'https://docs.amazonaws.cn/firehose/latest/APIReference/API_DynamicPartitioningConfiguration.html',
  },
  scheduler: { status: 'not-confirmed', note: 'no source found states EventBridge Scheduler in the China regions (its API reference is on docs.amazonaws.cn; its CloudFormation type is registered there in cfn-lint 1.51.0)', source: 'https://docs.amazonaws.cn/scheduler/latest/APIReference/Welcome.html' },
  'kinesis.onDemand': { status: 'not-confirmed', note: 'the amazonaws.cn Kinesis Data Streams pricing page describes on-demand mode; its China prices were not readable', source: 'https://www.amazonaws.cn/en/kinesis/data-streams/pricing/' },
  'lambda.arm64': { status: 'not-confirmed', note: 'the China feature-difference page for Lambda lists no arm64 exception; no source confirms arm64 (Graviton) functions in the China regions', source: 'https://docs.amazonaws.cn/en_us/aws/latest/userguide/lambda.html' },
  'apigateway.httpApiIam': {
    status: 'available',
    note: 'API Gateway is in both China regions; only unauthenticated (no or Lambda authorizer) APIs and custom domains need an ICP licence, IAM-authorised APIs do not',
    source: 'https://docs.amazonaws.cn/en_us/aws/latest/userguide/api-gateway.html',
  },
};

const chinaPricing = (region: 'cn-north-1' | 'cn-northwest-1'): RegionPricing => {
  const base = unknownPrices();
  const ningxia = region === 'cn-northwest-1';
  return {
    region,
    currency: 'CNY',
    asOf: ningxia ? '2022-06 and 2023-06 (AWS Solutions guides); DynamoDB writes undated, read 2026-12-07' : 'DynamoDB writes: undated page, read 2026-12-07',
    prices: {
      ...base,
      dynamodb: { ...base.dynamodb, wruPerMillion: 11.1538 },
      ...(ningxia
        ? {
            lambda: { ...base.lambda, request: 1.36 / 1e6 },
            cloudwatch: { ...base.cloudwatch, logsIngestGb: 6.228, logsStorageGbMonth: 0.244 },
            s3: { ...base.s3, standardGbMonth: 0.1755, putPer1000: 0.00405, getPer1000: 0.0135 / 10 },
            athena: { ...base.athena, scannedTb: 34.34 },
            glue: { ...base.glue, requestsPerMillion: 6.866 },
          }
        : {}),
    },
    sources: {
      'dynamodb.wruPerMillion': CN_DYNAMODB,
      ...(ningxia
        ? {
            'lambda.request': CN_SOLUTION_KIT,
            'cloudwatch.logsIngestGb': CN_SOLUTION_KIT,
            'cloudwatch.logsStorageGbMonth': CN_SDP,
            's3.standardGbMonth': CN_SDP,
            's3.putPer1000': CN_SDP,
            's3.getPer1000': CN_SDP,
            'athena.scannedTb': CN_SDP,
            'glue.requestsPerMillion': CN_SDP,
          }
        : {}),
    },
    features: CN_FEATURES,
  };
};

/** Every region the estimate knows, us-east-1 (USD, the default) first. */
export const REGION_PRICING = {
  'us-east-1': { region: 'us-east-1', currency: 'USD', asOf: PRICES_AS_OF, prices: PRICES, sources: {}, features: {} },
  'cn-north-1': chinaPricing('cn-north-1'),
  'cn-northwest-1': chinaPricing('cn-northwest-1'),
} as const satisfies Record<string, RegionPricing>;

export type CostRegion = keyof typeof REGION_PRICING;
export const COST_REGIONS = Object.keys(REGION_PRICING) as CostRegion[];
