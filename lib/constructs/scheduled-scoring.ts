/**
 * The daily scoring in AWS (`retail-lake score` in the cloud): an EventBridge Scheduler schedule, after the tag
 * refresh, invokes lambdas/scorer/handler.ts, which reads the newest customer_tags snapshot and the purchases through
 * Athena (UNLOAD to the workgroup's results prefix), scores them with the segments, churn and CLV models (onnxruntime
 * bundled for arm64 only, models read from the model bucket), copies each customer's list from the newest
 * next_best_products partition the insights refresh wrote (its recs apply runs before) into next_best_products,
 * writes customer_scores/dt=<as-of>/ in the curated bucket (Parquet, via Athena UNLOAD) and publishes the changed
 * events on the model-event bus, remembering their ids in a DynamoDB ledger. Reading next_best_products needs no
 * grant of its own: the curated bucket and the lake database's Glue tables are readable already.
 *
 * Beyond one function (src/score/shards.ts): with `shards` above 1, the schedule starts a Step Functions state machine that runs the same
 * function as the steps of a sharded run: Plan, then a Distributed Map scoring each shard (customers split by a hash
 * of customer_key, `shards` of them, in parallel), Rank (the run-wide percentiles), a Distributed Map finishing each
 * shard (profiles, change-only events through the ledger) and Commit (customer_scores written once, the run's
 * metrics). Each step is retried on failure; an execution that fails, times out or is aborted alarms
 * (pipeline-alarms.ts). A schedule the scheduler could not start lands in the job's DLQ. Direct invocations
 * (`{"as_of": ..., "backfill": true}` from the backfill state machine) still score in one invocation.
 *
 * @example new ScheduledScoring(this, 'Scoring', { curated, models, athenaResults, workgroup, catalog, bus, ledger, key, schedule: 'cron(30 3 * * ? *)' })
 */
import { Arn, ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { SCORING_STAGING_PREFIX } from '../../src/adapters/aws/s3-scoring-staging.ts';
import { checkShardCount } from '../../src/score/shards.ts';
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
  /** Shards of a scoring run: parallel invocations, each scoring about customers / shards. @default 1 */
  readonly shards?: number;
  /** @default RemovalPolicy.RETAIN (the state machine's log group) */
  readonly removalPolicy?: RemovalPolicy;
}

