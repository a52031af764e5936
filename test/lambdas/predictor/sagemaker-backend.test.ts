import { InvokeEndpointCommand, SageMakerRuntimeClient, type InvokeEndpointCommandInput } from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { predictProba } from '../../../models/churn/index.ts';
import { sageMakerBackend } from '../../../src/adapters/aws/sagemaker-backend.ts';
import { buildMatrix } from '../../../src/models/index.ts';
import { predictRows } from '../../../src/score/predict-rows.ts';
import { Predictor, ScoringBackendError } from '../../../src/score/index.ts';
import { customerRows, trainedChurn } from './fixtures.ts';

const sagemaker = mockClient(SageMakerRuntimeClient);
const backend = () => sageMakerBackend({ endpointName: 'churn-endpoint', client: new SageMakerRuntimeClient({ region: 'eu-west-1' }) });
const encode = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)) as never;

beforeEach(() => sagemaker.reset());

describe('backend: sagemaker', () => {
  it('sends the checked feature batch in the KServe v2 shape and reads the outputs back', async () => {
    const { model, features } = trainedChurn();
    const { rows } = customerRows(3, 9);
    const p = Array.from(predictProba(model.model, buildMatrix(rows, features).X));
    sagemaker.on(InvokeEndpointCommand).resolves({
      Body: encode({
        outputs: [
          { name: 'probability', shape: [3], datatype: 'FP32', data: p },
          { name: 'margin', shape: [3], datatype: 'FP32', data: [0, 0, 0] },
          { name: 'contributions', shape: [3, 4], datatype: 'FP32', data: new Array(12).fill(0.1) },
        ],
      }),
    });
    const predictor = await Predictor.fromArtifacts('churn', model.onnxBytes, model.card, backend());
    const out = await predictRows(predictor, { rows });
    expect(out.predictions.map((x) => x.probability)).toEqual(p);
    const input = sagemaker.commandCalls(InvokeEndpointCommand)[0]!.args[0].input as InvokeEndpointCommandInput;
    expect(input).toMatchObject({ EndpointName: 'churn-endpoint', ContentType: 'application/json', Accept: 'application/json' });
    const body = JSON.parse(new TextDecoder().decode(input.Body as Uint8Array));
    expect(body.inputs[0]).toMatchObject({ name: 'features', shape: [3, 4], datatype: 'FP32' });
    expect(body.inputs[0].data.slice(0, 4)).toEqual(Array.from(buildMatrix(rows, features).X.data.slice(0, 4)));
    expect(body.outputs).toEqual([{ name: 'probability' }, { name: 'margin' }, { name: 'contributions' }]);
  });

  it('fails naming the endpoint when it answers without the card outputs', async () => {
    const { model } = trainedChurn();
    sagemaker.on(InvokeEndpointCommand).resolves({ Body: encode({ predictions: [0.1] }) });
    const predictor = await Predictor.fromArtifacts('churn', model.onnxBytes, model.card, backend());
    await expect(predictor.score(customerRows(1, 1).rows)).rejects.toThrow(ScoringBackendError);
    await expect(predictor.score(customerRows(1, 1).rows)).rejects.toThrow(/churn-endpoint answered without "outputs"/);
  });
});
