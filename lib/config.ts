/**
 * Deployment configuration: read once from the CDK context (cdk.json `retailLake`, overridable per key with
 * `-c key=value`), validated with zod, and failing fast with a message that names the context key.
 *
 * @example npx cdk deploy --all -c stage=dev -c destroyOnRemove=true
 */
import { z } from 'zod';
import type { Node } from 'constructs';
import { couponConfigSchema } from '../src/coupons/config.ts';
import { parseRealtimeConfig } from '../src/realtime/config.ts';
import { parseMaxLinks } from '../src/identity/options.ts';
import { parseDelimiter } from '../src/ingest/csv.ts';
import { parseColumnMap } from '../src/ingest/order-import-core.ts';
import { retentionSchema } from '../src/config/retention.ts';

/** A string that a parser accepts; the issue carries the parser's own message. */
const parsedBy = (parse: (s: string) => unknown) =>
  z.string().superRefine((s, ctx) => {
    try {
      parse(s);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
    }
  });

/** Default of firstDataDate: about three years of daily partitions per source at the time of writing (late 2026). */
export const DEFAULT_FIRST_DATA_DATE = '2024-01-01';

const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const configSchema = z.object({
  /** Short stage name, part of every physical name (buckets, database, stream). */
  stage: z.string().regex(/^[a-z][a-z0-9-]{0,15}$/, 'must be 1-16 lower-case letters, digits or dashes, starting with a letter').default('prod'),
  /**
   * Region the stacks are synthesized for (`-c region=cn-north-1`). Unset, the templates are environment-agnostic
   * (`${AWS::Partition}` and `${AWS::Region}` everywhere, region chosen at deploy). Set, the partition is known at
   * synth time (aws, aws-cn for Beijing and Ningxia), and cfn-lint checks every resource type against that region.
   */
  region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region name such as cn-north-1 or eu-west-1').optional(),
  /**
   * Days each zone keeps data, `{ raw, quarantine, events }` (src/config/retention.ts, the schema and defaults the
   * CLI's `retention apply` uses too): S3 lifecycle rules on each zone's prefixes and the model-event archive.
   */
  retention: retentionSchema.prefault({}),
  /** @deprecated Former name of retention.raw, still accepted (retention.raw wins when both are set). */
  rawRetentionDays: z.unknown().optional(),
  /** @deprecated Former name of retention.quarantine, still accepted (retention.quarantine wins when both are set). */
  quarantineRetentionDays: z.unknown().optional(),
  /** Days Athena query results are kept. */
  athenaResultsRetentionDays: int(1, 365).default(30),
  /** Days CloudWatch logs of every function are kept. */
  logRetentionDays: z.coerce.number().pipe(z.union([z.literal(7), z.literal(14), z.literal(30), z.literal(60), z.literal(90), z.literal(180), z.literal(365)])).default(30),
  /** Kinesis capacity mode: on-demand scales itself; provisioned is cheaper at a steady, known rate. */
  shardMode: z.enum(['on-demand', 'provisioned']).default('on-demand'),
  /** Shards when shardMode is provisioned (refused with on-demand, where it would be ignored). */
  shardCount: int(1, 500).default(2),
  /** Hours records stay on the stream (replay window). */
  streamRetentionHours: int(24, 8760).default(24),
  /**
   * Largest stream record the cleanser accepts, bytes (larger ones are quarantined as payload.too_large; Kinesis
   * takes up to 1 MiB). Part of the contract: after raising it, replay --reason payload.too_large (docs/runbooks/replay.md).
   */
  maxRecordBytes: int(1024, 1_048_576).default(262_144),
  /** Records per cleanser invocation. */
  batchSize: int(1, 10_000).default(500),
  /** Seconds the event source waits to fill a batch. */
  batchWindowSeconds: int(0, 300).default(5),
  /** Retries of a failing batch (after bisecting) before it goes to the DLQ. */
  maxRetryAttempts: int(0, 10_000).default(5),
  /** Concurrent batches per shard. */
  parallelizationFactor: int(1, 10).default(1),
  /** Seconds Firehose buffers a partition before writing one Parquet file (higher = fewer, larger files). */
  firehoseBufferSeconds: int(60, 900).default(300),
  /** MiB Firehose buffers before writing (format conversion needs at least 64). */
  firehoseBufferMiB: int(64, 128).default(128),
  /** Days an accepted event id is remembered for deduplication (replays older than this count again). */
  dedupTtlDays: int(1, 3650).default(35),
  /**
   * Date of the oldest data the lake holds (imported order history included): the first dt partition Athena
   * projects. A partition before it is invisible to Athena, so set it before importing older history (CDNOW:
   * 1997-01-01). Every day between it and today is a projected partition per source that a query without a dt
   * predicate lists, so it should not reach back further than the data does.
   */
  firstDataDate: z.iso
    .date()
    .refine((d) => d <= new Date().toISOString().slice(0, 10), 'must not be in the future (Athena would project no partition at all)')
    .default(DEFAULT_FIRST_DATA_DATE),
  /** @deprecated Former name of firstDataDate, still accepted (firstDataDate wins when both are set). */
  partitionStartDate: z.iso.date().optional(),
  /** Athena bytes-scanned cutoff per query, in GiB. */
  athenaBytesScannedCutoffGiB: int(1, 100_000).default(100),
  /** Alarm when the share of quarantined records in 5 minutes exceeds this. */
  quarantineRatioThreshold: z.coerce.number().min(0).max(1).default(0.05),
  /** Alarm when the stream's iterator age exceeds this many seconds (the cleanser falls behind). */
  iteratorAgeThresholdSeconds: int(10, 86_400).default(300),
  /** Alarm when a dead-letter queue holds more than this many messages (0: alarm on the first one). */
  dlqDepthThreshold: int(0, 1_000_000).default(0),
  /** Name of the Secrets Manager secret holding the PII hashing key (created if importPiiSecret is false). */
  piiSecretName: z.string().regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'must be a valid Secrets Manager secret name').optional(),
  /** Use an existing secret instead of generating one (e.g. to keep pseudonyms stable across stacks). */
  importPiiSecret: bool.default(false),
  /** Phone region for numbers without a country code. */
  phoneRegion: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 region such as CN').default('CN'),
  /** IANA time zone of sources that send local times. */
  sourceTimeZone: z.string().min(1).default('Asia/Shanghai'),
  /** Destroy buckets, tables and keys with the stack (dev stacks only). Data is RETAINed by default. */
  destroyOnRemove: bool.default(false),
  /** E-mail subscribed to the alarm topic. */
  alarmEmail: z.email().optional(),
  /** Daily identity refresh (EventBridge Scheduler expression, UTC): writes identity_map; before tagRefreshSchedule, whose views read it. */
  identitySchedule: z.string().regex(/^(cron|rate)\(.+\)$/, 'must be a cron(...) or rate(...) expression').default('cron(0 2 * * ? *)'),
  /** Over-merge limits of the identity refresh, `kind=N,...` (src/identity/options.ts); unset kinds keep the defaults. */
  identityMaxLinks: z
    .string()
    .optional()
    .superRefine((s, ctx) => {
      if (s === undefined) return;
      try {
        parseMaxLinks(s);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
      }
    }),
  /**
   * Every EventBridge Scheduler schedule of the app (identity, tags, scoring, insights) deployed DISABLED: a sandbox's
   * first nights, or a pause while data is repaired or a backfill runs. The functions stay invocable by hand.
   */
  pauseSchedules: bool.default(false),
  /** Daily tag refresh schedule (EventBridge Scheduler expression, UTC). */
  tagRefreshSchedule: z.string().regex(/^(cron|rate)\(.+\)$/, 'must be a cron(...) or rate(...) expression').default('cron(30 2 * * ? *)'),
  /**
   * Late data (docs/tags.md, "Late data"): the daily tag refresh also restates the snapshots as of the newest data's
   * day minus this many days or later whose inputs changed since they were written. 0: the day's snapshot only.
   */
  restateLookbackDays: z.coerce.number().int('must be a whole number').min(0, 'must be at least 0').max(400, 'must be at most 400').default(7),
  /** Daily scheduled scoring (EventBridge Scheduler expression, UTC); after tagRefreshSchedule, so it scores that day's snapshot. */
  scoringSchedule: z.string().regex(/^(cron|rate)\(.+\)$/, 'must be a cron(...) or rate(...) expression').default('cron(30 3 * * ? *)'),
  /**
   * Shards of the scheduled scoring: parallel scorer invocations, customers split by a hash of customer_key. One
   * invocation scores about 700k customers in 15 minutes with headroom (docs/operations.md); 100M members: about 150.
   */
  scoringShards: z.coerce.number().int('must be a whole number').min(1, 'must be at least 1').max(1000, 'must be at most 1000').default(1),
  /** Scheduled retraining of segments, churn and clv behind the gate, and the daily drift check (docs/models.md). */
  retraining: z
    .object({
      retrainSchedule: z.string().regex(/^(cron|rate)\(.+\)$/, 'must be a cron(...) or rate(...) expression').optional(),
      driftSchedule: z.string().regex(/^(cron|rate)\(.+\)$/, 'must be a cron(...) or rate(...) expression').optional(),
      horizonDays: z.number().int().min(7).max(730).optional(),
      tolerance: z.number().min(0).max(1).optional(),
      holdoutShare: z.number().gt(0).lt(1).optional(),
      /** Above this many customers with a purchase, train on a stratified sample of this size drawn by Athena. */
      sampleCustomers: z.number().int().min(100).optional(),
      maxModelAgeDays: z.number().int().min(1).optional(),
      /** PSI above which the drift alarm fires. */
      psiAlarmThreshold: z.number().positive().optional(),
    })
    .default({}),
  /** Predictor backend: onnxruntime in the Lambda, or a SageMaker real-time endpoint serving the same ONNX model. */
  predictorBackend: z.enum(['onnx', 'sagemaker']).default('onnx'),
  /** Name of the SageMaker endpoint (required when predictorBackend is sagemaker; the only endpoint granted). */
  sageMakerEndpointName: z.string().regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'must be a SageMaker endpoint name').optional(),
  /** @deprecated Former name of retention.events, still accepted (retention.events wins when both are set). */
  eventArchiveDays: z.unknown().optional(),
  /** Coupon issuer settings (src/coupons/config.ts): campaign, value, currency, monthlyBudget, validDays. */
  coupons: couponConfigSchema.omit({ codePrefix: true }).partial().optional(),
  /**
   * Stream-rule settings (src/realtime/config.ts: cartWindowMinutes, allowedLatenessMinutes, memoryHours, currency, vip,
   * serviceRecovery, cartAbandoned), handed to the stream-rules Lambda; unset: the rules' defaults.
   */
  realtimeRules: z
    .record(z.string(), z.unknown())
    .superRefine((v, ctx) => {
      try {
        parseRealtimeConfig(v, 'realtimeRules');
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
      }
    })
    .optional(),
  /**
   * Days after the stream rules last wrote a customer's live item (or after its cart / ticket timer, when later) at
   * which the profile table's TTL deletes it (docs/realtime.md); the scorer's profile items do not expire.
   */
  liveTtlDays: int(2, 3650).default(30),
  /**
   * Order exports dropped under `landingPrefix` of the raw bucket are imported by the order-import Lambda, read with
   * this mapping (the `retail-lake import-orders` options; docs/ingest.md).
   */
  orderImport: z
    .object({
      landingPrefix: z.string().regex(/^[a-z0-9][a-z0-9_./-]*\/$/, 'must be a key prefix ending in /, e.g. landing/orders/').default('landing/orders/'),
      map: parsedBy(parseColumnMap).default('customer_id=customer_id,order_id=order_id,sku=sku,quantity=quantity,unit_price=unit_price,ordered_at=ordered_at'),
      delimiter: parsedBy(parseDelimiter).default(','),
      header: bool.default(true),
      dateFormat: z.string().min(1).optional(),
      currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as CNY').default('CNY'),
      /** @default sourceTimeZone */
      timeZone: z.string().min(1).optional(),
    })
    .prefault({}),
  /**
   * Insights stack (forecast / recommendation refresh, ReplenishmentDue, sentiment on ingest). Schedules are
   * EventBridge Scheduler expressions in UTC; unset ones keep DEFAULT_REFRESH_SCHEDULES
   * (lib/constructs/forecast-refresh-schedule.ts).
   */
  insights: z
    .object({
      /** Forecast retrain + demand_forecasts. */
      forecastSchedule: z.string().regex(/^(cron|rate)\(.+\)$/, 'must be a cron(...) or rate(...) expression').optional(),
      /** next_best_products with the latest recommendations model (before scoringSchedule, which reads them). */
      recsApplySchedule: z.string().regex(/^(cron|rate)\(.+\)$/, 'must be a cron(...) or rate(...) expression').optional(),
      /** Recommendations model retrain. */
      recsRetrainSchedule: z.string().regex(/^(cron|rate)\(.+\)$/, 'must be a cron(...) or rate(...) expression').optional(),
      /** Replenishment check (ReplenishmentDue). */
      replenishmentSchedule: z.string().regex(/^(cron|rate)\(.+\)$/, 'must be a cron(...) or rate(...) expression').optional(),
      /** Days of forecast demand compared with stock where the stock table has no lead_time_days. */
      leadTimeDays: int(1, 365).default(7),
      /** Weeks forecast after each as-of. */
      forecastHorizonPeriods: int(1, 104).default(13),
    })
    .prefault({}),
  /**
   * Producers in other accounts (POS vendor, app backend account): a role they assume, carrying the producer policy,
   * `{ "trustedAccounts": ["210987654321"], "externalId": "..." }`. Unset: only the policy, for roles of this account.
   */
  producers: z
    .object({
      trustedAccounts: z.array(z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id')).min(1),
      externalId: z.string().regex(/^[\w+=,.@:/-]{2,1224}$/, 'must be 2-1224 characters of letters, digits and +=,.@:/-').optional(),
    })
    .optional(),
  /** Optional MSK Serverless cluster as a second event source (Kafka producers). */
  msk: z
    .object({
      subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/)).min(2, 'MSK Serverless needs subnets in at least two AZs'),
      securityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]+$/)).min(1),
      topic: z.string().min(1).default('retail-events'),
    })
    .optional(),
});

