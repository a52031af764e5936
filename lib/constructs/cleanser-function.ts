/**
 * The cleanser Lambda and its event source mappings: Kinesis (and optionally MSK) batches in, curated rows to
 * Firehose, quarantine rows to S3, per-shard checkpoints and quarantine keys in the DynamoDB dedup table. Failure
 * handling: the handler reports the first failed record (ReportBatchItemFailures); a batch that keeps failing is
 * bisected to isolate the poison record, retried a bounded number of times, and then described in the SQS
 * on-failure destination instead of blocking the shard.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { CuratedDeliveryStream } from './curated-delivery-stream.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import type { DedupTable } from './dedup-table.ts';
import type { MskServerlessCluster } from './msk-serverless-cluster.ts';
import type { PiiKeySecret } from './pii-key-secret.ts';
import { ProjectFunction } from './project-function.ts';
import type { SuppressionList } from './suppression-list.ts';
import { PRODUCT_SKUS_KEY } from '../../src/adapters/aws/product-skus.ts';
import { BATCH_TABLES, changeTableName, tableDef, type BatchTable } from '../../src/contract/index.ts';
import { acknowledgeOnPrincipal, iam5Action, iam5Resource, nagName } from './acknowledge.ts';

export interface CleanserFunctionProps {
  readonly stream: kinesis.IStream;
  /** Delivery stream of each curated table, by table name. */
  readonly deliveryStreams: ReadonlyMap<string, CuratedDeliveryStream>;
  /** Quarantine bucket; rows go under events/. */
  readonly quarantine: s3.IBucket;
  readonly dedup: DedupTable;
  readonly piiKey: PiiKeySecret;
  /** Key of the DLQ. */
  readonly key: kms.IKey;
  /** Days an event id is remembered. */
  readonly dedupTtlDays: number;
  /** Records per invocation. @default 500 */
  readonly batchSize?: number;
  /** Wait to fill a batch. @default Duration.seconds(5) */
  readonly batchWindow?: Duration;
  /** Retries of a failing batch before it goes to the DLQ. @default 5 */
  readonly maxRetryAttempts?: number;
  /** Concurrent batches per shard. @default 1 */
  readonly parallelizationFactor?: number;
  /** Region for phone numbers without a country code. @default 'CN' */
  readonly phoneRegion?: string;
  /** Time zone of sources sending local times. @default 'Asia/Shanghai' */
  readonly sourceTimeZone?: string;
  /** Largest record accepted, bytes (MAX_RECORD_BYTES). @default 262144 */
  readonly maxRecordBytes?: number;
  /** Log retention. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Also consume this MSK Serverless topic. @default - Kinesis only */
  readonly msk?: MskServerlessCluster;
  /** Erased people's list: their later records are counted `suppressed`, never written. @default - none read */
  readonly suppression?: SuppressionList;
  /** Seconds a warm container keeps the suppression list. @default 300 */
  readonly suppressionTtlSeconds?: number;
  /**
   * Curated bucket holding the product SKUs the ERP products load writes (reference/products/skus.json): once it
   * exists, lines with a SKU outside it are quarantined as reference.unknown_sku. @default - no SKU check
   */
  readonly productSkus?: s3.IBucket;
  /**
   * Curated bucket of the ERP change logs: Debezium change events on the stream are written under <table>_changes/
   * (gzip JSON lines, src/ingest/changes.ts). @default - change events are not told apart (quarantined)
   */
  readonly changes?: s3.IBucket;
}

/** Prefixes of the curated bucket the ERP change logs live under (products_changes/, ...). */
export const CHANGE_LOG_PREFIXES: readonly string[] = (Object.keys(BATCH_TABLES) as BatchTable[]).map((t) => `${tableDef(changeTableName(t)).path}/`);

/** Write (append) on the change logs' prefixes only: the stream's and the landing prefix's change writers. */
export function grantChangeLogsWrite(fn: ProjectFunction, bucket: s3.IBucket): void {
  for (const p of CHANGE_LOG_PREFIXES) {
    bucket.grantWrite(fn, `${p}*`);
    acknowledgeOnPrincipal(fn, iam5Resource(`${nagName(fn, bucket.bucketArn)}/${p}*`), `Change-log objects are named per write (time and a UUID); scoped to the ${p} prefix of the curated bucket.`);
  }
}

