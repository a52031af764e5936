/** Observability: the alarm topic, the pipeline dashboard and the alarms over the ingest, analytics, predict and insights stacks. */
import { ModelAlarms } from '../constructs/model-alarms.ts';
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { sharedValue } from '../cross-stack.ts';
import type { LakeConfig } from '../config.ts';
import { AlarmTopic } from '../constructs/alarm-topic.ts';
import { PipelineAlarms } from '../constructs/pipeline-alarms.ts';
import { PipelineDashboard } from '../constructs/pipeline-dashboard.ts';
import { PipelineMetrics, type DeliveryStreamName } from '../constructs/pipeline-metrics.ts';
import type { AnalyticsStack } from './analytics-stack.ts';
import type { IngestStack } from './ingest-stack.ts';
import type { InsightsStack } from './insights-stack.ts';
import type { LakeStack } from './lake-stack.ts';
import type { PredictStack } from './predict-stack.ts';

export interface ObservabilityStackProps extends StackProps {
  readonly config: LakeConfig;
  readonly lake: LakeStack;
  readonly ingest: IngestStack;
  readonly analytics: AnalyticsStack;
  readonly predict: PredictStack;
  readonly insights: InsightsStack;
}

export class ObservabilityStack extends Stack {
  readonly topic: AlarmTopic;
  readonly alarms: PipelineAlarms;
  /** Gate rejections, models past their maximum age, feature drift. */
  readonly modelAlarms: ModelAlarms;
  readonly dashboard: PipelineDashboard;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    const c = props.config;
    // Every metric names a resource of another stack: by the names and ARNs those stacks publish in SSM
    // (lib/cross-stack.ts), so that they can rename or replace a function, queue or rule without an export in use.
    const fn = (label: string, f: lambda.IFunction): lambda.IFunction =>
      (this.node.tryFindChild(`Function-${label}`) as lambda.IFunction | undefined) ??
      lambda.Function.fromFunctionName(this, `Function-${label}`, sharedValue(this, f, `${label}/function-name`, f.functionName));
    const dlq = (label: string, q: sqs.IQueue): readonly [string, sqs.IQueue] => {
      const queueName = sharedValue(this, q, `${label}/dlq-name`, q.queueName);
      return [label, sqs.Queue.fromQueueAttributes(this, `DeadLetters-${label}`, { queueName, queueArn: this.formatArn({ service: 'sqs', resource: queueName }) })];
    };
    const delivery = (table: string, d: firehose.IDeliveryStream): readonly [string, DeliveryStreamName] => [table, { deliveryStreamName: sharedValue(this, d, `${table}/delivery-stream-name`, d.deliveryStreamName) }];
    const { ingest, analytics, predict, insights } = props;
    const metrics = new PipelineMetrics({
      cleanser: fn('cleanser', ingest.cleanser.function),
      streamRules: fn('stream-rules', ingest.streamRules.function),
      deadLetterQueues: new Map([
        dlq('cleanser', ingest.cleanser.deadLetterQueue.queue),
        dlq('raw-copy', ingest.rawCopy.deadLetterQueue.queue),
        dlq('order-import', ingest.orderImport.deadLetterQueue.queue),
        // An ERP file refused whole (missing column, no valid row) or a load that kept failing: the table is unchanged.
        dlq('batch-load', ingest.batchLoad.deadLetterQueue.queue),
        dlq('stream-rules', ingest.streamRules.deadLetterQueue.queue),
        // An erasure request the function could not be given, or that kept failing: someone's data is still there.
        dlq('erasure', ingest.erasure.deadLetterQueue.queue),
        ...(analytics.identityRefresh ? [dlq('identity-refresh', analytics.identityRefresh.deadLetterQueue.queue)] : []),
        ...(analytics.tagRefresh ? [dlq('tag-refresh', analytics.tagRefresh.deadLetterQueue.queue)] : []),
        dlq('coupon-issuer', predict.couponIssuer.deadLetterQueue.queue),
        // Stream batches of the coupon table not exported: campaign_outcomes on Athena misses those decisions.
        dlq('decision-export', predict.decisionExport.deadLetterQueue.queue),
        dlq('scorer', predict.scoring.deadLetterQueue.queue),
        dlq('model-retrain', predict.retraining.deadLetterQueue.queue),
        dlq('insights-refresh', insights.refresh.deadLetterQueue.queue),
        dlq('sentiment', insights.sentiment.deadLetterQueue.queue),
        // A backfill request EventBridge could not start the state machine with.
        ...(insights.backfill ? [dlq('backfill', insights.backfill.deadLetterQueue.queue)] : []),
      ]),
      deliveryStreams: new Map([...[...ingest.deliveryStreams].map(([t, d]) => delivery(t, d.deliveryStream)), delivery('review_scores', insights.reviewScores.deliveryStream)]),
      otherFunctions: new Map(
        [
          ['order-import', ingest.orderImport.function] as const,
          ['batch-load', ingest.batchLoad.function] as const,
          ['stream-rules', ingest.streamRules.function] as const,
          ['erasure', ingest.erasure.function] as const,
          ['views-deployer', analytics.views.function] as const,
          ...(analytics.identityRefresh ? [['identity-refresh', analytics.identityRefresh.function] as const] : []),
          ...(analytics.tagRefresh ? [['tag-refresh', analytics.tagRefresh.function] as const] : []),
          ['coupon-issuer', predict.couponIssuer.function] as const,
          ['decision-export', predict.decisionExport.function] as const,
          ['scorer', predict.scoring.function] as const,
          ['model-retrain', predict.retraining.function] as const,
          ['insights-refresh', insights.refresh.function] as const,
          ['sentiment', insights.sentiment.function] as const,
          ...[...predict.predictors].map(([m, p]) => [`predictor-${m}`, p.function] as const),
        ].map(([label, f]) => [label, fn(label, f)] as const),
      ),
      eventRules: new Map([...predict.events.rules].map(([t, r]) => [t, { ruleName: sharedValue(this, r, `${t}/rule-name`, r.ruleName) }] as const)),
    });
    this.topic = new AlarmTopic(this, 'AlarmTopic', { key: props.lake.key.sharedWith(this), email: c.alarmEmail });
    this.alarms = new PipelineAlarms(this, 'Alarms', {
      metrics,
      topic: this.topic.topic,
      stage: c.stage,
      quarantineRatioThreshold: c.quarantineRatioThreshold,
      iteratorAgeThreshold: Duration.seconds(c.iteratorAgeThresholdSeconds),
      dlqDepthThreshold: c.dlqDepthThreshold,
      freshnessThreshold: Duration.seconds(Math.max(900, 3 * c.firehoseBufferSeconds)),
      scoring: sfn.StateMachine.fromStateMachineArn(this, 'Scoring', sharedValue(this, predict.scoring.stateMachine, 'scoring/state-machine-arn', predict.scoring.stateMachine.stateMachineArn)),
      ...(insights.backfill
        ? { backfill: sfn.StateMachine.fromStateMachineArn(this, 'Backfill', sharedValue(this, insights.backfill.stateMachine, 'backfill/state-machine-arn', insights.backfill.stateMachine.stateMachineArn)) }
        : {}),
    });
    this.modelAlarms = new ModelAlarms(this, 'ModelAlarms', { topic: this.topic.topic, stage: c.stage, ...(c.retraining.psiAlarmThreshold !== undefined ? { psiThreshold: c.retraining.psiAlarmThreshold } : {}) });
    this.dashboard = new PipelineDashboard(this, 'Dashboard', { metrics, dashboardName: `retail-lake-${c.stage}` });
  }
}
