/**
 * The daily tag refresh: an EventBridge Scheduler schedule invokes a function that snapshots the
 * `customer_tags_live` view (sql/marts/customer_tags.sql) into the `customer_tags` table, one `dt` partition a day,
 * Parquet under curated/customer_tags/ as locally, so users `select * from customer_tags` the same way everywhere.
 * A failed invocation is retried by the scheduler and then lands in its own DLQ.
 */
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';
import { SNAPSHOT_PREFIX } from './athena-views.ts';
import type { LakeCatalog } from './lake-catalog.ts';
import type { LakeWorkgroup } from './lake-workgroup.ts';
import { grantAthenaTableWriter, ScheduledLakeJob } from './scheduled-lake-job.ts';

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

export class TagRefreshSchedule extends ScheduledLakeJob {
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: TagRefreshScheduleProps) {
    super(scope, id, {
      function: {
        entry: 'lambdas/tag-refresh/handler.ts',
        serviceName: 'tag-refresh',
        logRetention: props.logRetention,
        environment: {
          ATHENA_WORKGROUP: props.workgroup.workgroupName,
          GLUE_DATABASE: props.catalog.databaseName,
          SNAPSHOT_LOCATION: `s3://${props.curated.bucketName}/${SNAPSHOT_PREFIX}`,
        },
      },
      grant: (fn, job) =>
        grantAthenaTableWriter(job, fn, {
          curated: props.curated,
          catalog: props.catalog,
          workgroup: props.workgroup,
          prefixes: [SNAPSHOT_PREFIX],
          readReason: 'Athena reads every object of the partitions a query touches (keys written by Firehose) and writes result files it names itself',
          catalogReason: 'CTAS and INSERT INTO create the snapshot table and its partitions in the lake database only.',
        }),
      wildcardActionsReason: 'CDK bucket and key grants for Athena reading the curated zone and writing the snapshot; scoped to the curated bucket and the lake key.',
      key: props.key,
      what: 'tag refresh',
      purpose: 'tag refresh invocations the scheduler could not deliver',
      schedules: [{ id: 'Schedule', description: 'Daily customer_tags snapshot', expression: props.schedule ?? 'cron(30 2 * * ? *)' }],
    });
    this.schedule = this.schedulesById.get('Schedule')!;
  }
}
