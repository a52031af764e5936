/** ONNX graph building, inspection and inference; see builder.ts for an example. */
export { OnnxModelBuilder, attr, ML_DOMAIN, DEFAULT_OPSETS, DEFAULT_IR_VERSION } from './builder.ts';
export type { AttributeValue, Dim, ModelBuilderOptions, NodeOptions } from './builder.ts';
export { tensor, DTYPE_CODE, dtypeName } from './tensor.ts';
export type { DType, Tensor } from './tensor.ts';
export { readModelInfo } from './inspect.ts';
export type { ModelInfo, ValueInfo } from './inspect.ts';
export { META } from './metadata.ts';
export { ModelSession, featureListMismatch, toNumbers } from './session.ts';
export type { FloatBatch, ModelSessionOptions, OutputTensor } from './session.ts';
export { OnnxError, OnnxGraphError, OnnxInputMismatchError } from './errors.ts';
