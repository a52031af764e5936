/**
 * The daily identity refresh: an EventBridge Scheduler schedule invokes a function that resolves the identity graph
 * with Athena (sql/identity/_resolve/, src/identity/resolve-sql.ts) and rewrites the identity_map and identity_hubs
 * tables, Parquet under curated/identity_map/ and curated/identity_hubs/ as locally. It runs before the tag refresh,
 * whose views read identity_map. Athena does the work, so the graph's size is not bounded by the function's memory;
 * work tables live under curated/_identity_work/ while a run lasts. A failed invocation is retried by the scheduler
 * and then lands in its own DLQ.
 *
 * @example new IdentityRefreshSchedule(this, 'IdentityRefresh', { curated, catalog, workgroup, key })
 */
import path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { IDENTITY_HUBS_TABLE, IDENTITY_MAP_TABLE, IDENTITY_SQL_DIR } from '../../src/identity/resolve-sql.ts';
import { acknowledgeOnPrincipal, iam5Action, iam5Resource, nagName } from './acknowledge.ts';
import type { DeadLetterQueue } from './dead-letter-queue.ts';
import type { LakeCatalog } from './lake-catalog.ts';
import type { LakeWorkgroup } from './lake-workgroup.ts';
import { ProjectFunction } from './project-function.ts';
import { schedulerInvoke } from './scheduler-invoke.ts';

/** Prefix of the curated bucket for the run's work tables. */
export const IDENTITY_WORK_PREFIX = '_identity_work/';
/** Folder of the bundle the step SQL is copied to (the handler's BUNDLED_SQL_DIR). */
const BUNDLED_SQL_DIR = 'identity-sql';
/** Default schedule: daily 02:00 UTC, half an hour before the tag refresh (cron(30 2 * * ? *)). */
export const DEFAULT_IDENTITY_SCHEDULE = 'cron(0 2 * * ? *)';

export interface IdentityRefreshScheduleProps {
  /** Curated bucket: read by Athena; identity_map/, identity_hubs/ and the work prefix are written. */
  readonly curated: s3.IBucket;
  readonly catalog: LakeCatalog;
  readonly workgroup: LakeWorkgroup;
  /** Key of the DLQ. */
  readonly key: kms.IKey;
  /** Scheduler expression (UTC); must come before the tag refresh. @default DEFAULT_IDENTITY_SCHEDULE */
  readonly schedule?: string;
  /** Over-merge limits `kind=N,...` (src/identity/options.ts). @default - the defaults of DEFAULT_MAX_LINKS */
  readonly maxLinks?: string;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

export class IdentityRefreshSchedule extends Construct {
  readonly function: ProjectFunction;
  readonly schedule: scheduler.Schedule;
  readonly deadLetterQueue: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: IdentityRefreshScheduleProps) {
    super(scope, id);
    const sqlDir = IDENTITY_SQL_DIR;
    this.function = new ProjectFunction(this, 'Function', {
      entry: 'lambdas/identity-refresh/handler.ts',
      serviceName: 'identity-refresh',
      timeout: Duration.minutes(15),
      logRetention: props.logRetention,
      environment: {
        ATHENA_WORKGROUP: props.workgroup.workgroupName,
        GLUE_DATABASE: props.catalog.databaseName,
        CURATED_LOCATION: `s3://${props.curated.bucketName}/`,
        WORK_LOCATION: `s3://${props.curated.bucketName}/${IDENTITY_WORK_PREFIX}`,
        QUERY_TIMEOUT_MS: '840000',
        ...(props.maxLinks ? { MAX_LINKS: props.maxLinks } : {}),
      },
      bundling: {
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          // The step SQL travels in the bundle, read at run time (one copy of the SQL: sql/identity/_resolve/).
          afterBundling: (_inputDir: string, outputDir: string) => [`mkdir -p "${path.join(outputDir, BUNDLED_SQL_DIR)}"`, `cp "${sqlDir}"/*.sql "${path.join(outputDir, BUNDLED_SQL_DIR)}/"`],
        },
      },
    });
    const fn = this.function;
    props.workgroup.grantQuery(fn);
    props.catalog.grantManageTables(fn);
    props.curated.grantRead(fn);
    const written = [`${IDENTITY_MAP_TABLE}/`, `${IDENTITY_HUBS_TABLE}/`, IDENTITY_WORK_PREFIX];
    for (const prefix of written) {
      props.curated.grantWrite(fn, `${prefix}*`);
      props.curated.grantDelete(fn, `${prefix}*`);
    }
    const bucket = nagName(this, props.curated.bucketArn);
    const why = 'Athena reads every object of the tables a query touches (keys written by Firehose) and writes result files it names itself';
    acknowledgeOnPrincipal(fn, iam5Resource(`${bucket}/*`), `${why}; read-only on the curated bucket.`);
    for (const prefix of written) acknowledgeOnPrincipal(fn, iam5Resource(`${bucket}/${prefix}*`), `${why}; writes and deletes only under ${written.join(', ')}.`);
    acknowledgeOnPrincipal(fn, iam5Resource(`arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/${props.catalog.databaseName}/*`), 'CTAS, INSERT and DROP of identity_map, identity_hubs and the run’s work tables, in the lake database only.');
    for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*']) {
      acknowledgeOnPrincipal(fn, iam5Action(action), 'CDK bucket and key grants for Athena reading the curated zone and writing the identity tables; scoped to the curated bucket and the lake key.');
    }

    const invoke = schedulerInvoke(this, fn, { key: props.key, what: 'identity refresh', purpose: 'identity refresh invocations the scheduler could not deliver' });
    this.deadLetterQueue = invoke.deadLetterQueue;
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: 'Daily identity_map refresh (before the customer_tags snapshot)',
      schedule: scheduler.ScheduleExpression.expression(props.schedule ?? DEFAULT_IDENTITY_SCHEDULE),
      target: invoke.target(),
    });
  }
}
