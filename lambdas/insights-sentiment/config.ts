/** The sentiment-on-ingest Lambda's environment, as the CDK SentimentScorer sets it. */
import { z } from 'zod';
import { readEnv } from '../shared/env.ts';

export const insightsSentimentEnv = z.object({
  MODEL_BUCKET: z.string().min(3),
  /** A sentiment model version, or `latest` (read once per container). */
  MODEL_VERSION: z.string().min(1).default('latest'),
  /** Firehose delivery stream writing review_scores as Parquet. */
  REVIEW_SCORES_STREAM: z.string().min(1),
});
export type InsightsSentimentEnv = z.output<typeof insightsSentimentEnv>;

export const readInsightsSentimentEnv = (env: NodeJS.ProcessEnv = process.env): InsightsSentimentEnv => readEnv(insightsSentimentEnv, env);
