/**
 * Sentiment on ingest: a second consumer of the event stream (filtered to review.submitted and service.ticket)
 * scores review and ticket texts with the sentiment model from the model bucket and writes review_scores through
 * Firehose (Parquet). Answers with a partial batch response; see run.ts.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { KinesisStreamEvent } from 'aws-lambda';
import { FirehoseLakeSink } from '../../src/adapters/aws/firehose-lake-sink.ts';
import { S3ModelStore } from '../../src/adapters/aws/s3-model-store.ts';
import { SentimentOnnxScorer } from '../../src/insights/sentiment.ts';
import { isNothingToDo } from '../../src/ops/nothing-to-do.ts';
import { readInsightsSentimentEnv } from './config.ts';
import { REVIEW_SCORES, scoreKinesisBatch } from './run.ts';

const env = readInsightsSentimentEnv();
const logger = new Logger();
const scorer = new SentimentOnnxScorer(new S3ModelStore({ bucket: env.MODEL_BUCKET }), env.MODEL_VERSION);
const sink = new FirehoseLakeSink({ streams: { [REVIEW_SCORES]: env.REVIEW_SCORES_STREAM } });

export const handler = middy(async (event: KinesisStreamEvent) => {
  const r = await scoreKinesisBatch(event, { scorer, sink, onError: (e) => logger.error('sentiment batch failed; retried from its first record', e as Error) });
  if (isNothingToDo(r)) logger.info('nothing to do', { records: event.Records.length, unscored: r.unscored, reason: r.nothingToDo });
  else logger.info('sentiment batch', { records: event.Records.length, scored: r.scored, skipped: r.skipped, failed: r.batchItemFailures.length > 0 });
  return { batchItemFailures: r.batchItemFailures };
}).use(injectLambdaContext(logger));
