import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { predictProba } from '../../../models/churn/index.ts';
import { S3ModelStore } from '../../../src/adapters/aws/s3-model-store.ts';
import { buildMatrix } from '../../../src/models/index.ts';
import type { PredictResponse } from '../../../src/score/predict-rows.ts';
import { customerRows, memoryBucket, trainedChurn } from './fixtures.ts';

const { s3 } = memoryBucket();
let handler: (event: unknown, context: Context) => Promise<PredictResponse>;
const context = { functionName: 'predictor', awsRequestId: 'req-1' } as Context;

beforeAll(async () => {
  const { model } = trainedChurn();
  await new S3ModelStore({ bucket: 'models', client: new S3Client({ region: 'eu-west-1' }) }).put('churn', model.version, model.files);
  Object.assign(process.env, { MODEL_BUCKET: 'models', MODEL_NAME: 'churn', MODEL_VERSION: model.version, AWS_REGION: 'eu-west-1', POWERTOOLS_LOG_LEVEL: 'SILENT' });
  ({ handler } = (await import('../../../lambdas/predictor/handler.ts')) as unknown as { handler: typeof handler });
});

describe('predictor Lambda', () => {
  it('scores a batch of feature rows with the configured version, matching the TypeScript model to 1e-5', async () => {
    const { model, features } = trainedChurn();
    const { rows } = customerRows(50, 3);
    const out = await handler({ rows, as_of: '2025-12-31' }, context);
    expect(out).toMatchObject({ model: 'churn', version: model.version, as_of: '2025-12-31' });
    const expected = predictProba(model.model, buildMatrix(rows, features).X);
    out.predictions.forEach((p, i) => expect(Math.abs((p.probability as number) - expected[i]!)).toBeLessThan(1e-5));
    expect(out.predictions[0]!.contributions).toHaveLength(4);
    const reasons = out.predictions.find((p) => (p.top_reasons as unknown[]).length > 0)!.top_reasons as { feature: string; meaning: string; contribution: number }[];
    expect(reasons[0]!.contribution).toBeGreaterThan(0);
    expect(reasons[0]!.meaning).not.toBe('');
  });

  it('loads the model from S3 once and reuses it across invocations', async () => {
    await handler({ rows: customerRows(5, 4).rows }, context);
    const reads = s3.commandCalls(GetObjectCommand).length;
    await handler({ rows: customerRows(5, 5).rows }, context);
    await handler({ rows: customerRows(5, 6).rows }, context);
    expect(reads).toBeGreaterThan(0);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(reads);
  });

  it('rejects a request without rows, naming the field', async () => {
    await expect(handler({ rows: [] }, context)).rejects.toThrow(/predict request rows: Too small/);
    await expect(handler({ as_of: '2025-12-31' }, context)).rejects.toThrow(/predict request rows/);
  });
});
