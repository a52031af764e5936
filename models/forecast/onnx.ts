/**
 * ONNX export of the global model's one-step predictor: feature row -> forecast in units of the row's level
 * (MatMul + Add). The recursive multi-step loop, the feature rows and the multiplication by the level stay in
 * TypeScript (`forecastGlobal`), because each step's features depend on the previous step's forecast.
 */
import { META, OnnxModelBuilder, tensor } from '../../src/onnx/index.ts';
import type { GlobalModel } from './global-model.ts';

export const FORECAST_INPUT = 'features';
export const FORECAST_OUTPUT = 'forecast_scaled';

export interface ForecastOnnxMetadata {
  readonly version: string;
  readonly asOf: string;
}

/** The one-step predictor as ONNX bytes: input `features` float [N, F], output `forecast_scaled` float [N, 1]. */
export function globalModelToOnnx(model: GlobalModel, meta: ForecastOnnxMetadata): Uint8Array {
  const f = model.featureNames.length;
  const b = new OnnxModelBuilder({
    graphName: 'forecast_one_step',
    docString: 'Global ridge one-step forecast; multiply by the row level (mean of the last season) for units.',
  });
  const x = b.input(FORECAST_INPUT, 'float32', ['N', f]);
  const w = b.initializer('weights', tensor.float32([f, 1], model.weights));
  const c = b.initializer('intercept', tensor.float32([1], [model.intercept]));
  b.op('Add', [b.op('MatMul', [x, w]), c], { output: FORECAST_OUTPUT });
  b.output(FORECAST_OUTPUT, 'float32', ['N', 1]);
  b.metadata(META.featureNames, model.featureNames)
    .metadata(META.featureInput, FORECAST_INPUT)
    .metadata(META.modelName, 'forecast')
    .metadata(META.modelVersion, meta.version)
    .metadata(META.asOf, meta.asOf);
  return b.toBytes();
}
