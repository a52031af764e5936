/** The predictor Lambda's environment, validated once at cold start. */
import { z } from 'zod';
import { modelPrefix, readEnv } from '../shared/env.ts';

export const predictorEnv = z
  .object({
    /** Bucket holding models/<name>/<version>/ (the lake's model zone). */
    MODEL_BUCKET: z.string().min(3),
    /** Key prefix in front of models/. */
    MODEL_PREFIX: modelPrefix,
    MODEL_NAME: z.enum(['segments', 'churn', 'clv']),
    /** A version such as churn-2025-12-31-1a2b3c4d, or latest (read once per container). */
    MODEL_VERSION: z.string().min(1).default('latest'),
    BACKEND: z.enum(['onnx', 'sagemaker']).default('onnx'),
    /** Required when BACKEND is sagemaker. */
    SAGEMAKER_ENDPOINT: z.string().min(1).optional(),
    /** Rows per onnxruntime / endpoint call. */
    BATCH_ROWS: z.coerce.number().int().min(1).max(100_000).default(5_000),
  })
  .refine((e) => e.BACKEND !== 'sagemaker' || e.SAGEMAKER_ENDPOINT, { message: 'is required when BACKEND is sagemaker', path: ['SAGEMAKER_ENDPOINT'] });

export type PredictorEnv = z.output<typeof predictorEnv>;

export const readPredictorEnv = (env: NodeJS.ProcessEnv = process.env): PredictorEnv => readEnv(predictorEnv, env);
