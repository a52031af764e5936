/**
 * The daily tag refresh: an EventBridge Scheduler schedule invokes a function that snapshots the
 * `customer_tags_live` view (sql/marts/customer_tags.sql) into the `customer_tags` table, one `dt` partition a day,
 * Parquet under curated/customer_tags/ as locally, so users `select * from customer_tags` the same way everywhere.
 * A failed invocation is retried by the scheduler and then lands in its own DLQ.
 */
import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { acknowledgeOnPrincipal, iam5Action, iam5Resource, nagName } from './acknowledge.ts';
import { SNAPSHOT_PREFIX } from './athena-views.ts';
import type { DeadLetterQueue } from './dead-letter-queue.ts';
import { schedulerInvoke } from './scheduler-invoke.ts';
import type { LakeCatalog } from './lake-catalog.ts';
import type { LakeWorkgroup } from './lake-workgroup.ts';
import { ProjectFunction } from './project-function.ts';

export { SNAPSHOT_PREFIX };

export interface TagRefreshScheduleProps {
  /** Curated bucket: the tag views read it, the snapshot is written under customer_tags/. */
  readonly curated: s3.IBucket;
  readonly catalog: LakeCatalog;
  readonly workgroup: LakeWorkgroup;
  /** Key of the DLQ. */
  readonly key: kms.IKey;
  /** Scheduler expression (UTC). @default 'cron(30 2 * * ? *)' */
  readonly schedule?: string;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

export class TagRefreshSchedule extends Construct {
  readonly function: ProjectFunction;
  readonly schedule: scheduler.Schedule;
  readonly deadLetterQueue: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: TagRefreshScheduleProps) {
    super(scope, id);
    this.function = new ProjectFunction(this, 'Function', {
      entry: 'lambdas/tag-refresh/handler.ts',
      serviceName: 'tag-refresh',
      timeout: Duration.minutes(15),
      logRetention: props.logRetention,
      environment: {
        ATHENA_WORKGROUP: props.workgroup.workgroupName,
        GLUE_DATABASE: props.catalog.databaseName,
        SNAPSHOT_LOCATION: `s3://${props.curated.bucketName}/${SNAPSHOT_PREFIX}`,
      },
    });
    const fn = this.function;
    props.workgroup.grantQuery(fn);
    props.catalog.grantManageTables(fn);
    props.curated.grantRead(fn);
    props.curated.grantWrite(fn, `${SNAPSHOT_PREFIX}*`);
    props.curated.grantDelete(fn, `${SNAPSHOT_PREFIX}*`);
    const bucket = nagName(this, props.curated.bucketArn);
    const why = 'Athena reads every object of the partitions a query touches (keys written by Firehose) and writes result files it names itself';
    acknowledgeOnPrincipal(fn, iam5Resource(`${bucket}/*`), `${why}; read-only on the curated bucket.`);
    acknowledgeOnPrincipal(fn, iam5Resource(`${bucket}/${SNAPSHOT_PREFIX}*`), `${why}; writes and deletes only under ${SNAPSHOT_PREFIX}.`);
    acknowledgeOnPrincipal(fn, iam5Resource(`arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/${props.catalog.databaseName}/*`), 'CTAS and INSERT INTO create the snapshot table and its partitions in the lake database only.');
    for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*']) {
      acknowledgeOnPrincipal(fn, iam5Action(action), 'CDK bucket and key grants for Athena reading the curated zone and writing the snapshot; scoped to the curated bucket and the lake key.');
    }

    const invoke = schedulerInvoke(this, fn, { key: props.key, what: 'tag refresh', purpose: 'tag refresh invocations the scheduler could not deliver' });
    this.deadLetterQueue = invoke.deadLetterQueue;
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: 'Daily customer_tags snapshot',
      schedule: scheduler.ScheduleExpression.expression(props.schedule ?? 'cron(30 2 * * ? *)'),
      target: invoke.target(),
    });
  }
}
