/** The model retraining Lambda's environment and invocation payload, validated once. */
import { z } from 'zod';
import { modelPrefix, readEnv, s3Location } from '../shared/env.ts';

export const modelRetrainEnv = z.object({
  ATHENA_WORKGROUP: z.string().min(1),
  GLUE_DATABASE: z.string().min(1),
  /** s3://<curated bucket>/: customer_tags/ partitions are listed to find the newest snapshot. */
  CURATED_LOCATION: s3Location,
  /** Where Athena UNLOADs the rows the function reads (the workgroup's results prefix). */
  UNLOAD_LOCATION: s3Location,
  MODEL_BUCKET: z.string().min(3),
  MODEL_PREFIX: modelPrefix,
  /** Churn label window and CLV horizon, as `retail-lake train --horizon-days`. */
  HORIZON_DAYS: z.coerce.number().int().min(7).max(730).default(90),
  /** How much worse than `latest` a candidate may be (src/train/gate.ts). */
  GATE_TOLERANCE: z.coerce.number().min(0).max(1).default(0.02),
  /** Share of customers held out of training for the backtest. */
  HOLDOUT_SHARE: z.coerce.number().gt(0).lt(1).default(0.2),
  /** Above this many customers with a purchase, train on a stratified sample of this size drawn by Athena. */
  SAMPLE_CUSTOMERS: z.coerce.number().int().min(100).default(200_000),
  /** A `latest` older than this (days from its as-of date) counts in ModelsOverMaxAge. */
  MAX_MODEL_AGE_DAYS: z.coerce.number().int().min(1).default(14),
});
export type ModelRetrainEnv = z.output<typeof modelRetrainEnv>;

export function readModelRetrainEnv(env: NodeJS.ProcessEnv = process.env): ModelRetrainEnv {
  return readEnv(modelRetrainEnv, env);
}

/**
 * What a schedule sends: `{"job": "retrain"}` (weekly) or `{"job": "drift"}` (daily), optionally the day (default:
 * the newest customer_tags snapshot), the models, and `permute_labels` (a gate self-test: churn trained on shuffled
 * labels, which the gate must reject and the rejection alarm must report).
 */
export const retrainRequest = z.object({
  job: z.enum(['retrain', 'drift']),
  as_of: z.iso.date().optional(),
  models: z.array(z.enum(['segments', 'churn', 'clv'])).min(1).optional(),
  permute_labels: z.boolean().optional(),
});
export type RetrainRequest = z.output<typeof retrainRequest>;
