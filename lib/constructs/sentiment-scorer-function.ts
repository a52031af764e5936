/**
 * Sentiment on ingest (lambdas/insights-sentiment): a second consumer of the event stream, filtered at the event
 * source mapping to review.submitted and service.ticket records, so the function is invoked only for texts. It
 * scores them with the sentiment model read from models/sentiment/ of the model bucket (onnxruntime, arm64) and puts
 * review_scores rows on a Firehose stream. Failure handling as the cleanser's: partial batch responses, bisect on
 * error, bounded retries, then the batch is described in an SQS DLQ instead of blocking the shard.
 *
 * @example new SentimentScorerFunction(this, 'Sentiment', { stream, models, deliveryStream, key })
 */
import { Duration } from 'aws-cdk-lib';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { SCORED_TYPES } from '../../src/insights/tables.ts';
import { acknowledgeOnPrincipal, iam5Action, iam5Resource, nagName } from './acknowledge.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import { onnxRuntimeBundling } from './onnx-runtime-bundling.ts';
import { ProjectFunction } from './project-function.ts';
import type { CuratedDeliveryStream } from './curated-delivery-stream.ts';

export interface SentimentScorerFunctionProps {
  readonly stream: kinesis.IStream;
  /** Model bucket (models/sentiment/<version>/ under it). */
  readonly models: s3.IBucket;
  readonly deliveryStream: CuratedDeliveryStream;
  /** Key of the DLQ. */
  readonly key: kms.IKey;
  /** Model version to serve. @default 'latest' (read once per container) */
  readonly modelVersion?: string;
  /** Records per invocation (before filtering). @default 500 */
  readonly batchSize?: number;
  /** @default Duration.seconds(5) */
  readonly batchWindow?: Duration;
  /** Retries of a failing batch before it goes to the DLQ. @default 5 */
  readonly maxRetryAttempts?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

export class SentimentScorerFunction extends Construct {
  readonly function: ProjectFunction;
  readonly deadLetterQueue: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: SentimentScorerFunctionProps) {
    super(scope, id);
    this.function = new ProjectFunction(this, 'Function', {
      entry: 'lambdas/insights-sentiment/handler.ts',
      serviceName: 'insights-sentiment',
      memorySize: 1024,
      timeout: Duration.minutes(2),
      logRetention: props.logRetention,
      environment: {
        MODEL_BUCKET: props.models.bucketName,
        MODEL_VERSION: props.modelVersion ?? 'latest',
        REVIEW_SCORES_STREAM: props.deliveryStream.deliveryStreamName,
      },
      bundling: onnxRuntimeBundling(lambda.Architecture.ARM_64),
    });
    const fn = this.function;
    const prefix = 'models/sentiment/*';
    props.models.grantRead(fn, prefix);
    acknowledgeOnPrincipal(fn, iam5Resource(`${nagName(this, props.models.bucketArn)}/${prefix}`), 'Model versions are named at training time (models/sentiment/<version>/); read-only, this model\'s prefix only.');
    acknowledgeOnPrincipal(fn, iam5Action('s3:GetObject*'), 'CDK bucket read grant (GetObject, GetObjectVersion, ...); scoped to the sentiment prefix of the model bucket.');
    acknowledgeOnPrincipal(fn, iam5Action('s3:GetBucket*'), 'CDK bucket read grant (bucket location and versioning); the model bucket only.');
    acknowledgeOnPrincipal(fn, iam5Action('s3:List*'), 'CDK bucket read grant: list the sentiment model versions.');
    props.deliveryStream.grantPutRecords(fn);

    this.deadLetterQueue = new DeadLetterQueue(this, 'DeadLetters', { key: props.key, purpose: 'review and ticket batches the sentiment scorer could not process after bisecting and retrying' });
    fn.addEventSource(
      new sources.KinesisEventSource(props.stream, {
        startingPosition: lambda.StartingPosition.LATEST,
        batchSize: props.batchSize ?? 500,
        maxBatchingWindow: props.batchWindow ?? Duration.seconds(5),
        onFailure: new sources.SqsDlq(this.deadLetterQueue.queue),
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: props.maxRetryAttempts ?? 5,
        maxRecordAge: Duration.days(1),
        // Only texts reach the function; every other event is dropped by the mapping, not billed as an invocation.
        filters: [lambda.FilterCriteria.filter({ data: { type: lambda.FilterRule.or(...SCORED_TYPES) } })],
      }),
    );
    acknowledgeOnPrincipal(fn, iam5Action('kms:ReEncrypt*'), 'CDK key grant for the lake key (stream records, the DLQ, the Firehose buffer); one key only.');
    acknowledgeOnPrincipal(fn, iam5Action('kms:GenerateDataKey*'), 'CDK key grant for the lake key; one key only.');
  }
}