export const checkedConfigSchema = configSchema
  .refine((c) => c.predictorBackend !== 'sagemaker' || c.sageMakerEndpointName, {
    message: 'is required when predictorBackend is sagemaker',
    path: ['sageMakerEndpointName'],
  })
  // cfn-lint's resource specification for cn-north-1 and cn-northwest-1 has no AWS::MSK::ServerlessCluster (E3006).
  .superRefine((c, ctx) => {
    if (c.msk && c.region?.startsWith('cn-')) {
      ctx.addIssue({ code: 'custom', path: ['msk'], message: `MSK Serverless is not available in ${c.region}: leave msk unset there (events arrive on the Kinesis stream), see docs/china.md` });
    }
  });

/** The parsed configuration; `piiSecretName` defaults per stage (`retail-lake/<stage>/pii-key`), so two stages of one account never share a key. */
export type LakeConfig = Omit<z.output<typeof configSchema>, 'piiSecretName'> & { readonly piiSecretName: string };

/** A context value that fails the schema. */
export class ConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

export const CONTEXT_KEY = 'retailLake';

/** The deprecated rawRetentionDays / quarantineRetentionDays / eventArchiveDays, moved into `retention` where it leaves them unset. */
function withRetentionAliases(raw: Record<string, unknown>): Record<string, unknown> {
  const aliases = { raw: 'rawRetentionDays', quarantine: 'quarantineRetentionDays', events: 'eventArchiveDays' } as const;
  const given = raw.retention;
  if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given))) return raw; // the schema names it
  const retention: Record<string, unknown> = { ...(given as Record<string, unknown> | undefined) };
  let moved = false;
  for (const [zone, old] of Object.entries(aliases)) {
    if (raw[old] === undefined || retention[zone] !== undefined) continue;
    retention[zone] = raw[old];
    moved = true;
  }
  return moved ? { ...raw, retention } : raw;
}

