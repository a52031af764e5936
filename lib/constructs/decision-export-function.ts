/**
 * The decision export (issue 17): the coupon table's stream into the curated zone, so the coupon issuer's decisions
 * are the lake tables `coupons` and `coupon_holdouts` on Athena as they are locally (lambdas/decision-export,
 * src/campaigns/decision-export.ts). One object per decision, keyed by the decision: a redelivered record or a
 * retried batch rewrites the same object, so nothing is exported twice; the mapping retries a batch from the record
 * that failed (ReportBatchItemFailures), bisects one that keeps failing and describes it in the DLQ when its retries
 * are spent, so nothing is dropped unsaid. The filter passes only decision items (`coupon#`, `heldout#`): budget
 * updates never invoke the function.
 *
 * Starts at TRIM_HORIZON: the stream keeps 24 hours, so a new deployment exports the decisions of the last day too;
 * decisions older than that (a table in use before this construct) are not in the stream (docs/campaigns.md).
 *
 * @example new DecisionExportFunction(this, 'DecisionExport', { table: coupons, curated, key })
 */
import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { CAMPAIGN_TABLES } from '../../src/campaigns/tables.ts';
import { COUPONS_TABLE, HOLDOUTS_TABLE } from '../../src/coupons/schema.ts';
import { acknowledgeOnPrincipal, iam5Action, iam5Resource, nagName } from './acknowledge.ts';
import { COUPON_TABLE_PARTITION_KEY, type CouponTable } from './coupon-table.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import { ProjectFunction } from './project-function.ts';

export interface DecisionExportFunctionProps {
  /** The coupon table, with its stream (CouponTable always has one). */
  readonly table: CouponTable;
  /** The curated bucket: the objects go under the tables' paths (coupons/, coupon_holdouts/). */
  readonly curated: s3.IBucket;
  /** Key of the DLQ. */
  readonly key: kms.IKey;
  /** Stream records per invocation. @default 100 */
  readonly batchSize?: number;
  /** Retries of a failing batch (bisected) before it is described in the DLQ. @default 10 */
  readonly maxRetryAttempts?: number;
  /** Log retention. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/** The curated prefixes the export writes: the Glue locations of coupons and coupon_holdouts. */
export const DECISION_PREFIXES: readonly string[] = [COUPONS_TABLE, HOLDOUTS_TABLE].map((n) => `${CAMPAIGN_TABLES.find((t) => t.name === n)!.path}/`);

export class DecisionExportFunction extends Construct {
  readonly function: ProjectFunction;
  readonly deadLetterQueue: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: DecisionExportFunctionProps) {
    super(scope, id);
    this.function = new ProjectFunction(this, 'Function', {
      entry: 'lambdas/decision-export/handler.ts',
      serviceName: 'decision-export',
      timeout: Duration.seconds(60),
      logRetention: props.logRetention,
      environment: { CURATED_BUCKET: props.curated.bucketName },
    });
    const fn = this.function;
    const bucket = nagName(this, props.curated.bucketArn);
    for (const prefix of DECISION_PREFIXES) {
      // Put (a decision) and delete (its erasure); nothing is read.
      props.curated.grantPut(fn, `${prefix}*`);
      props.curated.grantDelete(fn, `${prefix}*`);
      acknowledgeOnPrincipal(fn, iam5Resource(`${bucket}/${prefix}*`), `One object per decision, named by its id and day (${prefix}dt=<day>/<id>.json.gz); put and delete only under ${prefix}.`);
    }
    props.table.grantStreamRead(fn);
    for (const action of ['s3:DeleteObject*', 's3:Abort*', 's3:PutObject*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*']) {
      acknowledgeOnPrincipal(fn, iam5Action(action), 'CDK bucket and key grants on the two decision prefixes of the curated bucket and the lake key only.');
    }

    this.deadLetterQueue = new DeadLetterQueue(this, 'DeadLetters', { key: props.key, purpose: 'coupon-table stream batches the decision export could not write after bisecting and retrying' });
    const decisionKey = (prefix: string) =>
      lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.or('INSERT', 'MODIFY', 'REMOVE'), dynamodb: { Keys: { [COUPON_TABLE_PARTITION_KEY]: { S: lambda.FilterRule.beginsWith(prefix) } } } });
    fn.addEventSource(
      new sources.DynamoEventSource(props.table.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: props.batchSize ?? 100,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: props.maxRetryAttempts ?? 10,
        // One batch per shard at a time: a decision and its removal are applied in the order the table saw them.
        parallelizationFactor: 1,
        onFailure: new sources.SqsDlq(this.deadLetterQueue.queue),
        filters: [decisionKey('coupon#'), decisionKey('heldout#')],
      }),
    );
  }
}
