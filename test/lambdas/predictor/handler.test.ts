// The predictor Lambda as deployed (its handler module, configured by environment) reading its model from S3 on
// moto_server: AWS_ENDPOINT_URL points the handler's own client at moto.
import { DeleteObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { predictProba } from '../../../models/churn/index.ts';
import { S3ModelStore } from '../../../src/adapters/aws/s3-model-store.ts';
import { buildMatrix } from '../../../src/models/index.ts';
import type { PredictResponse } from '../../../src/score/predict-rows.ts';
import { hasMoto, MOTO_CREDENTIALS, MOTO_REGION, startMoto, type MotoServer } from '../../helpers/moto.ts';
import { createBuckets, s3Client } from '../../helpers/moto-aws.ts';
import { customerRows, trainedChurn } from './fixtures.ts';

let handler: (event: unknown, context: Context) => Promise<PredictResponse>;
const context = { functionName: 'predictor', awsRequestId: 'req-1' } as Context;

describe.skipIf(!hasMoto)('predictor Lambda on moto', () => {
  let moto: MotoServer;

  beforeAll(async () => {
    moto = await startMoto();
    await createBuckets(moto, 'models');
    const { model } = trainedChurn();
    await new S3ModelStore({ bucket: 'models', prefix: 'lake', client: s3Client(moto.endpoint) }).put('churn', model.version, model.files);
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: MOTO_REGION,
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
      MODEL_BUCKET: 'models',
      MODEL_PREFIX: 'lake',
      MODEL_NAME: 'churn',
      MODEL_VERSION: 'latest',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    ({ handler } = (await import('../../../lambdas/predictor/handler.ts')) as unknown as { handler: typeof handler });
  });
  afterAll(async () => {
    delete process.env.AWS_ENDPOINT_URL;
    await moto?.close();
  });

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

  it('loads the model from S3 once and keeps serving it when the bucket changes underneath', async () => {
    const { model } = trainedChurn();
    await handler({ rows: customerRows(5, 4).rows }, context);
    // Remove every model object: a container that read S3 on each invocation would now fail.
    const s3 = s3Client(moto.endpoint);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'models' }));
    await s3.send(new DeleteObjectsCommand({ Bucket: 'models', Delete: { Objects: listed.Contents!.map((o) => ({ Key: o.Key! })) } }));
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'models' }))).KeyCount).toBe(0);
    const again = await handler({ rows: customerRows(5, 5).rows }, context);
    expect(again.version).toBe(model.version);
    expect(again.predictions).toHaveLength(5);
  });

  it('rejects a request without rows, naming the field', async () => {
    await expect(handler({ rows: [] }, context)).rejects.toThrow(/predict request rows: Too small/);
    await expect(handler({ as_of: '2025-12-31' }, context)).rejects.toThrow(/predict request rows/);
  });
});
