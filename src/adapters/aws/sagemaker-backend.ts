/**
 * A scoring backend that sends feature batches to a SageMaker real-time endpoint serving the same ONNX model
 * (e.g. the Triton inference server container), in the KServe v2 / Triton JSON protocol:
 *   request  {"inputs": [{"name": "features", "shape": [N, k], "datatype": "FP32", "data": [...]}],
 *             "outputs": [{"name": "probability"}, ...]}
 *   response {"outputs": [{"name": "probability", "shape": [N], "datatype": "FP32", "data": [...]}, ...]}
 * The predictor still loads the card and the ONNX file from the model store and checks them, so the features are
 * built and ordered exactly as for the in-process backend.
 */
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { BackendFactory, OutputValues } from '../../score/predictor.ts';
import { ScoringBackendError } from '../../score/errors.ts';
import { clientConfig, type ClientOptions } from './clients.ts';

export interface SageMakerBackendOptions extends ClientOptions {
  readonly endpointName: string;
  /** For multi-model endpoints: the model artifact to invoke. */
  readonly targetModel?: string;
  /** @default a client built from the options */
  readonly client?: SageMakerRuntimeClient;
}

interface V2Output {
  readonly name: string;
  readonly shape: readonly number[];
  readonly datatype?: string;
  readonly data: readonly (number | string)[];
}

export function sageMakerBackend(options: SageMakerBackendOptions): BackendFactory {
  const client = options.client ?? new SageMakerRuntimeClient(clientConfig(options));
  return async (model) => ({
    run: async (batch) => {
      const body = {
        inputs: [{ name: model.card.onnx.input, shape: [batch.rows, batch.cols], datatype: 'FP32', data: Array.from(batch.data) }],
        outputs: model.card.onnx.outputs.map((name) => ({ name })),
      };
      let text: string;
      try {
        const res = await client.send(
          new InvokeEndpointCommand({
            EndpointName: options.endpointName,
            ContentType: 'application/json',
            Accept: 'application/json',
            Body: new TextEncoder().encode(JSON.stringify(body)),
            ...(options.targetModel ? { TargetModel: options.targetModel } : {}),
          }),
        );
        text = new TextDecoder().decode(res.Body);
      } catch (e) {
        throw new ScoringBackendError(`SageMaker endpoint ${options.endpointName} failed for model ${model.version}: ${(e as Error).message}`, { cause: e });
      }
      let parsed: { outputs?: V2Output[] };
      try {
        parsed = JSON.parse(text) as { outputs?: V2Output[] };
      } catch (e) {
        throw new ScoringBackendError(`SageMaker endpoint ${options.endpointName} answered with non-JSON: ${text.slice(0, 80)}`, { cause: e });
      }
      if (!Array.isArray(parsed.outputs)) {
        throw new ScoringBackendError(`SageMaker endpoint ${options.endpointName} answered without "outputs"; expected the KServe v2 response shape`);
      }
      const out: Record<string, OutputValues> = {};
      for (const o of parsed.outputs) {
        const values = o.datatype === 'BYTES' ? o.data.map(String) : o.data.map(Number);
        out[o.name] = { dims: [...o.shape], values };
      }
      return out;
    },
  });
}
