/**
 * The daily scoring in AWS (`retail-lake score` in the cloud): an EventBridge Scheduler schedule, after the tag
 * refresh, invokes lambdas/scorer/handler.ts, which reads the newest customer_tags snapshot and the purchases through
 * Athena (UNLOAD to the workgroup's results prefix), scores them with the segments, churn and CLV models (onnxruntime
 * bundled for arm64 only, models read from the model bucket), copies each customer's list from the newest
 * next_best_products partition the insights refresh wrote (its recs apply runs before) into next_best_products,
 * writes customer_scores/dt=<as-of>/ in the curated bucket (Parquet, via Athena UNLOAD) and publishes the changed
 * events on the model-event bus, remembering their ids in a DynamoDB ledger. A failed invocation is retried by the
 * scheduler and then lands in its DLQ. Reading next_best_products needs no grant of its own: the curated bucket and
 * the lake database's Glue tables are readable already.
 *
 * @example new ScheduledScoring(this, 'Scoring', { curated, models, athenaResults, workgroup, catalog, bus, ledger, key, schedule: 'cron(30 3 * * ? *)' })
 */
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';
import { TAG_SNAPSHOTS_TABLE } from '../../src/adapters/aws/athena-score-source.ts';
import { CUSTOMER_SCORES_LOAD_TABLE_DEF, CUSTOMER_SCORES_TABLE_DEF } from '../../src/adapters/aws/customer-scores.ts';
import { acknowledgeOnPrincipal, iam5Resource, nagArn, nagName } from './acknowledge.ts';
import type { DedupTable } from './dedup-table.ts';
import { withDuckDbStub } from './duckdb-stub-bundling.ts';
import type { LakeCatalog } from './lake-catalog.ts';
import type { LakeWorkgroup } from './lake-workgroup.ts';
import type { ModelEventBus } from './model-event-bus.ts';
import type { ProfileTable } from './profile-table.ts';
import { onnxRuntimeBundling } from './onnx-runtime-bundling.ts';
import { ScheduledLakeJob } from './scheduled-lake-job.ts';

/** Prefix of the workgroup's results bucket where the scorer's UNLOADs land (deleted once read). */
export const UNLOAD_PREFIX = 'results/unload/';

export interface ScheduledScoringProps {
  /**
   * Curated bucket: read for the tags, purchases and next_best_products, written under customer_scores/ and
   * staging/customer_scores/.
   */
  readonly curated: s3.IBucket;
  /** Model bucket (models/<name>/...). */
  readonly models: s3.IBucket;
  /** The models scored (read access to models/<name>/ of each). */
  readonly modelNames: readonly string[];
  /** The workgroup's results bucket (UNLOAD scratch under results/unload/). */
  readonly athenaResults: s3.IBucket;
  readonly workgroup: LakeWorkgroup;
  readonly catalog: LakeCatalog;
  readonly bus: ModelEventBus;
  /** Ledger of published event ids. */
  readonly ledger: DedupTable;
  /** Profile table: each customer's profile document is written after the scores. @default no profiles written */
  readonly profiles?: ProfileTable;
  /** Key of the DLQ. */
  readonly key: kms.IKey;
  /** Scheduler expression (UTC), after the tag refresh. @default 'cron(30 3 * * ? *)' */
  readonly schedule?: string;
  /** Event rules (src/events/rules.ts) as JSON. @default the rules' defaults */
  readonly eventRules?: Record<string, unknown>;
  /** Days a published event id is remembered. @default 400 */
  readonly ledgerTtlDays?: number;
  /** Tags, scores and onnxruntime in memory. @default 4096 */
  readonly memorySize?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

export class ScheduledScoring extends ScheduledLakeJob {
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: ScheduledScoringProps) {
    const scores = `${CUSTOMER_SCORES_TABLE_DEF.path}/`;
    const staging = `${CUSTOMER_SCORES_LOAD_TABLE_DEF.path}/`;
    super(scope, id, {
      function: {
        entry: 'lambdas/scorer/handler.ts',
        serviceName: 'scorer',
        memorySize: props.memorySize ?? 4096,
        logRetention: props.logRetention,
        environment: {
          ATHENA_WORKGROUP: props.workgroup.workgroupName,
          GLUE_DATABASE: props.catalog.databaseName,
          CURATED_LOCATION: `s3://${props.curated.bucketName}/`,
          UNLOAD_LOCATION: `s3://${props.athenaResults.bucketName}/${UNLOAD_PREFIX}`,
          MODEL_BUCKET: props.models.bucketName,
          EVENT_BUS_NAME: props.bus.bus.eventBusName,
          LEDGER_TABLE: props.ledger.tableName,
          LEDGER_TTL_DAYS: String(props.ledgerTtlDays ?? 400),
          ...(props.eventRules ? { EVENT_RULES: JSON.stringify(props.eventRules) } : {}),
          ...(props.profiles ? { PROFILE_TABLE: props.profiles.tableName } : {}),
        },
        bundling: withDuckDbStub(onnxRuntimeBundling(lambda.Architecture.ARM_64)),
      },
      grant: (fn, job) => {
        props.workgroup.grantQuery(fn);
        props.catalog.grantRead(fn);
        props.curated.grantRead(fn);
        props.curated.grantWrite(fn, `${scores}*`);
        props.curated.grantWrite(fn, `${staging}*`);
        for (const m of props.modelNames) props.models.grantRead(fn, `models/${m}/*`);
        props.bus.grantPut(fn);
        props.ledger.grantReadWrite(fn);
        props.profiles?.grantWriteProfiles(fn);

        const curated = nagName(job, props.curated.bucketArn);
        const models = nagName(job, props.models.bucketArn);
        const athena = 'Athena reads every object of the partitions a query touches (tags, order lines, identities, scores, next_best_products)';
        acknowledgeOnPrincipal(fn, iam5Resource(`${curated}/*`), `${athena}; read-only on the curated bucket.`);
        acknowledgeOnPrincipal(fn, iam5Resource(`${curated}/${scores}*`), `Athena UNLOAD names the Parquet files of a scores partition itself; writes and deletes only under ${scores}.`);
        acknowledgeOnPrincipal(fn, iam5Resource(`${curated}/${staging}*`), `The run's rows are staged as ${staging}run-<uuid>-<part>.json.gz and deleted after the UNLOAD; writes only there.`);
        for (const m of props.modelNames) {
          acknowledgeOnPrincipal(fn, iam5Resource(`${models}/models/${m}/*`), `Model versions are named at training time (models/${m}/<version>/); read-only, this model's prefix only.`);
        }
        acknowledgeOnPrincipal(fn, iam5Resource(nagArn(fn, 'glue', `table/${props.catalog.databaseName}/*`)), 'Athena plans queries over the views and tables of the lake database (read-only Glue actions).');
      },
      wildcardActionsReason: 'CDK bucket and key grants for reading the curated zone and the models and writing the scores partition; scoped to those buckets, their prefixes and the lake key.',
      key: props.key,
      what: 'scheduled scorer',
      purpose: 'scoring invocations the scheduler could not deliver',
      schedules: [
        {
          id: 'Schedule',
          description: `Daily scoring of the newest ${TAG_SNAPSHOTS_TABLE} snapshot into customer_scores, with change-only events`,
          expression: props.schedule ?? 'cron(30 3 * * ? *)',
        },
      ],
    });
    this.schedule = this.schedulesById.get('Schedule')!;
  }
}
