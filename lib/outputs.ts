/**
 * Stack outputs for every name the docs and runbooks use (`aws cloudformation describe-stacks --stack-name
 * RetailLake-<stage>-<Stack> --query "Stacks[0].Outputs"`), so that a team finds the stream, the buckets, the bus, the
 * workgroup, the functions and their dead-letter queues without reading the console. Plain outputs, never exports:
 * an export pins its value and makes a later refactor fail with "export in use".
 *
 * One table, read by the template tests and by docs/deploy.md ("Finding things"), which lists the same names.
 */
import { CfnOutput, type Stack } from 'aws-cdk-lib';
import type { RetailLakeStacks } from './app.ts';

export interface RunbookOutput {
  /** Output name, unique across the stacks. */
  readonly name: string;
  /** Which stack holds it. */
  readonly stack: 'lake' | 'ingest' | 'analytics' | 'predict' | 'insights' | 'observability';
  readonly description: string;
  readonly value: (s: RetailLakeStacks) => string | undefined;
}

export const RUNBOOK_OUTPUTS: readonly RunbookOutput[] = [
  { name: 'RawBucketName', stack: 'lake', description: 'Raw zone bucket: landing/ (order exports, ERP tables), privacy/requests/ (erasure requests)', value: (s) => s.lake.raw.bucket.bucketName },
  { name: 'CuratedBucketName', stack: 'lake', description: 'Curated zone bucket: the contract tables, tags, scores, the suppression list', value: (s) => s.lake.curated.bucket.bucketName },
  { name: 'QuarantineBucketName', stack: 'lake', description: 'Quarantine zone bucket: rejected records with their reasons', value: (s) => s.lake.quarantine.bucket.bucketName },
  { name: 'ModelsBucketName', stack: 'lake', description: 'Model bucket: ONNX models and cards the scorer and predictors load', value: (s) => s.lake.models.bucket.bucketName },
  { name: 'AthenaResultsBucketName', stack: 'lake', description: 'Athena query results of the workgroup', value: (s) => s.lake.athenaResults.bucket.bucketName },
  { name: 'GlueDatabaseName', stack: 'lake', description: 'Glue database of the lake tables and views (Athena: select from <database>.customer_tags)', value: (s) => s.lake.catalog.databaseName },
  { name: 'AthenaWorkgroupName', stack: 'lake', description: 'Athena workgroup for BI tools and runbook queries (--work-group)', value: (s) => s.lake.workgroup.workgroupName },
  { name: 'ProfileTableName', stack: 'lake', description: 'DynamoDB profile table (batch profiles from the scorer, live counters)', value: (s) => s.lake.profiles.table.tableName },
  { name: 'EventStreamName', stack: 'ingest', description: 'Kinesis stream producers put events on (aws kinesis put-records --stream-name)', value: (s) => s.ingest.stream.stream.streamName },
  { name: 'ProducerPolicyArn', stack: 'ingest', description: 'Managed policy producers attach: PutRecords on the event stream and its key (docs/producers.md)', value: (s) => s.ingest.producers.policy.managedPolicyArn },
  { name: 'PiiKeySecretName', stack: 'ingest', description: 'Secrets Manager secret holding the PII hashing key', value: (s) => s.ingest.piiKey.secretName },
  { name: 'CleanserFunctionName', stack: 'ingest', description: 'Cleanser Lambda (stream to curated and quarantine)', value: (s) => s.ingest.cleanser.function.functionName },
  { name: 'CleanserDeadLetterQueueName', stack: 'ingest', description: 'SQS DLQ of stream batches the cleanser gave up on', value: (s) => s.ingest.cleanser.deadLetterQueue.queue.queueName },
  { name: 'RawCopyFunctionName', stack: 'ingest', description: 'Lambda copying every stream record to the raw bucket (stream/dt=<arrival date>/); invoke it with a message of its DLQ to copy that range again', value: (s) => s.ingest.rawCopy.functionName },
  { name: 'ReplayFunctionName', stack: 'ingest', description: 'Replay Lambda of `retail-lake cloud replay` (raw copy or quarantine through the cleanser code)', value: (s) => s.ingest.replay.function.functionName },
  { name: 'ReplayDeadLetterQueueName', stack: 'ingest', description: 'SQS DLQ of replay requests that failed', value: (s) => s.ingest.replay.deadLetterQueue.queue.queueName },
  { name: 'OrderImportFunctionName', stack: 'ingest', description: 'Order import Lambda (order exports under the landing prefix)', value: (s) => s.ingest.orderImport.function.functionName },
  { name: 'OrderImportDeadLetterQueueName', stack: 'ingest', description: 'SQS DLQ of order exports that failed to import', value: (s) => s.ingest.orderImport.deadLetterQueue.queue.queueName },
  { name: 'BatchLoadFunctionName', stack: 'ingest', description: 'ERP table load Lambda (products, stock_snapshots, stores under landing/<table>/)', value: (s) => s.ingest.batchLoad.function.functionName },
  { name: 'BatchLoadDeadLetterQueueName', stack: 'ingest', description: 'SQS DLQ of ERP table files the load refused or failed on', value: (s) => s.ingest.batchLoad.deadLetterQueue.queue.queueName },
  { name: 'ErasureFunctionName', stack: 'ingest', description: 'Erasure Lambda (request files under privacy/requests/ or direct invoke)', value: (s) => s.ingest.erasure.function.functionName },
  { name: 'ErasureDeadLetterQueueName', stack: 'ingest', description: 'SQS DLQ of erasure requests that failed', value: (s) => s.ingest.erasure.deadLetterQueue.queue.queueName },
  { name: 'StreamRulesFunctionName', stack: 'ingest', description: 'Stream rules Lambda (CartAbandoned, VipArrived, ServiceRecoveryNeeded; live counters)', value: (s) => s.ingest.streamRules.function.functionName },
  { name: 'StreamRulesDeadLetterQueueName', stack: 'ingest', description: 'SQS DLQ of stream batches the stream rules gave up on', value: (s) => s.ingest.streamRules.deadLetterQueue.queue.queueName },
  { name: 'ViewsDeployerFunctionName', stack: 'analytics', description: 'Custom resource Lambda that (re)creates the Athena views of sql/', value: (s) => s.analytics.views.function.functionName },
  { name: 'IdentityRefreshFunctionName', stack: 'analytics', description: 'Identity refresh Lambda (identity_map), scheduled before the tag refresh', value: (s) => s.analytics.identityRefresh?.function.functionName },
  { name: 'IdentityRefreshDeadLetterQueueName', stack: 'analytics', description: 'SQS DLQ of failed identity refresh invocations', value: (s) => s.analytics.identityRefresh?.deadLetterQueue.queue.queueName },
  { name: 'TagRefreshFunctionName', stack: 'analytics', description: 'Tag refresh Lambda (the dated customer_tags snapshot)', value: (s) => s.analytics.tagRefresh?.function.functionName },
  { name: 'TagRefreshDeadLetterQueueName', stack: 'analytics', description: 'SQS DLQ of failed tag refresh invocations', value: (s) => s.analytics.tagRefresh?.deadLetterQueue.queue.queueName },
  { name: 'ModelEventBusName', stack: 'predict', description: 'EventBridge bus of model and stream-rule events (subscribe with rules on this bus)', value: (s) => s.predict.events.bus.eventBusName },
  { name: 'ScorerFunctionName', stack: 'predict', description: 'Scheduled scorer Lambda (customer_scores, events, profiles)', value: (s) => s.predict.scoring.function.functionName },
  { name: 'ScorerDeadLetterQueueName', stack: 'predict', description: 'SQS DLQ of failed scorer invocations', value: (s) => s.predict.scoring.deadLetterQueue.queue.queueName },
  { name: 'RetrainFunctionName', stack: 'predict', description: 'Model retraining Lambda (weekly retrain behind the gate, daily drift)', value: (s) => s.predict.retraining.function.functionName },
  { name: 'RetrainDeadLetterQueueName', stack: 'predict', description: 'SQS DLQ of failed retraining and drift invocations', value: (s) => s.predict.retraining.deadLetterQueue.queue.queueName },
  { name: 'CouponIssuerFunctionName', stack: 'predict', description: 'Coupon issuer Lambda (answers model events with coupons)', value: (s) => s.predict.couponIssuer.function.functionName },
  { name: 'CouponIssuerDeadLetterQueueName', stack: 'predict', description: 'SQS DLQ of events the coupon issuer could not handle', value: (s) => s.predict.couponIssuer.deadLetterQueue.queue.queueName },
  { name: 'CouponTableName', stack: 'predict', description: 'DynamoDB coupon table (issued coupons, the monthly budget)', value: (s) => s.predict.coupons.table.tableName },
  { name: 'InsightsRefreshFunctionName', stack: 'insights', description: 'Insights refresh Lambda (forecast, replenishment, recommendations apply)', value: (s) => s.insights.refresh.function.functionName },
  { name: 'InsightsRefreshDeadLetterQueueName', stack: 'insights', description: 'SQS DLQ of failed insights refresh invocations', value: (s) => s.insights.refresh.deadLetterQueue.queue.queueName },
  { name: 'SentimentFunctionName', stack: 'insights', description: 'Sentiment scorer Lambda (review_scores on ingest)', value: (s) => s.insights.sentiment.function.functionName },
  { name: 'SentimentDeadLetterQueueName', stack: 'insights', description: 'SQS DLQ of review batches the sentiment scorer gave up on', value: (s) => s.insights.sentiment.deadLetterQueue.queue.queueName },
  { name: 'BackfillStateMachineArn', stack: 'insights', description: 'Step Functions state machine of `retail-lake cloud backfill` (one execution per request; the day it stopped at)', value: (s) => s.insights.backfill?.stateMachine.stateMachineArn },
  { name: 'BackfillDeadLetterQueueName', stack: 'insights', description: 'SQS DLQ of backfill requests EventBridge could not deliver', value: (s) => s.insights.backfill?.deadLetterQueue.queue.queueName },
  { name: 'DashboardName', stack: 'observability', description: 'CloudWatch dashboard of the pipeline', value: (s) => s.observability.dashboard.dashboard.dashboardName },
  { name: 'AlarmTopicArn', stack: 'observability', description: 'SNS topic every alarm notifies (subscribe on-call here)', value: (s) => s.observability.topic.topic.topicArn },
];

/** Adds every output whose resource the configuration deploys, each in the stack that owns the resource. */
export function addRunbookOutputs(stacks: RetailLakeStacks): void {
  for (const o of RUNBOOK_OUTPUTS) {
    const value = o.value(stacks);
    if (value === undefined) continue;
    new CfnOutput(stacks[o.stack] as Stack, o.name, { value, description: o.description });
  }
}
