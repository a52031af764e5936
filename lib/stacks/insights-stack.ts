/**
 * Insights: the Lambda side of forecasts, recommendations and sentiment. The scheduled refresh (forecast retrain,
 * recommendations, replenishment check with ReplenishmentDue on the model-event bus) with the Glue tables it writes,
 * and sentiment scored on ingest (a filtered second consumer of the event stream, review_scores through Firehose).
 * With the analytics stack's tag refresh, the backfill state machine (`retail-lake cloud backfill`), which runs the
 * tag refresh, this stack's recs apply and the predict stack's scorer for past days in order.
 */
import { CfnResource, Duration, Names, RemovalPolicy, Size, Stack, type StackProps } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { LakeConfig } from '../config.ts';
import { sharedValue } from '../cross-stack.ts';
import { ForecastRefreshSchedule, type RefreshSchedules } from '../constructs/forecast-refresh-schedule.ts';
import { ForecastRefreshTables } from '../constructs/forecast-refresh-tables.ts';
import { tableDef } from '../../src/contract/index.ts';
import { CuratedDeliveryStream } from '../constructs/curated-delivery-stream.ts';
import { SentimentScorerFunction } from '../constructs/sentiment-scorer-function.ts';
import { BackfillStateMachine } from '../constructs/backfill-state-machine.ts';
import type { AnalyticsStack } from './analytics-stack.ts';
import type { IngestStack } from './ingest-stack.ts';
import type { LakeStack } from './lake-stack.ts';
import type { PredictStack } from './predict-stack.ts';

export interface InsightsStackProps extends StackProps {
  readonly config: LakeConfig;
  readonly lake: LakeStack;
  readonly ingest: IngestStack;
  readonly predict: PredictStack;
  /** The analytics stack, whose tag refresh the backfill runs. @default no backfill state machine */
  readonly analytics?: AnalyticsStack;
}

/** The refresh schedules the configuration sets (the rest keep their defaults). */
function refreshSchedules(c: LakeConfig): RefreshSchedules {
  const i = c.insights;
  return {
    ...(i.forecastSchedule ? { forecast: i.forecastSchedule } : {}),
    ...(i.recsApplySchedule ? { recsApply: i.recsApplySchedule } : {}),
    ...(i.recsRetrainSchedule ? { recsRetrain: i.recsRetrainSchedule } : {}),
    ...(i.replenishmentSchedule ? { replenishment: i.replenishmentSchedule } : {}),
  };
}

export class InsightsStack extends Stack {
  readonly tables: ForecastRefreshTables;
  readonly refresh: ForecastRefreshSchedule;
  readonly reviewScores: CuratedDeliveryStream;
  readonly sentiment: SentimentScorerFunction;
  readonly backfill?: BackfillStateMachine;

  constructor(scope: Construct, id: string, props: InsightsStackProps) {
    super(scope, id, props);
    const { config: c, lake, ingest, predict } = props;
    const key = lake.key.sharedWith(this);
    const logRetention = c.logRetentionDays as logs.RetentionDays;
    const curated = lake.curated.sharedWith(this, 'CuratedBucket');
    const models = lake.models.sharedWith(this, 'ModelsBucket');

    this.tables = new ForecastRefreshTables(this, 'Tables', { databaseName: lake.catalog.databaseName, curatedBucketName: curated.bucketName });
    this.refresh = new ForecastRefreshSchedule(this, 'Refresh', {
      curated,
      models,
      catalog: lake.catalog,
      workgroup: lake.workgroup,
      tables: this.tables,
      eventBus: predict.events.sharedWith(this),
      key,
      schedules: refreshSchedules(c),
      leadTimeDays: c.insights.leadTimeDays,
      horizonPeriods: c.insights.forecastHorizonPeriods,
      logRetention,
    });
    // The tables name the lake database as a literal: deploy after the lake stack.
    this.addStackDependency(lake, 'the insights tables live in the lake database');

    this.reviewScores = new CuratedDeliveryStream(this, 'ReviewScores', {
      table: tableDef('review_scores'),
      glueTable: lake.catalog.tableByName('review_scores'),
      bucket: curated,
      key,
      bufferInterval: Duration.seconds(c.firehoseBufferSeconds),
      bufferSize: Size.mebibytes(c.firehoseBufferMiB),
    });
    this.sentiment = new SentimentScorerFunction(this, 'Sentiment', {
      stream: ingest.stream.sharedWith(this),
      models,
      deliveryStream: this.reviewScores,
      key,
      batchSize: c.batchSize,
      batchWindow: Duration.seconds(c.batchWindowSeconds),
      maxRetryAttempts: c.maxRetryAttempts,
      logRetention,
    });

    keepMappingId(this.sentiment.function, ingest.stream.stream);

    if (props.analytics?.tagRefresh) {
      // Functions of other stacks by the ARNs their stacks publish in SSM (lib/cross-stack.ts), which the state
      // machine's grant and its acknowledgement name alike.
      const exported = (fn: lambda.IFunction, name: string) => lambda.Function.fromFunctionArn(this, `${name}Function`, sharedValue(this, fn, `${name}/function-arn`, fn.functionArn));
      this.backfill = new BackfillStateMachine(this, 'Backfill', {
        stage: c.stage,
        tagRefresh: exported(props.analytics.tagRefresh.function, 'TagRefresh'),
        insightsRefresh: this.refresh.function,
        scorer: exported(predict.scoring.function, 'Scoring'),
        key,
        logRetention,
        removalPolicy: c.destroyOnRemove ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      });
    }
  }
}

/**
 * Gives the function's Kinesis event source mapping the logical id it had when the ingest stack's stream was passed
 * in directly (`KinesisEventSource:<the stream's unique id>`): a new id would replace the mapping, and a new mapping
 * starts at the stream's tip, skipping the records in between.
 */
function keepMappingId(fn: lambda.IFunction, stream: Construct): void {
  const mapping = fn.node.children.find((c) => c.node.id.startsWith('KinesisEventSource:'));
  if (!mapping) throw new Error(`${fn.node.path} has no Kinesis event source`);
  const stack = Stack.of(fn);
  // The same path under a throwaway root, with the mapping's id as it was: its unique id is that logical id.
  let scope = new Construct(undefined as unknown as Construct, '');
  const ids = mapping.node.scopes.slice(mapping.node.scopes.indexOf(stack) + 1).map((c) => c.node.id);
  for (const id of [...ids.slice(0, -1), `KinesisEventSource:${Names.nodeUniqueId(stream.node)}`, 'Resource']) scope = new Construct(scope, id);
  (mapping.node.defaultChild as CfnResource).overrideLogicalId(Names.nodeUniqueId(scope.node));
}
