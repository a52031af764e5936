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
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';
import { IDENTITY_HUBS_TABLE, IDENTITY_MAP_TABLE, IDENTITY_SQL_DIR } from '../../src/identity/resolve-sql.ts';
import { PSEUDONYM_LINKS } from '../../src/identity/options.ts';
import type { LakeCatalog } from './lake-catalog.ts';
import type { LakeWorkgroup } from './lake-workgroup.ts';
import { grantAthenaTableWriter, ScheduledLakeJob } from './scheduled-lake-job.ts';

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

export class IdentityRefreshSchedule extends ScheduledLakeJob {
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: IdentityRefreshScheduleProps) {
    const sqlDir = IDENTITY_SQL_DIR;
    super(scope, id, {
      function: {
        entry: 'lambdas/identity-refresh/handler.ts',
        serviceName: 'identity-refresh',
        logRetention: props.logRetention,
        environment: {
          ATHENA_WORKGROUP: props.workgroup.workgroupName,
          GLUE_DATABASE: props.catalog.databaseName,
          CURATED_LOCATION: `s3://${props.curated.bucketName}/`,
          WORK_LOCATION: `s3://${props.curated.bucketName}/${IDENTITY_WORK_PREFIX}`,
          QUERY_TIMEOUT_MS: '840000',
          ...(props.maxLinks ? { MAX_LINKS: props.maxLinks } : {}),
          // A contract table (src/contract/tables.ts), so the Glue catalog always has it, empty until a key rotation.
          PSEUDONYM_LINKS_TABLE: PSEUDONYM_LINKS,
        },
        bundling: {
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            // The step SQL travels in the bundle, read at run time (one copy of the SQL: sql/identity/_resolve/).
            afterBundling: (_inputDir: string, outputDir: string) => [`mkdir -p "${path.join(outputDir, BUNDLED_SQL_DIR)}"`, `cp "${sqlDir}"/*.sql "${path.join(outputDir, BUNDLED_SQL_DIR)}/"`],
          },
        },
      },
      grant: (fn, job) =>
        grantAthenaTableWriter(job, fn, {
          curated: props.curated,
          catalog: props.catalog,
          workgroup: props.workgroup,
          prefixes: [`${IDENTITY_MAP_TABLE}/`, `${IDENTITY_HUBS_TABLE}/`, IDENTITY_WORK_PREFIX],
          readReason: 'Athena reads every object of the tables a query touches (keys written by Firehose) and writes result files it names itself',
          catalogReason: 'CTAS, INSERT and DROP of identity_map, identity_hubs and the run’s work tables, in the lake database only.',
        }),
      wildcardActionsReason: 'CDK bucket and key grants for Athena reading the curated zone and writing the identity tables; scoped to the curated bucket and the lake key.',
      key: props.key,
      what: 'identity refresh',
      purpose: 'identity refresh invocations the scheduler could not deliver',
      schedules: [
        { id: 'Schedule', description: 'Daily identity_map refresh (before the customer_tags snapshot)', expression: props.schedule ?? DEFAULT_IDENTITY_SCHEDULE },
      ],
    });
    this.schedule = this.schedulesById.get('Schedule')!;
  }
}
