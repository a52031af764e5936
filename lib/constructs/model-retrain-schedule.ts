/**
 * The scheduled model retraining (lambdas/model-retrain): one function, invoked by EventBridge Scheduler weekly with
 * `{"job": "retrain"}` (churn, CLV and segments trained on the lake read through Athena, each promoted to `latest` in
 * the model bucket only when the gate lets it; a stratified sample drawn by Athena above `sampleCustomers`) and daily
 * with `{"job": "drift"}` (PSI of the latest models' inputs). A failed invocation is retried by the scheduler, then
 * lands in the DLQ. The alarms on its metrics are ModelAlarms (model-alarms.ts).
 *
 * @example new ModelRetrainSchedule(this, 'Retraining', { curated, models, athenaResults, catalog, workgroup, key })
 */
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';
import { GATED_MODELS } from '../../src/train/gate.ts';
import { acknowledgeOnPrincipal, iam5Resource, nagArn, nagName } from './acknowledge.ts';
import { withDuckDbStub } from './duckdb-stub-bundling.ts';
import type { LakeCatalog } from './lake-catalog.ts';
import type { LakeWorkgroup } from './lake-workgroup.ts';
import { onnxRuntimeBundling } from './onnx-runtime-bundling.ts';
import { ScheduledLakeJob } from './scheduled-lake-job.ts';
import { UNLOAD_PREFIX } from './scheduled-scoring.ts';

/** The service name the function's metrics carry (dimension `service`). */
export const MODEL_RETRAIN_SERVICE = 'model-retrain';

export interface ModelRetrainScheduleProps {
  /** Curated bucket: customer_tags and order lines read by Athena. */
  readonly curated: s3.IBucket;
  /** Model bucket: models/segments/, models/churn/ and models/clv/ read and written. */
  readonly models: s3.IBucket;
  /** The workgroup's results bucket (UNLOAD scratch under results/unload/). */
  readonly athenaResults: s3.IBucket;
  readonly catalog: LakeCatalog;
  readonly workgroup: LakeWorkgroup;
  /** Key of the DLQ. */
  readonly key: kms.IKey;
  /** Retraining (UTC), after the tag refresh and before the scorer. @default 'cron(0 3 ? * SUN *)' */
  readonly retrainSchedule?: string;
  /** Drift check (UTC), after the daily tag refresh. @default 'cron(45 2 * * ? *)' */
  readonly driftSchedule?: string;
  /** Churn label window and CLV horizon in days. @default 90 */
  readonly horizonDays?: number;
  /** How much worse than `latest` a candidate may be (docs/models.md). @default 0.02 */
  readonly tolerance?: number;
  /** Share of customers held out of training for the backtest. @default 0.2 */
  readonly holdoutShare?: number;
  /** Above this many customers with a purchase, train on a stratified sample of this size. @default 200000 */
  readonly sampleCustomers?: number;
  /** A latest model older than this many days counts in ModelsOverMaxAge. @default 14 */
  readonly maxModelAgeDays?: number;
  /** Tags, purchases and the training in memory. @default 10240 */
  readonly memorySize?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

export class ModelRetrainSchedule extends ScheduledLakeJob {
  readonly retrainSchedule: scheduler.Schedule;
  readonly driftSchedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: ModelRetrainScheduleProps) {
    super(scope, id, {
      function: {
        entry: 'lambdas/model-retrain/handler.ts',
        serviceName: MODEL_RETRAIN_SERVICE,
        memorySize: props.memorySize ?? 10240,
        logRetention: props.logRetention,
        environment: {
          ATHENA_WORKGROUP: props.workgroup.workgroupName,
          GLUE_DATABASE: props.catalog.databaseName,
          CURATED_LOCATION: `s3://${props.curated.bucketName}/`,
          UNLOAD_LOCATION: `s3://${props.athenaResults.bucketName}/${UNLOAD_PREFIX}`,
          MODEL_BUCKET: props.models.bucketName,
          HORIZON_DAYS: String(props.horizonDays ?? 90),
          GATE_TOLERANCE: String(props.tolerance ?? 0.02),
          HOLDOUT_SHARE: String(props.holdoutShare ?? 0.2),
          SAMPLE_CUSTOMERS: String(props.sampleCustomers ?? 200_000),
          MAX_MODEL_AGE_DAYS: String(props.maxModelAgeDays ?? 14),
        },
        bundling: withDuckDbStub(onnxRuntimeBundling(lambda.Architecture.ARM_64)),
      },
      grant: (fn, job) => {
        props.workgroup.grantQuery(fn);
        props.catalog.grantRead(fn);
        props.curated.grantRead(fn);
        const curated = nagName(job, props.curated.bucketArn);
        const models = nagName(job, props.models.bucketArn);
        acknowledgeOnPrincipal(fn, iam5Resource(`${curated}/*`), 'Athena reads every object of the partitions a query touches (tag snapshots, order lines, identities); read-only on the curated bucket.');
        for (const m of GATED_MODELS) {
          props.models.grantReadWrite(fn, `models/${m}/*`);
          acknowledgeOnPrincipal(fn, iam5Resource(`${models}/models/${m}/*`), `Model versions are named at training time (models/${m}/<version>/, and models/${m}/latest); this model's prefix only.`);
        }
        acknowledgeOnPrincipal(fn, iam5Resource(nagArn(fn, 'glue', `table/${props.catalog.databaseName}/*`)), 'Athena plans queries over the views and tables of the lake database (read-only Glue actions).');
      },
      wildcardActionsReason: 'CDK bucket and key grants for reading the curated zone and reading and writing the three customer models; scoped to those buckets, their prefixes and the lake key.',
      key: props.key,
      what: 'model retraining',
      purpose: 'retraining and drift invocations the scheduler could not deliver',
      schedules: [
        {
          id: 'RetrainSchedule',
          description: 'Weekly retraining of segments, churn and clv, each promoted only past the gate',
          expression: props.retrainSchedule ?? 'cron(0 3 ? * SUN *)',
          input: scheduler.ScheduleTargetInput.fromObject({ job: 'retrain' }),
        },
        {
          id: 'DriftSchedule',
          description: 'Daily feature drift (PSI) of the latest churn and segments models',
          expression: props.driftSchedule ?? 'cron(45 2 * * ? *)',
          input: scheduler.ScheduleTargetInput.fromObject({ job: 'drift' }),
        },
      ],
    });
    this.retrainSchedule = this.schedulesById.get('RetrainSchedule')!;
    this.driftSchedule = this.schedulesById.get('DriftSchedule')!;
  }
}
