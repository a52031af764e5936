// The SageMaker backend over the real SageMaker Runtime wire protocol (POST /endpoints/<name>/invocations, SigV4
// signed by the SDK) against a stand-in endpoint on loopback that serves the same model.onnx with onnxruntime, as
// the Triton container behind a deployed endpoint would. Neither moto (canned InvokeEndpoint answers) nor any other
// emulator here runs a model, so the stand-in does; the scores it returns are computed from what the backend sent,
// and must equal the TypeScript model's and the in-process onnxruntime backend's.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { predictProba } from '../../../models/churn/index.ts';
import { sageMakerBackend } from '../../../src/adapters/aws/sagemaker-backend.ts';
import { buildMatrix } from '../../../src/models/index.ts';
import { predictRows } from '../../../src/score/predict-rows.ts';
import { onnxBackend, Predictor, ScoringBackendError, type ScoringBackend } from '../../../src/score/index.ts';
import { MOTO_CREDENTIALS, MOTO_REGION } from '../../helpers/moto.ts';
import { customerRows, trainedChurn } from './fixtures.ts';

interface V2Request {
  inputs: { name: string; shape: [number, number]; datatype: string; data: number[] }[];
  outputs: { name: string }[];
}

/**
 * A SageMaker real-time endpoint in miniature: `churn-endpoint` serves the model in the KServe v2 JSON protocol
 * (the outputs the request names, computed by onnxruntime from the request's features); `legacy-endpoint` answers
 * in another protocol; any other name is not found, as SageMaker answers.
 */
async function standInEndpoint(model: ScoringBackend): Promise<{ endpoint: string; requests: V2Request[]; close: () => Promise<void> }> {
  const requests: V2Request[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const name = /^\/endpoints\/([^/]+)\/invocations$/.exec(req.url ?? '')?.[1];
        const send = (status: number, body: object, headers: Record<string, string> = {}) => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(JSON.stringify(body));
        };
        if (name === 'legacy-endpoint') return send(200, { predictions: [0.1] });
        if (name !== 'churn-endpoint') return send(400, { message: `Endpoint ${name} of account 123456789012 not found.` }, { 'x-amzn-errortype': 'ValidationError' });
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as V2Request;
        requests.push(body);
        const input = body.inputs[0]!;
        const out = await model.run({ data: Float32Array.from(input.data), rows: input.shape[0], cols: input.shape[1] });
        send(200, { outputs: body.outputs.map((o) => ({ name: o.name, shape: out[o.name]!.dims, datatype: 'FP32', data: Array.from<number | string>(out[o.name]!.values) })) });
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('backend: sagemaker, against a stand-in endpoint serving the same ONNX model', () => {
  let stand: Awaited<ReturnType<typeof standInEndpoint>>;
  let served: ScoringBackend | undefined;
  const backend = (endpointName: string) =>
    sageMakerBackend({ endpointName, client: new SageMakerRuntimeClient({ endpoint: stand.endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS }) });

  beforeAll(async () => {
    const { model } = trainedChurn();
    // The endpoint loads model.onnx as the Triton container would; the predictor under test only talks to it.
    await Predictor.fromArtifacts('churn', model.onnxBytes, model.card, async (m) => (served = await onnxBackend(m)));
    stand = await standInEndpoint(served!);
  });
  afterAll(async () => {
    await stand?.close();
  });

  it('scores through the endpoint what the TypeScript model and the in-process backend give, batch by batch', async () => {
    const { model, features } = trainedChurn();
    const { rows } = customerRows(7, 9);
    const remote = await predictRows(await Predictor.fromArtifacts('churn', model.onnxBytes, model.card, backend('churn-endpoint')), { rows }, { batchSize: 3 });
    const local = await predictRows(await Predictor.fromArtifacts('churn', model.onnxBytes, model.card), { rows });
    const expected = predictProba(model.model, buildMatrix(rows, features).X);
    remote.predictions.forEach((p, i) => expect(Math.abs((p.probability as number) - expected[i]!)).toBeLessThan(1e-5));
    expect(remote.predictions.map((p) => p.top_reasons)).toEqual(local.predictions.map((p) => p.top_reasons));
    // 7 rows in batches of 3: three invocations of [3, 3, 1] rows by 4 features, asking for the card's outputs.
    expect(stand.requests.map((r) => r.inputs[0]!.shape)).toEqual([
      [3, 4],
      [3, 4],
      [1, 4],
    ]);
    expect(stand.requests[0]!.outputs.map((o) => o.name)).toEqual(model.card.onnx.outputs);
  });

  it('fails naming the endpoint when it answers without the card outputs', async () => {
    const { model } = trainedChurn();
    const predictor = await Predictor.fromArtifacts('churn', model.onnxBytes, model.card, backend('legacy-endpoint'));
    const err = await predictor.score(customerRows(1, 1).rows).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScoringBackendError);
    expect((err as Error).message).toBe('SageMaker endpoint legacy-endpoint answered without "outputs"; expected the KServe v2 response shape');
  });

  it('fails naming the endpoint and the model version when the endpoint does not exist', async () => {
    const { model } = trainedChurn();
    const predictor = await Predictor.fromArtifacts('churn', model.onnxBytes, model.card, backend('no-such-endpoint'));
    await expect(predictor.score(customerRows(1, 1).rows)).rejects.toThrow(
      `SageMaker endpoint no-such-endpoint failed for model ${model.version}: Endpoint no-such-endpoint of account 123456789012 not found.`,
    );
  });
});