export class ScheduledScoring extends ScheduledLakeJob {
  readonly schedule: scheduler.Schedule;
  /** The sharded scoring run the schedule starts. */
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: ScheduledScoringProps) {
    const shards = checkShardCount(props.shards ?? 1, 'scoring shards');
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
          SCORING_SHARDS: String(shards),
        },
        bundling: withDuckDbStub(onnxRuntimeBundling(lambda.Architecture.ARM_64)),
      },
      grant: (fn, job) => {
        props.workgroup.grantQuery(fn);
        props.catalog.grantRead(fn);
        props.curated.grantRead(fn);
        props.curated.grantWrite(fn, `${scores}*`);
        props.curated.grantWrite(fn, `${staging}*`);
        props.curated.grantWrite(fn, `${SCORING_STAGING_PREFIX}*`);
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
        acknowledgeOnPrincipal(fn, iam5Resource(`${curated}/${SCORING_STAGING_PREFIX}*`), `A sharded run's scratch (scored rows, values for the ranks) is named after the run (${SCORING_STAGING_PREFIX}<run>/...) and deleted by its commit; writes only there.`);
        for (const m of props.modelNames) {
          acknowledgeOnPrincipal(fn, iam5Resource(`${models}/models/${m}/*`), `Model versions are named at training time (models/${m}/<version>/); read-only, this model's prefix only.`);
        }
        acknowledgeOnPrincipal(fn, iam5Resource(nagArn(fn, 'glue', `table/${props.catalog.databaseName}/*`)), 'Athena plans queries over the views and tables of the lake database (read-only Glue actions).');
      },
      wildcardActionsReason: 'CDK bucket and key grants for reading the curated zone and the models and writing the scores partition; scoped to those buckets, their prefixes and the lake key.',
      key: props.key,
      what: 'scheduled scorer',
      purpose: 'scoring invocations the scheduler could not deliver',
      // One shard: the schedule invokes the function, which scores everyone in one invocation (what a 1-shard run of
      // the state machine gives, in one step). More: the schedule starts the state machine (below).
      schedules:
        shards === 1
          ? [{ id: 'Schedule', description: `Daily scoring of the newest ${TAG_SNAPSHOTS_TABLE} snapshot into customer_scores, with change-only events`, expression: props.schedule ?? 'cron(30 3 * * ? *)' }]
          : [],
    });
    const fn = this.function;
    const step = (name: string, payload: Record<string, unknown>, resultPath?: string) =>
      new tasks.LambdaInvoke(this, name, {
        lambdaFunction: fn,
        payload: sfn.TaskInput.fromObject(payload),
        payloadResponseOnly: true,
        ...(resultPath === undefined ? {} : { resultPath }),
        retryOnServiceExceptions: true,
        // A step that failed (a crash, a timeout) is run again: whatever it wrote has a fixed name, and the events it
        // published are in the ledger (src/score/shards.ts).
      }).addRetry({ errors: ['States.TaskFailed'], maxAttempts: 2, interval: Duration.minutes(1), backoffRate: 2 });
    const perShard = (name: string, phase: 'score' | 'finish') =>
      new sfn.DistributedMap(this, name, {
        itemsPath: '$.shardIndexes',
        itemSelector: { 'run.$': '$', 'shard.$': '$$.Map.Item.Value' },
        // Every shard at once: each is one function invocation.
        maxConcurrency: shards,
        resultPath: sfn.JsonPath.DISCARD,
      }).itemProcessor(step(`${name}Shard`, { phase, 'run.$': '$.run', 'shard.$': '$.shard' }));
    const definition = step('Plan', { phase: 'plan' })
      .next(perShard('ScoreShards', 'score'))
      .next(step('Rank', { phase: 'rank', 'run.$': '$' }, sfn.JsonPath.DISCARD))
      .next(perShard('FinishShards', 'finish'))
      .next(step('Commit', { phase: 'commit', 'run.$': '$' }));
    const logGroup = new logs.LogGroup(this, 'RunLogs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH, removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: `retail-lake scoring: plan, ${shards} shard(s) scored, ranks, shards finished (profiles, events), customer_scores committed`,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: Duration.hours(6),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL },
    });
    acknowledgeOnPrincipal(this.stateMachine, iam5Resource(`${nagName(this, fn.functionArn)}:*`), 'The Step Functions invoke grant covers the scorer function and its versions (ARN:*); this one function only.');
    acknowledgeOnPrincipal(this.stateMachine, 'AwsSolutions-IAM5[Resource::*]', 'Step Functions logging and X-Ray need log-delivery and trace actions that take no resource (the service documents Resource "*").');
    // The Distributed Map policy the L2 attaches (DistributedMapPolicy): describe, stop and redrive the child
    // executions of this state machine, whose names the service chooses (<name>:<map run>, <name>/<label>:<map run>).
    const smName = Arn.split(this.stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName!;
    const executions = (suffix: string) => iam5Resource(nagArn(this, 'states', `execution:${nagName(this, smName)}${suffix}`));
    Validations.of(this.stateMachine.node.findChild('DistributedMapPolicy')).acknowledge(
      {
        id: executions(':*'),
        reason: 'Distributed Map L2 grant: DescribeExecution and StopExecution on the child executions of this scoring state machine only (one per shard step, named by Step Functions at run time).',
      },
      {
        id: executions('/*:*'),
        reason: 'Distributed Map L2 grant: RedriveExecution on the map runs of this scoring state machine only (labels and run ids chosen by Step Functions), so a failed shard can be redriven.',
      },
    );

    if (shards === 1) {
      this.schedule = this.schedulesById.get('Schedule')!;
      return;
    }
    // The schedule starts a run (its own role: start this state machine, send to the DLQ with its key).
    const role = new iam.Role(this, 'SchedulerStartRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
      description: 'EventBridge Scheduler: start the scoring state machine',
    });
    props.key.grant(role, 'kms:GenerateDataKey', 'kms:Decrypt');
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: `Daily scoring of the newest ${TAG_SNAPSHOTS_TABLE} snapshot into customer_scores, in ${shards} shard(s), with change-only events`,
      schedule: scheduler.ScheduleExpression.expression(props.schedule ?? 'cron(30 3 * * ? *)'),
      target: new schedulerTargets.StepFunctionsStartExecution(this.stateMachine, { role, deadLetterQueue: this.deadLetterQueue.queue, retryAttempts: 2, maxEventAge: Duration.hours(6) }),
    });
  }
}
