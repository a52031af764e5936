/**
 * The scheduled insights refresh (lambdas/insights-refresh): one function, invoked by EventBridge Scheduler with a
 * job per schedule — forecast retrain (weekly), recommendations apply (daily, before the scheduled scorer reads
 * next_best_products) and retrain (weekly), replenishment check (daily, after the ERP stock load). It reads the
 * lake with Athena, writes its three tables with Athena INSERT, keeps models under models/forecast/ and models/recs/
 * of the model bucket and puts ReplenishmentDue on the model-event bus. A failed invocation is retried by the
 * scheduler, then lands in the DLQ.
 *
 * @example new ForecastRefreshSchedule(this, 'Refresh', { curated, models, catalog, workgroup, tables, eventBus, key })
 */
import type * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';
import { INSIGHTS_TABLES } from '../../src/insights/tables.ts';
import { acknowledgeOnPrincipal, iam5Resource, nagArn, nagName } from './acknowledge.ts';
import type { ForecastRefreshTables } from './forecast-refresh-tables.ts';
import type { LakeCatalog } from './lake-catalog.ts';
import type { LakeWorkgroup } from './lake-workgroup.ts';
import { onnxRuntimeBundling } from './onnx-runtime-bundling.ts';
import { ScheduledLakeJob } from './scheduled-lake-job.ts';

/** The jobs and when they run (UTC): the payload each schedule sends. */
export interface RefreshSchedules {
  /** Forecast retrain + demand_forecasts. @default 'cron(0 3 ? * MON *)' */
  readonly forecast?: string;
  /**
   * next_best_products with the latest recs model. Before the scheduled scorer (default 03:30), which copies the
   * lists into customer_scores.next_best_products. @default 'cron(0 3 * * ? *)'
   */
  readonly recsApply?: string;
  /** Recs retrain. @default 'cron(0 4 ? * SUN *)' */
  readonly recsRetrain?: string;
  /** Replenishment check. @default 'cron(0 5 * * ? *)' */
  readonly replenishment?: string;
}

export const DEFAULT_REFRESH_SCHEDULES: Required<RefreshSchedules> = {
  forecast: 'cron(0 3 ? * MON *)',
  recsApply: 'cron(0 3 * * ? *)',
  recsRetrain: 'cron(0 4 ? * SUN *)',
  replenishment: 'cron(0 5 * * ? *)',
};

const PAYLOADS: Record<keyof RefreshSchedules, { job: string; mode?: string }> = {
  forecast: { job: 'forecast', mode: 'retrain' },
  recsApply: { job: 'recs', mode: 'apply' },
  recsRetrain: { job: 'recs', mode: 'retrain' },
  replenishment: { job: 'replenishment' },
};

export interface ForecastRefreshScheduleProps {
  /** Curated bucket: read by Athena, the three tables written under their prefixes. */
  readonly curated: s3.IBucket;
  /** Model bucket: models/forecast/ and models/recs/ read and written. */
  readonly models: s3.IBucket;
  readonly catalog: LakeCatalog;
  readonly workgroup: LakeWorkgroup;
  readonly tables: ForecastRefreshTables;
  /** The model-event bus ReplenishmentDue goes to. */
  readonly eventBus: events.IEventBus;
  /** Key of the DLQ. */
  readonly key: kms.IKey;
  /** @default DEFAULT_REFRESH_SCHEDULES */
  readonly schedules?: RefreshSchedules;
  /** Weeks forecast after each as-of. @default 13 */
  readonly horizonPeriods?: number;
  /** ReplenishmentDue lead time where the stock table has none. @default 7 */
  readonly leadTimeDays?: number;
  /** Products per customer. @default 10 */
  readonly recsK?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

export class ForecastRefreshSchedule extends ScheduledLakeJob {
  readonly schedules: ReadonlyMap<keyof RefreshSchedules, scheduler.Schedule>;

  constructor(scope: Construct, id: string, props: ForecastRefreshScheduleProps) {
    const when = { ...DEFAULT_REFRESH_SCHEDULES, ...props.schedules };
    const jobs = Object.keys(PAYLOADS) as (keyof RefreshSchedules)[];
    super(scope, id, {
      function: {
        entry: 'lambdas/insights-refresh/handler.ts',
        serviceName: 'insights-refresh',
        memorySize: 3008,
        logRetention: props.logRetention,
        environment: {
          ATHENA_WORKGROUP: props.workgroup.workgroupName,
          GLUE_DATABASE: props.catalog.databaseName,
          CURATED_LOCATION: `s3://${props.curated.bucketName}/`,
          MODEL_BUCKET: props.models.bucketName,
          EVENT_BUS_NAME: props.eventBus.eventBusName,
          HORIZON_PERIODS: String(props.horizonPeriods ?? 13),
          LEAD_TIME_DAYS: String(props.leadTimeDays ?? 7),
          RECS_K: String(props.recsK ?? 10),
        },
        // The model packages (ONNX export, card) load the onnx module, which imports onnxruntime.
        bundling: onnxRuntimeBundling(lambda.Architecture.ARM_64),
      },
      grant: (fn, job) => {
        props.workgroup.grantQuery(fn);
        props.catalog.grantRead(fn);
        acknowledgeOnPrincipal(fn, iam5Resource(nagArn(fn, 'glue', `table/${props.catalog.databaseName}/*`)), 'Athena plans queries over the views of sql/ and the contract tables they read (read-only table and partition metadata); the lake database only. Partition writes are granted on the three insights tables alone.');
        props.tables.grantWritePartitions(fn);
        props.curated.grantRead(fn);
        const curated = nagName(job, props.curated.bucketArn);
        for (const t of INSIGHTS_TABLES) {
          props.curated.grantWrite(fn, `${t.path}/*`);
          props.curated.grantDelete(fn, `${t.path}/*`);
          acknowledgeOnPrincipal(fn, iam5Resource(`${curated}/${t.path}/*`), `Athena INSERT writes Parquet files it names itself under ${t.path}/; a rerun deletes that day's partition first. This prefix only.`);
        }
        acknowledgeOnPrincipal(fn, iam5Resource(`${curated}/*`), 'Athena reads every object of the partitions a query touches (order lines, stock, products, forecasts); read-only on the curated bucket.');
        const models = nagName(job, props.models.bucketArn);
        for (const m of ['forecast', 'recs']) {
          props.models.grantReadWrite(fn, `models/${m}/*`);
          acknowledgeOnPrincipal(fn, iam5Resource(`${models}/models/${m}/*`), `Model versions are named at training time (models/${m}/<version>/); this model's prefix only.`);
        }
        props.eventBus.grantPutEventsTo(fn);
      },
      wildcardActionsReason: 'CDK bucket and key grants for Athena reading the curated zone, writing the insights tables and the forecast/recs models; scoped to those buckets, prefixes and the lake key.',
      key: props.key,
      what: 'insights refresh',
      purpose: 'insights refresh invocations the scheduler could not deliver',
      schedules: jobs.map((k) => ({
        id: `Schedule-${k}`,
        description: `Insights refresh: ${JSON.stringify(PAYLOADS[k])}`,
        expression: when[k],
        input: scheduler.ScheduleTargetInput.fromObject(PAYLOADS[k]),
      })),
    });
    this.schedules = new Map(jobs.map((k) => [k, this.schedulesById.get(`Schedule-${k}`)!]));
  }
}
