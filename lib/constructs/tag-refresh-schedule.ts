/**
 * The daily tag refresh: an EventBridge Scheduler schedule invokes a function that snapshots the
 * `customer_tags_live` view (sql/marts/customer_tags.sql) into the `customer_tags` table, one `dt` partition a day,
 * Parquet under curated/customer_tags/ as locally, so users `select * from customer_tags` the same way everywhere.
 * A failed invocation is retried by the scheduler and then lands in its own DLQ. Invoked with `{"as_of": D}` (a
 * backfill) it writes the snapshot of a past day: it reads the views manifest the views were deployed from and
 * resolves that day's identities into tables of its own under `_tags_as_of/` (src/adapters/aws/tag-snapshot-as-of.ts).
 * Each snapshot is written with a record of the inputs it read under `_tag_inputs/`; the daily run restates the
 * snapshots of its look-back whose inputs changed since (late data, src/tags/restate.ts).
 */
import path from 'node:path';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';
import { IDENTITY_SQL_DIR } from '../../src/identity/resolve-sql.ts';
import { PSEUDONYM_LINKS } from '../../src/identity/options.ts';
import { TAG_INPUTS_PREFIX } from '../../src/tags/restate.ts';
import { acknowledgeOnPrincipal, iam5Resource, nagPseudo } from './acknowledge.ts';
import { SNAPSHOT_PREFIX } from './athena-views.ts';
import type { LakeCatalog } from './lake-catalog.ts';
import type { LakeWorkgroup } from './lake-workgroup.ts';
import { grantAthenaTableWriter, ScheduledLakeJob } from './scheduled-lake-job.ts';

export { SNAPSHOT_PREFIX };

/** Where a back-dated snapshot's identity tables live while it runs (curated bucket). */
export const AS_OF_WORK_PREFIX = '_tags_as_of/';
/** Folder of the bundle the identity step SQL is copied to (the handler's BUNDLED_SQL_DIR). */
const BUNDLED_SQL_DIR = 'identity-sql';

export interface TagRefreshScheduleProps {
  /** Curated bucket: the tag views read it, the snapshot is written under customer_tags/. */
  readonly curated: s3.IBucket;
  readonly catalog: LakeCatalog;
  readonly workgroup: LakeWorkgroup;
  /** Key of the DLQ. */
  readonly key: kms.IKey;
  /** The views manifest the views deployer deploys (AthenaViews.manifest): a back-dated snapshot inlines those views. */
  readonly viewManifest: s3assets.Asset;
  /** Over-merge limits (`kind=N,...`) of the identity refresh, for a back-dated snapshot's identities. @default the defaults */
  readonly maxLinks?: string;
  /**
   * The daily run restates the snapshots of this many days before its own day whose inputs changed since they were
   * written (late data; src/tags/restate.ts). @default 7
   */
  readonly restateLookbackDays?: number;
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
          AS_OF_WORK_LOCATION: `s3://${props.curated.bucketName}/${AS_OF_WORK_PREFIX}`,
          VIEW_MANIFEST_BUCKET: props.viewManifest.s3BucketName,
          VIEW_MANIFEST_KEY: props.viewManifest.s3ObjectKey,
          ...(props.maxLinks ? { MAX_LINKS: props.maxLinks } : {}),
          RESTATE_LOOKBACK_DAYS: String(props.restateLookbackDays ?? 7),
          // A contract table (src/contract/tables.ts), so the Glue catalog always has it, empty until a key rotation.
          PSEUDONYM_LINKS_TABLE: PSEUDONYM_LINKS,
        },
        bundling: {
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            // A back-dated snapshot resolves identities with the step SQL of the identity refresh (one copy: sql/identity/_resolve/).
            afterBundling: (_inputDir: string, outputDir: string) => [`mkdir -p "${path.join(outputDir, BUNDLED_SQL_DIR)}"`, `cp "${IDENTITY_SQL_DIR}"/*.sql "${path.join(outputDir, BUNDLED_SQL_DIR)}/"`],
          },
        },
      },
      grant: (fn, job) => {
        grantAthenaTableWriter(job, fn, {
          curated: props.curated,
          catalog: props.catalog,
          workgroup: props.workgroup,
          prefixes: [SNAPSHOT_PREFIX, AS_OF_WORK_PREFIX, TAG_INPUTS_PREFIX],
          readReason: 'Athena reads every object of the partitions a query touches (keys written by Firehose) and writes result files it names itself',
          catalogReason: 'CTAS and INSERT INTO create the snapshot table and its partitions, and a back-dated snapshot its identity work tables, in the lake database only.',
        });
        props.viewManifest.grantRead(fn);
        const qualifier = (job.node.tryGetContext('@aws-cdk/core:bootstrapQualifier') as string | undefined) ?? 'hnb659fds';
        acknowledgeOnPrincipal(
          fn,
          iam5Resource(`arn:${nagPseudo(job).partition}:s3:::cdk-${qualifier}-assets-${nagPseudo(job).account}-${nagPseudo(job).region}/*`),
          'CDK asset read grant: the views manifest object key is a content hash chosen at synth time, inside the bootstrap asset bucket.',
        );
      },
      wildcardActionsReason: 'CDK bucket and key grants for Athena reading the curated zone and writing the snapshot; scoped to the curated bucket and the lake key.',
      key: props.key,
      what: 'tag refresh',
      purpose: 'tag refresh invocations the scheduler could not deliver',
      schedules: [{ id: 'Schedule', description: 'Daily customer_tags snapshot', expression: props.schedule ?? 'cron(30 2 * * ? *)' }],
    });
    this.schedule = this.schedulesById.get('Schedule')!;
  }
}