export class CleanserFunction extends Construct {
  readonly function: ProjectFunction;
  readonly deadLetterQueue: DeadLetterQueue;
  /** The function's environment: the replay function builds the same cleanser and ports from it. */
  readonly environment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: CleanserFunctionProps) {
    super(scope, id);
    const streams = Object.fromEntries([...props.deliveryStreams].map(([t, d]) => [t, d.deliveryStreamName]));
    this.environment = {
      PII_SECRET_ID: props.piiKey.secret.secretArn,
      DEDUP_TABLE: props.dedup.tableName,
      DEDUP_TTL_DAYS: String(props.dedupTtlDays),
      CURATED_DELIVERY_STREAMS: Stack.of(this).toJsonString(streams),
      QUARANTINE_BUCKET: props.quarantine.bucketName,
      PHONE_REGION: props.phoneRegion ?? 'CN',
      SOURCE_TIME_ZONE: props.sourceTimeZone ?? 'Asia/Shanghai',
      MAX_RECORD_BYTES: String(props.maxRecordBytes ?? 262_144),
      ...(props.productSkus ? { PRODUCT_SKUS_BUCKET: props.productSkus.bucketName } : {}),
      ...(props.changes ? { CHANGES_BUCKET: props.changes.bucketName } : {}),
      ...(props.suppression ? { SUPPRESSION_BUCKET: props.suppression.bucketName, SUPPRESSION_TTL_SECONDS: String(props.suppressionTtlSeconds ?? 300) } : {}),
    };
    this.function = new ProjectFunction(this, 'Function', {
      entry: 'lambdas/cleanser/handler.ts',
      serviceName: 'cleanser',
      memorySize: 1024,
      timeout: Duration.minutes(2),
      logRetention: props.logRetention,
      environment: { ...this.environment },
    });
    const fn = this.function;
    for (const d of props.deliveryStreams.values()) d.grantPutRecords(fn);
    props.quarantine.grantWrite(fn, 'events/*');
    props.dedup.grantReadWrite(fn);
    if (props.changes) grantChangeLogsWrite(fn, props.changes);
    props.piiKey.grantRead(fn);
    props.suppression?.grantRead(fn);
    if (props.productSkus) grantProductSkusRead(fn, props.productSkus);
    acknowledgeOnPrincipal(fn, iam5Resource(`${nagName(this, props.quarantine.bucketArn)}/events/*`), 'Quarantine object keys are chosen per batch (partition and a UUID); scoped to the events/ prefix of the quarantine bucket.');
    acknowledgeOnPrincipal(fn, iam5Action('s3:Abort*'), 'CDK bucket write grant: abort multipart uploads of quarantine objects; scoped to events/* of the quarantine bucket.');
    acknowledgeOnPrincipal(fn, iam5Action('s3:DeleteObject*'), 'CDK bucket write grant includes deleting own objects; scoped to events/* of the quarantine bucket, which is versioned.');
    acknowledgeOnPrincipal(fn, iam5Action('kms:ReEncrypt*'), 'CDK key grant for the lake key used by quarantine objects, the dedup table and the PII secret; one key only.');
    acknowledgeOnPrincipal(fn, iam5Action('kms:GenerateDataKey*'), 'CDK key grant for the lake key; one key only.');

    this.deadLetterQueue = new DeadLetterQueue(this, 'DeadLetters', { key: props.key, purpose: 'batches the cleanser could not process after bisecting and retrying' });
    const failure = {
      onFailure: new sources.SqsDlq(this.deadLetterQueue.queue),
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      retryAttempts: props.maxRetryAttempts ?? 5,
      batchSize: props.batchSize ?? 500,
      maxBatchingWindow: props.batchWindow ?? Duration.seconds(5),
    };
    fn.addEventSource(
      new sources.KinesisEventSource(props.stream, {
        ...failure,
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        parallelizationFactor: props.parallelizationFactor ?? 1,
        maxRecordAge: Duration.days(7),
      }),
    );
    if (props.msk) {
      fn.addEventSource(
        new sources.ManagedKafkaEventSource({
          ...failure,
          clusterArn: props.msk.clusterArn,
          topic: props.msk.topic,
          startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        }),
      );
      props.msk.grantConsume(fn);
      acknowledgeOnPrincipal(
        fn,
        // ManagedPolicy.fromAwsManagedPolicyName keeps the partition a pseudo parameter even when the stack knows its region.
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole]',
        'Attached by the MSK event source: its pollers need ec2 network-interface and kafka:Describe* permissions that support no resource scoping; AWS maintains the policy as MSK event sources evolve.',
      );
    }
  }

  /** Invoke the cleanser (e.g. a local poller in tests against a real stack). */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return this.function.grantInvoke(grantee);
  }
}

/**
 * Read access to the product catalogue's SKUs (the unknown-SKU check) and nothing else of the curated bucket: GetObject
 * on that one object, and ListBucket for its key alone (so that S3 answers 404, not 403, before the first products load).
 * The curated bucket's tables hold every customer's rows; a bucket-wide read grant would reach them.
 */
export function grantProductSkusRead(grantee: iam.IGrantable, bucket: s3.IBucket): void {
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(PRODUCT_SKUS_KEY)] }));
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { StringEquals: { 's3:prefix': PRODUCT_SKUS_KEY } } }));
}
