/**
 * Predictor Lambda: scores a batch of feature rows with the model version named in its environment. The model
 * (model.onnx + card.json from the S3 model bucket) is loaded and checked once per container and reused across
 * invocations; BACKEND=sagemaker sends the batches to a SageMaker endpoint instead of onnxruntime.
 * Request and response: src/score/predict-rows.ts.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { S3ModelStore } from '../../src/adapters/aws/s3-model-store.ts';
import { sageMakerBackend } from '../../src/adapters/aws/sagemaker-backend.ts';
import { parsePredictRequest, predictRows, type PredictResponse } from '../../src/score/predict-rows.ts';
import { onnxBackend, PredictorCache } from '../../src/score/predictor.ts';
import { readPredictorEnv } from './config.ts';

const env = readPredictorEnv();
const logger = new Logger();
const cache = new PredictorCache(
  new S3ModelStore({ bucket: env.MODEL_BUCKET, prefix: env.MODEL_PREFIX }),
  env.BACKEND === 'sagemaker' ? sageMakerBackend({ endpointName: env.SAGEMAKER_ENDPOINT! }) : onnxBackend,
);

async function body(event: unknown): Promise<PredictResponse> {
  const request = parsePredictRequest(event);
  const predictor = await cache.get(env.MODEL_NAME, env.MODEL_VERSION);
  const response = await predictRows(predictor, request, { batchSize: env.BATCH_ROWS });
  logger.info('scored', { model: response.version, rows: request.rows.length, backend: env.BACKEND });
  return response;
}

export const handler = middy(body).use(injectLambdaContext(logger));
