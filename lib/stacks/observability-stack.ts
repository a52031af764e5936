/** Observability: the alarm topic, the pipeline dashboard and the alarms over the ingest, analytics, predict and insights stacks. */
import { ModelAlarms } from '../constructs/model-alarms.ts';
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { LakeConfig } from '../config.ts';
import { AlarmTopic } from '../constructs/alarm-topic.ts';
import { PipelineAlarms } from '../constructs/pipeline-alarms.ts';
import { PipelineDashboard } from '../constructs/pipeline-dashboard.ts';
import { PipelineMetrics } from '../constructs/pipeline-metrics.ts';
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
    const metrics = new PipelineMetrics({
      cleanser: props.ingest.cleanser.function,
      streamRules: props.ingest.streamRules.function,
      deadLetterQueues: new Map([
        ['cleanser', props.ingest.cleanser.deadLetterQueue.queue],
        ['order-import', props.ingest.orderImport.deadLetterQueue.queue],
        // An ERP file refused whole (missing column, no valid row) or a load that kept failing: the table is unchanged.
        ['batch-load', props.ingest.batchLoad.deadLetterQueue.queue],
        ['stream-rules', props.ingest.streamRules.deadLetterQueue.queue],
        // An erasure request the function could not be given, or that kept failing: someone's data is still there.
        ['erasure', props.ingest.erasure.deadLetterQueue.queue],
        ...(props.analytics.identityRefresh ? [['identity-refresh', props.analytics.identityRefresh.deadLetterQueue.queue] as const] : []),
        ...(props.analytics.tagRefresh ? [['tag-refresh', props.analytics.tagRefresh.deadLetterQueue.queue] as const] : []),
        ['coupon-issuer', props.predict.couponIssuer.deadLetterQueue.queue],
        // Stream batches of the coupon table not exported: campaign_outcomes on Athena misses those decisions.
        ['decision-export', props.predict.decisionExport.deadLetterQueue.queue],
        ['scorer', props.predict.scoring.deadLetterQueue.queue],
        ['model-retrain', props.predict.retraining.deadLetterQueue.queue],
        ['insights-refresh', props.insights.refresh.deadLetterQueue.queue],
        ['sentiment', props.insights.sentiment.deadLetterQueue.queue],
        // A backfill request EventBridge could not start the state machine with.
        ...(props.insights.backfill ? [['backfill', props.insights.backfill.deadLetterQueue.queue] as const] : []),
      ]),
      deliveryStreams: new Map([
        ...[...props.ingest.deliveryStreams].map(([t, d]) => [t, d.deliveryStream] as const),
        ['review_scores', props.insights.reviewScores.deliveryStream] as const,
      ]),
      otherFunctions: new Map([
        ['order-import', props.ingest.orderImport.function],
        ['batch-load', props.ingest.batchLoad.function],
        ['stream-rules', props.ingest.streamRules.function],
        ['erasure', props.ingest.erasure.function],
        ['views-deployer', props.analytics.views.function],
        ...(props.analytics.identityRefresh ? [['identity-refresh', props.analytics.identityRefresh.function] as const] : []),
        ...(props.analytics.tagRefresh ? [['tag-refresh', props.analytics.tagRefresh.function] as const] : []),
        ['coupon-issuer', props.predict.couponIssuer.function],
        ['decision-export', props.predict.decisionExport.function],
        ['scorer', props.predict.scoring.function],
        ['model-retrain', props.predict.retraining.function],
        ['insights-refresh', props.insights.refresh.function],
        ['sentiment', props.insights.sentiment.function],
        ...[...props.predict.predictors].map(([m, p]) => [`predictor-${m}`, p.function] as const),
      ]),
      eventRules: props.predict.events.rules,
    });
    this.topic = new AlarmTopic(this, 'AlarmTopic', { key: props.lake.key.key, email: c.alarmEmail });
    this.alarms = new PipelineAlarms(this, 'Alarms', {
      metrics,
      topic: this.topic.topic,
      stage: c.stage,
      quarantineRatioThreshold: c.quarantineRatioThreshold,
      iteratorAgeThreshold: Duration.seconds(c.iteratorAgeThresholdSeconds),
      dlqDepthThreshold: c.dlqDepthThreshold,
      freshnessThreshold: Duration.seconds(Math.max(900, 3 * c.firehoseBufferSeconds)),
      ...(props.insights.backfill ? { backfill: props.insights.backfill.stateMachine } : {}),
    });
    this.modelAlarms = new ModelAlarms(this, 'ModelAlarms', { topic: this.topic.topic, stage: c.stage, ...(c.retraining.psiAlarmThreshold !== undefined ? { psiThreshold: c.retraining.psiAlarmThreshold } : {}) });
    this.dashboard = new PipelineDashboard(this, 'Dashboard', { metrics, dashboardName: `retail-lake-${c.stage}` });
  }
}