/** Parses a raw config object; the error names the context key, what was received and what was expected. */
export function parseConfig(raw: Record<string, unknown>): LakeConfig {
  // The deprecated partitionStartDate is an alias of firstDataDate.
  if (raw.firstDataDate === undefined && raw.partitionStartDate !== undefined) raw = { ...raw, firstDataDate: raw.partitionStartDate };
  raw = withRetentionAliases(raw);
  const r = checkedConfigSchema.safeParse(raw);
  // A shard count with an on-demand stream would be silently ignored: the stream scales itself and bills per GB.
  if (r.success && raw.shardCount !== undefined && r.data.shardMode !== 'provisioned') {
    throw new ConfigError(`CDK context ${CONTEXT_KEY}.shardCount: applies only with shardMode "provisioned" (shardMode is "${r.data.shardMode}", which scales itself); remove it or set shardMode to "provisioned" (received ${JSON.stringify(raw.shardCount)})`);
  }
  if (r.success) return { ...r.data, piiSecretName: r.data.piiSecretName ?? `retail-lake/${r.data.stage}/pii-key` };
  const issue = r.error.issues[0]!;
  const key = issue.path.join('.');
  const received = issue.path.reduce<unknown>((o, k) => (o as Record<PropertyKey, unknown> | undefined)?.[k as PropertyKey], raw);
  throw new ConfigError(`CDK context ${CONTEXT_KEY}.${key}: ${issue.message} (received ${JSON.stringify(received)})`, { cause: r.error });
}

/** Reads the config from the app's context: the `retailLake` object, then any top-level `-c key=value` override. */
export function loadConfig(node: Node): LakeConfig {
  const base = (node.tryGetContext(CONTEXT_KEY) ?? {}) as Record<string, unknown>;
  if (typeof base !== 'object' || Array.isArray(base)) throw new ConfigError(`CDK context ${CONTEXT_KEY} must be an object (received ${JSON.stringify(base)})`);
  const raw: Record<string, unknown> = { ...base };
  for (const key of Object.keys(configSchema.shape)) {
    const v = node.tryGetContext(key);
    if (v !== undefined) raw[key] = typeof v === 'string' && (key === 'msk' || key === 'producers' || key === 'coupons' || key === 'realtimeRules' || key === 'orderImport' || key === 'insights' || key === 'retention') ? JSON.parse(v) : v;
  }
  return parseConfig(raw);
}
