/**
 * The order import from the landing prefix: an EventBridge rule on the default bus matches "Object Created" events
 * of the raw bucket under the landing prefix (e.g. landing/orders/) and invokes lambdas/order-import/handler.ts,
 * which streams the export through the order-import core into curated_order_lines (Firehose, Parquet) and the
 * quarantine zone, deduplicated in DynamoDB. An event the rule cannot deliver, and an invocation that keeps
 * failing after Lambda's retries, land in the DLQ with the object named in them.
 *
 * @example new OrderImportFunction(this, 'OrderImport', { raw, landingPrefix: 'landing/orders/', orderLines, quarantine, dedup, key, dedupTtlDays: 35, map })
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { IMPORT_SPECS_PREFIX } from '../../src/adapters/aws/landed-order-import.ts';
import { acknowledgeOnPrincipal, iam5Action, iam5Resource, nagName } from './acknowledge.ts';
import type { CuratedDeliveryStream } from './curated-delivery-stream.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import type { DedupTable } from './dedup-table.ts';
import { ProjectFunction } from './project-function.ts';
import type { PiiKeySecret } from './pii-key-secret.ts';

export interface OrderImportFunctionProps {
  /** The raw bucket (its object events must go to EventBridge). */
  readonly raw: s3.IBucket;
  /** Key prefix watched, ending in '/'. @default 'landing/orders/' */
  readonly landingPrefix?: string;
  /** The curated_order_lines delivery stream. */
  readonly orderLines: CuratedDeliveryStream;
  /** Quarantine bucket: rejected rows under events/, import specs under import_specs/. */
  readonly quarantine: s3.IBucket;
  readonly dedup: DedupTable;
  /** Key of the DLQ. */
  readonly key: kms.IKey;
  readonly dedupTtlDays: number;
  /** The PII hashing key: customer ids that are phones or e-mails are stored as its keyed hash, like the cleanser's. */
  readonly piiKey: PiiKeySecret;
  /** Region of phone numbers without a country code. @default 'CN' */
  readonly phoneRegion?: string;
  /** Column map in `retail-lake import-orders --map` syntax. */
  readonly map: string;
  /** @default ',' */
  readonly delimiter?: string;
  /** @default true */
  readonly header?: boolean;
  /** @default ISO 8601 / YYYY-MM-DD[ HH:mm[:ss]] */
  readonly dateFormat?: string;
  /** @default 'CNY' */
  readonly currency?: string;
  /** Time zone of export times without an offset. @default 'Asia/Shanghai' */
  readonly timeZone?: string;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

export class OrderImportFunction extends Construct {
  readonly function: ProjectFunction;
  readonly rule: events.Rule;
  readonly deadLetterQueue: DeadLetterQueue;
  readonly landingPrefix: string;

  constructor(scope: Construct, id: string, props: OrderImportFunctionProps) {
    super(scope, id);
    const prefix = props.landingPrefix ?? 'landing/orders/';
    this.landingPrefix = prefix;
    this.function = new ProjectFunction(this, 'Function', {
      entry: 'lambdas/order-import/handler.ts',
      serviceName: 'order-import',
      memorySize: 1024,
      // A large export streams through in one invocation; 15 minutes is Lambda's ceiling.
      timeout: Duration.minutes(15),
      logRetention: props.logRetention,
      environment: {
        DEDUP_TABLE: props.dedup.tableName,
        DEDUP_TTL_DAYS: String(props.dedupTtlDays),
        ORDER_LINES_DELIVERY_STREAM: props.orderLines.deliveryStreamName,
        QUARANTINE_BUCKET: props.quarantine.bucketName,
        LANDING_PREFIX: prefix,
        IMPORT_MAP: props.map,
        IMPORT_DELIMITER: props.delimiter ?? ',',
        IMPORT_HEADER: String(props.header ?? true),
        IMPORT_CURRENCY: props.currency ?? 'CNY',
        IMPORT_TIME_ZONE: props.timeZone ?? 'Asia/Shanghai',
        PII_SECRET_ID: props.piiKey.secret.secretArn,
        PHONE_REGION: props.phoneRegion ?? 'CN',
        ...(props.dateFormat ? { IMPORT_DATE_FORMAT: props.dateFormat } : {}),
      },
    });
    const fn = this.function;
    props.raw.grantRead(fn, `${prefix}*`);
    props.orderLines.grantPutRecords(fn);
    props.quarantine.grantWrite(fn, 'events/*');
    props.quarantine.grantReadWrite(fn, `${IMPORT_SPECS_PREFIX}*`);
    props.dedup.grantReadWrite(fn);
    props.piiKey.grantRead(fn);
    const raw = nagName(this, props.raw.bucketArn);
    const quarantine = nagName(this, props.quarantine.bucketArn);
    acknowledgeOnPrincipal(fn, iam5Resource(`${raw}/${prefix}*`), `Exports are named by whoever drops them; read-only, the ${prefix} prefix of the raw bucket only.`);
    acknowledgeOnPrincipal(fn, iam5Resource(`${quarantine}/events/*`), 'Quarantine object keys are chosen per batch (partition and a UUID); scoped to the events/ prefix of the quarantine bucket.');
    acknowledgeOnPrincipal(fn, iam5Resource(`${quarantine}/${IMPORT_SPECS_PREFIX}*`), `Import specs are named by the hash of their content; scoped to ${IMPORT_SPECS_PREFIX} of the quarantine bucket.`);
    acknowledgeOnPrincipal(fn, iam5Action('s3:GetObject*'), `CDK bucket read grant; the ${prefix} prefix of the raw bucket and ${IMPORT_SPECS_PREFIX} of the quarantine bucket.`);
    acknowledgeOnPrincipal(fn, iam5Action('s3:GetBucket*'), 'CDK bucket read grant (bucket location); the raw and quarantine buckets only.');
    acknowledgeOnPrincipal(fn, iam5Action('s3:List*'), 'CDK bucket read grant: the importer checks whether a spec exists (HeadObject answers 404 only with ListBucket).');
    acknowledgeOnPrincipal(fn, iam5Action('s3:Abort*'), 'CDK bucket write grant: abort multipart uploads of its own objects; scoped to events/* and import_specs/* of the quarantine bucket.');
    acknowledgeOnPrincipal(fn, iam5Action('s3:DeleteObject*'), 'CDK bucket write grant: the S3 sink takes back the objects of a batch that failed half-way; scoped to events/* and import_specs/* of the versioned quarantine bucket.');
    acknowledgeOnPrincipal(fn, iam5Action('kms:ReEncrypt*'), 'CDK key grant for the lake key used by the raw and quarantine objects and the dedup table; one key only.');
    acknowledgeOnPrincipal(fn, iam5Action('kms:GenerateDataKey*'), 'CDK key grant for the lake key; one key only.');

    this.deadLetterQueue = new DeadLetterQueue(this, 'DeadLetters', { key: props.key, purpose: 'landed order exports the import could not be given or kept failing on' });
    // An invocation that threw (e.g. Firehose kept rejecting rows) is retried twice, then described in the DLQ.
    fn.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(6), onFailure: new destinations.SqsDestination(this.deadLetterQueue.queue) });
    this.rule = new events.Rule(this, 'Landed', {
      description: `Order exports created under ${prefix} of the raw bucket`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [props.raw.bucketName] }, object: { key: [{ prefix }] } },
      },
      targets: [new targets.LambdaFunction(fn, { deadLetterQueue: this.deadLetterQueue.queue, retryAttempts: 185, maxEventAge: Duration.hours(24) })],
    });
  }
}
